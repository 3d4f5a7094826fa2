"""What the page benchmarks (bench/dashboard.py, bench/training_report.py) share: the percentile, the
timing loop, the app on a scratch database, the ANALYZE a bulk load needs on PostgreSQL, and a client
logged in as a demo account that GETs a page and checks it answered."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_P95_MS = 300.0


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed(fn, runs: int) -> list[float]:
    """Milliseconds of `runs` calls of fn, after one call that warms the caches."""
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def bench_app(url: str, instance_path: str):
    """The app on `url` (a scratch database), fast password hashes, no CSRF, no rate limit."""
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ["TINHOC_INSTANCE_PATH"] = instance_path
    from tinhoc import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})


def analyze() -> None:
    """On PostgreSQL, what autovacuum does after a bulk load (fresh statistics for the planner)."""
    from sqlalchemy import text

    from tinhoc.extensions import db
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def logged_in(app, username: str = "organiser"):
    """A test client logged in as a demo account."""
    from tinhoc.demo import DEMO_PASSWORD
    client = app.test_client()
    reply = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert reply.status_code == 302, reply.status_code
    return client


def page(client, url: str):
    """A callable that GETs `url` and checks the answer is 200."""
    def get():
        reply = client.get(url)
        assert reply.status_code == 200, (url, reply.status_code)
    return get
