"""The locust profile (tests/load/locustfile_exam.py) runs headless for a few seconds against a real
gunicorn: candidates wait, the organiser opens the session, they start and save; no request fails
and the saves reach the database."""
from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench._exam_stack import (ROOT, Client, database, free_port, gunicorn_env, seed, start_gunicorn, stop,
                               wait_ready)

# Only looked up, never imported here: importing locust monkey-patches the whole test process with
# gevent (select, sockets, threads), which breaks every later test that uses them (the judge's).
pytestmark = pytest.mark.skipif(importlib.util.find_spec("locust") is None, reason="locust is not installed")
USERS = 8


def test_locust_profile_headless(tmp_path):
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        os.environ.setdefault("LOAD_DATABASE_URL", os.environ["TEST_DATABASE_URL"])
        url, _label, cleanup = database("LOAD_DATABASE_URL", "load_locust", str(tmp_path), allow_sqlite=False)
    else:
        url, cleanup = f"sqlite:///{tmp_path}/load.sqlite3", (lambda: None)
    seeded = seed(url, USERS, questions=10)
    port = free_port()
    server_log = open(tmp_path / "gunicorn.log", "w")
    server = start_gunicorn("tinhoc:create_app()", port, gunicorn_env(url, str(tmp_path)), log=server_log)
    try:
        wait_ready(port, "/login")
        env = dict(os.environ, EXAM_SESSION_ID=str(seeded.session_id), EXAM_USERS=",".join(seeded.usernames))
        locust = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "tests/load/locustfile_exam.py"), "--headless",
             "-u", str(USERS), "-r", str(USERS), "-t", "14s", "--host", f"http://127.0.0.1:{port}",
             "--csv", str(tmp_path / "run"), "--only-summary", "--stop-timeout", "2"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(5)   # every user logs in and waits (the password hash is slow on purpose)
        organiser = Client(port)
        organiser.login(seeded.organiser)
        organiser.page(f"/exams/sessions/{seeded.session_id}/proctor")
        assert organiser.form(f"/exams/sessions/{seeded.session_id}/open")[0] == 302
        output, _ = locust.communicate(timeout=120)
        rows = {row["Name"]: row for row in csv.DictReader(open(tmp_path / "run_stats.csv"))}
        server_errors = (tmp_path / "gunicorn.log").read_text()[-4000:]
        assert locust.returncode == 0, output[-3000:] + server_errors
        assert int(rows["Aggregated"]["Failure Count"]) == 0, output[-3000:] + server_errors
        saves = int(rows["save"]["Request Count"])
        assert saves >= USERS and int(rows["start"]["Request Count"]) >= USERS, output[-3000:]
        engine = create_engine(url)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM attempt_item WHERE saved_seq > 0")).scalar()
        engine.dispose()
    finally:
        stop(server)
        server_log.close()
        cleanup()
    assert stored >= min(saves, USERS)   # each user's saves cycle over its items: at least one row each
