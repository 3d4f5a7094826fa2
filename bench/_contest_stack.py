"""What bench/contest_load.py and tests/test_contests_load.py share: seeding a contest round with N
contestants quickly (one password hash for all, bulk rows), starting a Celery judge worker on its own
Redis queue, running the locust profile tests/load/locustfile_contest.py headless, and counting what
reached the database.

The gunicorn helpers, the database choice and the HTTP client come from bench/_exam_stack.py.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bench._exam_stack import PASSWORD, ROOT, gunicorn_env

PACKAGE = ROOT / "contests" / "demo_data" / "kattis_aplusb"
DEFAULT_REDIS = "redis://127.0.0.1:6379/6"


@dataclass
class SeededContest:
    contest_id: int
    problem_id: int
    usernames: list[str]


def _zip_package(target: Path) -> str:
    name = "kattis_aplusb-load.zip"
    with zipfile.ZipFile(target / name, "w") as zf:
        for path in sorted(PACKAGE.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(PACKAGE).as_posix())
    return name


def seed(url: str, contestants: int, package_dir: str) -> SeededContest:
    """A province contest, division B, one open IOI round (C++17) with the a+b problem, and
    `contestants` approved single-pupil entries. The problem row carries a 1 s limit (what `verify`
    settles on for this package) so seeding needs no sandbox run."""
    os.environ.setdefault("SECRET_KEY", "bench")
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from contests import services
    from contests.models import Entry, EntryMember, Problem
    from contests.problems import render_statement
    from tinhoc import clock, create_app, text
    from tinhoc.access import SYSTEM
    from tinhoc.accounts.models import User
    from tinhoc.config import Config
    from tinhoc.extensions import db
    from tinhoc.orgs import services as orgs

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CONTEST_PACKAGE_DIR": package_dir,
                      "CONTEST_REQUEUE_ON_START": False})
    with app.app_context():
        db.create_all()
        province = orgs.create_organisation(SYSTEM, kind="province", code="T-LOAD", name="Tỉnh thử tải", parent_id=None)
        school = orgs.create_organisation(SYSTEM, kind="school", code="T-LOAD-THCS", name="Trường THCS Thử Tải",
                                          parent_id=province.id)
        now = clock.now()
        contest = services.create_contest(SYSTEM, year=now.year, level="province", title="Hội thi thử tải",
                                          organisation_id=None)
        division = services.add_division(SYSTEM, contest, code="B", name="Bảng B", school_levels=["lower"],
                                         min_grade=6, max_grade=9)
        rnd = services.add_round(SYSTEM, division, title="Vòng thử tải", starts_at=now - timedelta(hours=1),
                                 ends_at=now + timedelta(hours=6), scoring="ioi", languages=["cpp17"])
        statement = "Tính $a+b$."
        problem = Problem(round_id=rnd.id, letter="A", position=0, title="Tổng hai số", statement_md=statement,
                          statement_html=render_statement(statement), package_file=_zip_package(Path(package_dir)),
                          package_sha256="0" * 64, package_format="kattis", time_limit=1.0, memory_limit=256,
                          max_score=100.0, samples=[{"name": "sample/1", "input": "1 2\n", "output": "3\n"}])
        db.session.add(problem)
        db.session.flush()
        hashed = generate_password_hash(PASSWORD, method=Config(str(ROOT / "instance")).PASSWORD_HASH_METHOD)
        usernames = [f"ct{i:05d}" for i in range(contestants)]
        db.session.execute(insert(User), [
            {"username": u, "username_key": text.code_key(u), "full_name": f"Thí sinh {u}",
             "search_text": text.search_text(f"Thí sinh {u}", u), "password_hash": hashed,
             "must_change_password": False, "active": True, "created_at": now, "session_version": 0}
            for u in usernames])
        ids = dict(db.session.execute(select(User.username, User.id).where(User.username.in_(usernames))).all())
        db.session.execute(insert(Entry), [
            {"division_id": division.id, "name": f"Thí sinh {u}", "school_id": school.id, "status": "approved",
             "created_at": now, "approved_at": now} for u in usernames])
        entries = dict(db.session.execute(select(Entry.name, Entry.id).where(Entry.division_id == division.id)).all())
        db.session.execute(insert(EntryMember), [
            {"entry_id": entries[f"Thí sinh {u}"], "user_id": ids[u], "full_name": f"Thí sinh {u}", "grade": 8,
             "school_level": "lower"} for u in usernames])
        db.session.commit()
        seeded = SeededContest(contest.id, problem.id, usernames)
        db.session.remove()
        db.engine.dispose()
    return seeded


def stack_env(url: str, instance: str, package_dir: str, redis: str | None, queue: str) -> dict:
    """gunicorn's and the worker's environment: Celery on Redis and its own queue (the in-process pool,
    one judge thread per gunicorn worker, when `redis` is None); submissions not throttled (the profile
    paces itself; the limit would only turn submissions into 429s)."""
    env = gunicorn_env(url, instance)
    # Idle keep-alive connections kept 30 s, as behind a proxy: with gunicorn's 2 s, a contestant's
    # next poll (1-2 s later, more under load) races the server closing its connection and gets
    # no answer at all (ConnectionError), which says nothing about the site.
    env.update({"CONTEST_PACKAGE_DIR": package_dir, "CONTEST_SUBMIT_LIMIT": "1000 per minute",
                "GUNICORN_CMD_ARGS": "--keep-alive 30"})
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(name, None)
    if redis:
        env.update({"CELERY_BROKER_URL": redis, "CELERY_RESULT_BACKEND": redis, "TINHOC_JUDGE_QUEUE": queue,
                    "CONTEST_JUDGE_VIA": "celery"})
    else:
        env.update({"CONTEST_JUDGE_VIA": "pool", "TINHOC_JUDGE_WORKERS": "1"})
    return env


def new_queue() -> str:
    return f"judge-load-{uuid.uuid4().hex[:8]}"


def start_worker(env: dict, concurrency: int, log) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "celery", "-A", "tinhoc.judge.worker:celery_app", "worker",
           "-Q", env["TINHOC_JUDGE_QUEUE"], "--concurrency", str(concurrency), "--pool", "prefork",
           "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)


def run_locust(port: int, seeded: SeededContest, users: int, seconds: int, out_dir: Path, *,
               spawn_rate: float, submit_every: float) -> tuple[subprocess.CompletedProcess, dict, dict]:
    """Run the profile headless; (process, stats rows by name, the profile's own tally: the ids
    acknowledged with 201, how many submits were attempted and how many refused or unanswered)."""
    acks = out_dir / "acknowledged.json"
    env = dict(os.environ, CONTEST_ID=str(seeded.contest_id), CONTEST_PROBLEM_ID=str(seeded.problem_id),
               CONTEST_USERS=",".join(seeded.usernames), CONTEST_PASSWORD=PASSWORD,
               CONTEST_SUBMIT_EVERY=str(submit_every), CONTEST_ACK_FILE=str(acks))
    cmd = [sys.executable, "-m", "locust", "-f", str(ROOT / "tests/load/locustfile_contest.py"), "--headless",
           "-u", str(users), "-r", str(spawn_rate), "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
           "--csv", str(out_dir / "run"), "--only-summary", "--stop-timeout", "5"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=seconds + 180)
    rows = {row["Name"]: row for row in csv.DictReader(open(out_dir / "run_stats.csv"))}
    tally = json.loads(acks.read_text()) if acks.exists() else {"acknowledged": [], "attempted": 0, "refused": 0}
    return done, rows, tally


def counts(url: str, problem_id: int) -> dict:
    """Rows of the problem's submissions in the database: all, judged (status done), accepted, ids."""
    from sqlalchemy import create_engine, text as sql
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sql("SELECT id, status, verdict, created_at, judged_at FROM contest_submission "
                                    "WHERE problem_id = :p"), {"p": problem_id}).all()
            odd = conn.execute(sql("SELECT id, status, verdict, progress, result FROM contest_submission "
                                   "WHERE problem_id = :p AND (verdict IS NULL OR verdict <> 'AC') ORDER BY id LIMIT 5"),
                               {"p": problem_id}).all()
    finally:
        engine.dispose()
    def moment(value):   # SQLite hands back text
        return datetime.fromisoformat(value) if isinstance(value, str) else value
    waits = sorted((moment(r.judged_at) - moment(r.created_at)).total_seconds() for r in rows
                   if r.judged_at is not None)
    pick = lambda q: waits[min(len(waits) - 1, int(q * (len(waits) - 1)))] if waits else 0.0  # noqa: E731
    return {"stored": len(rows), "judged": sum(r.status == "done" for r in rows),
            "not_accepted": [(r.id, r.status, r.verdict, r.progress, str(r.result)[:1500]) for r in odd],
            "wait_p50": pick(0.5), "wait_p95": pick(0.95), "wait_max": waits[-1] if waits else 0.0,
            "accepted": sum(r.verdict == "AC" for r in rows), "errors": sum(r.status == "error" for r in rows),
            "ids": {r.id for r in rows}}


def wait_drained(url: str, problem_id: int, timeout: float) -> tuple[dict, float]:
    """Poll until every stored submission is judged (or in error) or `timeout` passes; (counts, seconds)."""
    start = time.monotonic()
    while True:
        c = counts(url, problem_id)
        if c["judged"] + c["errors"] >= c["stored"] or time.monotonic() - start > timeout:
            return c, time.monotonic() - start
        time.sleep(1.0)
