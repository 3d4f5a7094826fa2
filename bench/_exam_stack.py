"""What bench/exam_autosave.py and tests/test_exams_fault_sigkill.py share: choosing the database
(PostgreSQL in its own schema when reachable, else SQLite), seeding an exam session with N candidates
quickly (one password hash for all), starting gunicorn on the real app, and a small cookie-keeping
HTTP client (stdlib only) that speaks to the pages as a browser would (CSRF tokens included).
"""
from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "mat-khau-123"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|data-csrf="([^"]+)"')
_ITEM = re.compile(r'class="card mb-3 attempt-item" id="item-(\d+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database(env_name: str, schema: str, sqlite_dir: str, *, allow_sqlite: bool):
    """(SQLAlchemy URL, label, cleanup): PostgreSQL from `env_name` (or the default) in a fresh schema
    named `schema` plus the process id (two runs at once never meet) when reachable, else a SQLite file
    in `sqlite_dir` when allowed (RuntimeError otherwise). `cleanup()` drops the schema."""
    from sqlalchemy import create_engine, text
    url = os.environ.get(env_name, DEFAULT_PG)
    schema = f"{schema}_{os.getpid()}"
    if url.startswith("postgresql"):
        def run(sql: str) -> None:
            engine = create_engine(url, connect_args={"connect_timeout": 3})
            try:
                with engine.begin() as conn:
                    conn.execute(text(sql))
            finally:
                engine.dispose()
        try:
            run(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
            joiner = "&" if "?" in url else "?"
            return (f"{url}{joiner}options=-csearch_path%3D{schema}",
                    f"postgresql ({urlsplit(url).path[1:]}, schema {schema})",
                    lambda: run(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        except Exception as exc:   # noqa: BLE001  (any failure to reach it means: not reachable)
            if not allow_sqlite:
                raise RuntimeError(f"PostgreSQL not reachable at {url}: {exc}") from None
    return f"sqlite:///{sqlite_dir}/exam.sqlite3", "sqlite (PostgreSQL not reachable)", lambda: None


@dataclass
class Seeded:
    session_id: int
    part_id: int
    usernames: list[str]
    organiser: str = "bench-organiser"
    items_per_attempt: int = 0
    extra: dict = field(default_factory=dict)


def seed(url: str, candidates: int, *, questions: int = 20, duration_minutes: int = 60) -> Seeded:
    """An exam of `questions` single-choice questions, an unopened session with `candidates` listed
    (rooms of 30) and a province organiser. Users share one password hash: hashing 1,000 passwords
    would take two minutes and measure nothing."""
    os.environ.setdefault("SECRET_KEY", "bench")
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from exams import services as bank
    from exams.delivery.models import Exam, ExamCandidate, ExamPart, ExamRoom, ExamSession
    from tinhoc import clock, create_app, text
    from tinhoc.access import SYSTEM
    from tinhoc.accounts import services as accounts
    from tinhoc.accounts.models import User
    from tinhoc.config import Config
    from tinhoc.extensions import db
    from tinhoc.orgs import services as orgs

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        province = orgs.create_organisation(SYSTEM, kind="province", code="T-BENCH", name="Tỉnh thử tải", parent_id=None)
        accounts.create_user(SYSTEM, username="bench-organiser", full_name="Tổ chức thi", password=PASSWORD,
                             roles=["organiser"], must_change_password=False)
        category = bank.ensure_category_path("IU01 Thử tải")
        db.session.commit()
        for i in range(questions + 5):
            bank.save_question(SYSTEM, None, category_id=category.id, type_="single", name="",
                               body=f"<p>Câu hỏi thử tải số {i}?</p>", general_feedback="", difficulty=2,
                               params={"answers": [{"text": "Đúng", "fraction": 1}, {"text": "Sai", "fraction": 0},
                                                   {"text": "Không biết", "fraction": 0}]})
        now = clock.now()
        exam = Exam(title="Kỳ thi thử tải", organisation_id=province.id, opens_at=now - timedelta(hours=1),
                    closes_at=now + timedelta(hours=6), kind="exam")
        exam.parts = [ExamPart(position=1, title="Lý thuyết", duration_minutes=duration_minutes, marking="auto",
                               blueprint=[{"category_id": category.id, "difficulty": None, "count": questions,
                                           "points": 1}])]
        session = ExamSession(exam=exam, organisation_id=province.id, name="Ca thử tải", starts_at=now)
        db.session.add_all([exam, session])
        db.session.flush()
        hashed = generate_password_hash(PASSWORD, method=Config(str(ROOT / "instance")).PASSWORD_HASH_METHOD)
        usernames = [f"ts{i:05d}" for i in range(candidates)]
        db.session.execute(insert(User), [
            {"username": u, "username_key": text.code_key(u), "full_name": f"Thí sinh {u}",
             "search_text": text.search_text(f"Thí sinh {u}", u), "password_hash": hashed,
             "must_change_password": False, "active": True, "created_at": now, "session_version": 0}
            for u in usernames])
        ids = dict(db.session.execute(select(User.username, User.id).where(User.username.in_(usernames))).all())
        rooms = [ExamRoom(session_id=session.id, name=f"Phòng {n + 1}", capacity=30)
                 for n in range((candidates + 29) // 30)]
        db.session.add_all(rooms)
        db.session.flush()
        db.session.execute(insert(ExamCandidate), [
            {"session_id": session.id, "user_id": ids[u], "room_id": rooms[i // 30].id, "seat": f"{i % 30 + 1:02d}",
             "extra_minutes": 0} for i, u in enumerate(usernames)])
        db.session.commit()
        seeded = Seeded(session.id, exam.parts[0].id, usernames, items_per_attempt=questions)
        db.session.remove()
        db.engine.dispose()
    return seeded


def gunicorn_env(url: str, instance: str) -> dict:
    env = dict(os.environ)
    env.update({"DATABASE_URL": url, "SECRET_KEY": "bench", "TINHOC_INSTANCE_PATH": instance,
                "RATELIMIT_STORAGE_URI": "memory://", "LOGIN_LIMIT_PER_ADDRESS": "1000000 per minute",
                "LOGIN_LIMIT_PER_ACCOUNT": "1000000 per minute", "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "1000000 per minute",
                "REDIS_URL": "", "PYTHONPATH": str(ROOT)})
    env.pop("TEST_DATABASE_URL", None)
    return env


def start_gunicorn(app_spec: str, port: int, env: dict, *, workers: int = 2, threads: int = 8,
                   chdir: Path = ROOT, log=None) -> subprocess.Popen:
    # Idle keep-alive connections kept 30 s, as behind a proxy: with gunicorn's default 2 s, a page's
    # next poll (the waiting room's every 2-3 s) races the server closing the connection and gets a
    # reset, which browsers retry but a load tool counts as a failure of the site.
    cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads), "-k", "gthread",
           "-b", f"127.0.0.1:{port}", "--chdir", str(chdir), "--graceful-timeout", "2", "--timeout", "60",
           "--backlog", "2048", "--keep-alive", "30", app_spec]
    return subprocess.Popen(cmd, env=env, stdout=log or subprocess.DEVNULL, stderr=log or subprocess.DEVNULL,
                            start_new_session=True)


def workers_cpu(master_pid: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn master's workers: what a phase costs
    the server, whatever else the machine is doing (a respawned worker starts again from zero)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return 0.0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def wait_ready(port: int, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn on port {port} did not answer {path} within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    import signal
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Client:
    """One browser: keep-alive connection, cookies, the CSRF token of the last page read."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for reused in ((True, False) if self.conn is not None else (False,)):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self.conn.close()
                self.conn = None
                # A kept-alive connection the server closed meanwhile: send again on a new one, as
                # browsers do. Any other failure is the caller's (the fault test retries saves).
                stale = isinstance(exc, (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected))
                if not (reused and stale):
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, response.getheader("Location", ""), data

    def page(self, path: str) -> str:
        status, _loc, data = self.request("GET", path)
        html = data.decode("utf-8", "replace")
        match = _CSRF.search(html)
        if match:
            self.csrf = match.group(1) or match.group(2)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
        return html

    def form(self, path: str, fields: dict | None = None):
        body = urlencode({**(fields or {}), "csrf_token": self.csrf}).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def json(self, path: str, payload) -> tuple[int, dict]:
        status, _loc, data = self.request("POST", path, json.dumps(payload).encode(),
                                          {"Content-Type": "application/json", "X-CSRFToken": self.csrf,
                                           "Accept": "application/json"})
        try:
            return status, json.loads(data or b"{}")
        except ValueError:
            return status, {}

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.page("/login")
        status, location, _data = self.form("/login", {"username": username, "password": password})
        if status != 302 or "/login" in location:
            raise RuntimeError(f"login of {username} refused ({status})")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def attempt_items(html: str) -> list[int]:
    return [int(i) for i in _ITEM.findall(html)]
