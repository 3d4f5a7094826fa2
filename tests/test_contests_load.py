"""The contest load profile (tests/load/locustfile_contest.py) runs headless for ~20 s against a real
gunicorn with a Celery judge worker on Redis (TEST_REDIS_URL; the in-process pool without it), on
PostgreSQL when TEST_DATABASE_URL names one (else SQLite): every submission the server acknowledged
is in the database, every stored one is judged (AC: it is the a+b solution), none is lost.

The full run (300 contestants, 5 minutes) is `python bench/contest_load.py`."""
from __future__ import annotations

import importlib.util
import os

import pytest

from bench.contest_load import problems, run
from bench._exam_stack import database
from tests.helpers import needs_sandbox

# Only looked up, never imported here: importing locust monkey-patches the test process with gevent.
pytestmark = [*needs_sandbox(), pytest.mark.db,
              pytest.mark.skipif(importlib.util.find_spec("locust") is None, reason="locust is not installed")]
USERS = 10


def test_no_submission_lost_and_every_one_judged(tmp_path):
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        os.environ.setdefault("LOAD_DATABASE_URL", os.environ["TEST_DATABASE_URL"])
        url, _label, cleanup = database("LOAD_DATABASE_URL", "load_contest", str(tmp_path), allow_sqlite=False)
    else:
        url, cleanup = f"sqlite:///{tmp_path}/load.sqlite3", (lambda: None)
    try:
        report = run(users=USERS, seconds=20, submit_every=6.0, judge_concurrency=2, drain_timeout=60.0,
                     url=url, redis=os.environ.get("TEST_REDIS_URL") or None, workdir=str(tmp_path))
    finally:
        cleanup()
    context = "\n".join([str({k: v for k, v in report.items() if not k.endswith(("_log", "_tail"))}),
                         report["locust_tail"][-1500:], report["server_log"][-1500:], report["worker_log"][-1500:]])
    assert report["locust_rc"] == 0, context
    assert report["acknowledged"] >= USERS, context          # every contestant submitted at least once
    assert report["lost"] == [] and report["stored"] >= report["acknowledged"], context
    assert report["judged"] == report["stored"] == report["accepted"], context
    assert problems(report) == [], context
