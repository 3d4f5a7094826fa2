"""Scoreboard API throughput under gunicorn, and how soon a new result shows on the board.

500 contestants × 6 problems × 20,000 judged submissions (IOI) in one round; gunicorn (2 sync
workers) serves `GET /api/contests/<id>/scoreboard`. Floor: a static JSON file of the same size
served by the same gunicorn and app (Flask's static route), measured in the same run, alternating
with the board. Goal: the board at 50% of the static file or better. Then a result is stored as the
judge callback stores it and the board is polled until it shows it.

    python bench/scoreboard.py [--quick] [--contestants N] [--submissions N] [--seconds S] [--database-url URL]
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL = 0.5


def populate(contestants: int, problems: int, submissions: int) -> int:
    """Bulk rows through the models, then every board cell through the real recompute; the contest id."""
    from sqlalchemy import insert, select

    from contests import board
    from contests.models import Contest, Division, Entry, Problem, Round, ScoreCell, Submission
    from tinhoc import clock
    from tinhoc.extensions import db
    from tinhoc.orgs.models import Organisation

    now = clock.now()
    school = Organisation(kind="school", code="BENCH-SCHOOL", name="Trường THCS Thử", path="/00000001/")
    db.session.add(school)
    contest = Contest(year=now.year, level="province", title="Bench")
    division = Division(contest=contest, code="B", name="Bảng B", school_levels=["lower"])
    rnd = Round(division=division, title="Vòng tỉnh", starts_at=now - timedelta(hours=4), ends_at=now + timedelta(hours=1),
                scoring="ioi", languages=["cpp17"])
    db.session.add_all([contest, division, rnd])
    db.session.flush()
    probs = [Problem(round=rnd, letter=chr(65 + i), position=i, title=f"Bài {i + 1}", package_file="none.zip",
                     package_sha256="0" * 64, time_limit=1.0, memory_limit=256, max_score=100.0, samples=[])
             for i in range(problems)]
    db.session.add_all(probs)
    db.session.flush()
    rng = random.Random(1)
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
    db.session.execute(insert(Entry), [{"division_id": division.id, "name": f"{rng.choice(family)} Văn Thí Sinh {i}",
                                        "school_id": school.id, "status": "approved", "created_at": now}
                                       for i in range(contestants)])
    entry_ids = list(db.session.scalars(select(Entry.id).where(Entry.division_id == division.id)))
    start = rnd.starts_at
    rows = []
    for i in range(submissions):
        score = rng.choice([0.0, 20.0, 40.0, 60.0, 100.0])
        rows.append({"entry_id": rng.choice(entry_ids), "problem_id": rng.choice(probs).id, "language": "cpp17",
                     "source": "int main(){}", "source_binary": False, "status": "done", "progress": "",
                     "created_at": start + timedelta(seconds=rng.randint(0, 3 * 3600)),
                     "verdict": "AC" if score == 100.0 else "WA", "score": score, "max_score": 100.0,
                     "time": 0.01, "memory": 1000, "result": {"tests": [], "subtasks": []}})
    for k in range(0, len(rows), 5000):
        db.session.execute(insert(Submission), rows[k:k + 5000])
    pairs = {(r["entry_id"], r["problem_id"]) for r in rows}
    db.session.execute(insert(ScoreCell), [{"round_id": rnd.id, "entry_id": e, "problem_id": p} for e, p in pairs])
    db.session.commit()
    rnd = db.session.get(Round, rnd.id)
    board.recompute_round(rnd)
    db.session.commit()
    return contest.id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _hammer(args) -> int:
    port, path, seconds = args
    done, until = 0, time.perf_counter() + seconds
    while time.perf_counter() < until:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        conn.close()
        if resp.status != 200:
            raise RuntimeError(f"{path}: HTTP {resp.status}")
        done += 1
    return done


def rate(port: int, path: str, seconds: float, clients: int) -> float:
    with multiprocessing.Pool(clients) as pool:
        counts = pool.map(_hammer, [(port, path, seconds)] * clients)
    return sum(counts) / seconds


def _get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    body = conn.getresponse().read()
    conn.close()
    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="50 × 6 × 1,000, 2 s per measurement (CI)")
    parser.add_argument("--contestants", type=int, default=None)
    parser.add_argument("--problems", type=int, default=6)
    parser.add_argument("--submissions", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    contestants = args.contestants or (50 if args.quick else 500)
    submissions = args.submissions or (1000 if args.quick else 20_000)
    seconds = args.seconds or (2.0 if args.quick else 8.0)
    os.environ.setdefault("SECRET_KEY", "bench")

    from tinhoc import create_app
    from tinhoc.extensions import db

    static_name = f"bench-scoreboard-{os.getpid()}.json"
    static_file = ROOT / "static" / static_name
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        config = {"SQLALCHEMY_DATABASE_URI": url, "CONTEST_REQUEUE_ON_START": False, "CONTEST_JUDGE_VIA": "none"}
        app = create_app(config)
        with app.app_context():
            db.drop_all()   # a database URL given here is a scratch database
            db.create_all()
            t0 = time.perf_counter()
            contest_id = populate(contestants, args.problems, submissions)
            print(f"populated {contestants} contestants × {args.problems} problems × {submissions} submissions "
                  f"in {time.perf_counter() - t0:.1f} s")
        port = _free_port()
        env = dict(os.environ, DATABASE_URL=url, TINHOC_INSTANCE_PATH=tmp, CONTEST_REQUEUE_ON_START="0",
                   CONTEST_JUDGE_VIA="none")
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                                   "--log-level", "warning", "tinhoc:create_app()"], cwd=ROOT, env=env)
        try:
            board_path = f"/api/contests/{contest_id}/scoreboard"
            for _ in range(100):
                try:
                    body = _get(port, board_path)
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise RuntimeError("gunicorn did not start")
            data = json.loads(body)
            assert len(data["boards"][0]["rows"]) == contestants
            static_file.write_bytes(body)   # the floor: the same bytes as a static file
            assert _get(port, f"/static/{static_name}") == body
            static_rates, board_rates = [], []
            for _ in range(2):   # alternate, so a busy neighbour hurts both alike
                static_rates.append(rate(port, f"/static/{static_name}", seconds, args.clients))
                board_rates.append(rate(port, board_path, seconds, args.clients))
            best_static, best_board = max(static_rates), max(board_rates)
            ratio = best_board / best_static
            print(f"board JSON: {len(body) / 1024:.0f} KiB; static file {best_static:.0f} req/s, "
                  f"scoreboard API {best_board:.0f} req/s")
            latency = time_to_board(app, port, board_path, contest_id)
            print(f"a new result shows on the board after {latency * 1000:.0f} ms")
            print(f"scoreboard API / static file: {ratio:.2f}x (goal {GOAL:.2f}x)")
        finally:
            server.terminate()
            server.wait(timeout=30)
            if static_file.exists():
                static_file.unlink()
    return 0


def time_to_board(app, port: int, board_path: str, contest_id: int) -> float:
    """Store a full score for the last-placed contestant as the judge callback does; poll the board."""
    from sqlalchemy import select

    from contests import judging
    from contests.models import Problem, Submission
    from tinhoc import clock
    from tinhoc.extensions import db
    from tinhoc.judge.job import JudgeResult, Verdict

    rows = json.loads(_get(port, board_path))["boards"][0]["rows"]
    last = rows[-1]
    with app.app_context():
        problem = db.session.scalar(select(Problem).order_by(Problem.id))
        sub = Submission(entry_id=last["entry_id"], problem_id=problem.id, language="cpp17", source="x",
                         created_at=clock.now(), status="queued")
        db.session.add(sub)
        db.session.commit()
        started = time.perf_counter()
        judging.store_result(sub.id, JudgeResult(Verdict.AC, score=100.0, max_score=100.0))
    want = last["total"] - last["cells"][0]["score"] + 100.0
    while time.perf_counter() - started < 30:
        rows = json.loads(_get(port, board_path))["boards"][0]["rows"]
        if any(r["entry_id"] == last["entry_id"] and abs(r["total"] - want) < 1e-6 for r in rows):
            return time.perf_counter() - started
        time.sleep(0.005)
    raise RuntimeError("the result never reached the board")


if __name__ == "__main__":
    sys.exit(main())
