"""Fault test: a real gunicorn serves the app; a candidate saves answers (retrying on a dropped
connection as the browser's queue does); the worker is killed with SIGKILL mid-exam and gunicorn
starts a new one. Afterwards every acknowledged answer is in the database (counted) and the attempt
resumes with its deadline unchanged.

On PostgreSQL when TEST_DATABASE_URL names one (in its own schema, so the suite's tables are left
alone), else on a SQLite file.
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench._exam_stack import (Client, attempt_items, database, free_port, gunicorn_env, seed, start_gunicorn,
                               stop, wait_ready)

SAVES = 80


def _workers(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return {int(p) for p in children.read_text().split()} if children.exists() else set()


def _save(client: Client, attempt_id: int, seq: int, item: int) -> dict:
    """Send one save until the server acknowledges it (a 200), reconnecting on errors."""
    for _try in range(200):
        try:
            status, body = client.json(f"/exams/attempts/{attempt_id}/answers",
                                       {"seq": seq, "answers": [{"item": item, "response": seq % 2}]})
        except OSError:
            time.sleep(0.1)
            continue
        if status == 200:
            return body
        time.sleep(0.1)   # 502/503 while the worker restarts
    raise AssertionError(f"save {seq} never acknowledged")


@pytest.fixture
def stack(tmp_path):
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        os.environ.setdefault("FAULT_DATABASE_URL", os.environ["TEST_DATABASE_URL"])
        url, _label, cleanup = database("FAULT_DATABASE_URL", "fault_sigkill", str(tmp_path), allow_sqlite=False)
    else:
        url, cleanup = f"sqlite:///{tmp_path}/fault.sqlite3", (lambda: None)
    seeded = seed(url, 1, questions=20)
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "wb")
    process = start_gunicorn("tinhoc:create_app()", port, gunicorn_env(url, str(tmp_path)), workers=1, threads=2,
                             log=log)
    try:
        wait_ready(port, "/login")
        yield url, seeded, port, process
    finally:
        stop(process)
        log.close()
        cleanup()


def test_sigkill_of_the_worker_loses_no_acknowledged_answer(stack):
    url, seeded, port, process = stack
    organiser = Client(port)
    organiser.login(seeded.organiser)
    organiser.page(f"/exams/sessions/{seeded.session_id}/proctor")
    assert organiser.form(f"/exams/sessions/{seeded.session_id}/open")[0] == 302

    candidate = Client(port)
    candidate.login(seeded.usernames[0])
    candidate.page(f"/exams/sessions/{seeded.session_id}/wait")
    status, location, _ = candidate.form(f"/exams/sessions/{seeded.session_id}/start")
    assert status == 302 and "/exams/attempts/" in location
    attempt_id = int(location.rsplit("/", 1)[1])
    items = attempt_items(candidate.page(f"/exams/attempts/{attempt_id}"))
    assert len(items) == 20
    deadline_before = candidate.request("GET", f"/exams/attempts/{attempt_id}/clock")[2]

    acked: dict[int, int] = {}
    done = threading.Event()
    errors: list[BaseException] = []

    def saver():
        try:
            for seq in range(1, SAVES + 1):
                item = items[seq % len(items)]
                _save(candidate, attempt_id, seq, item)
                acked[item] = seq
                time.sleep(0.01)
        except BaseException as exc:   # noqa: BLE001  (reported by the main thread)
            errors.append(exc)
        finally:
            done.set()

    before = _workers(process.pid)
    assert len(before) == 1
    thread = threading.Thread(target=saver)
    thread.start()
    while len(acked) < 10 and not done.is_set():
        time.sleep(0.01)
    for pid in before:
        os.kill(pid, signal.SIGKILL)        # mid-exam, possibly mid-request
    killed_at = len(acked)
    thread.join(timeout=120)
    assert not errors, errors
    assert done.is_set() and killed_at < SAVES
    after = _workers(process.pid)
    assert after and not after & before, (before, after)   # gunicorn started a new worker

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = {r[0]: (r[1], r[2], r[3]) for r in conn.execute(text(
            "SELECT id, saved_seq, response, option_order FROM attempt_item WHERE attempt_id = :a AND saved_seq > 0"),
            {"a": attempt_id})}
        state = conn.execute(text("SELECT state, last_seq FROM exam_attempt WHERE id = :a"), {"a": attempt_id}).one()
    engine.dispose()
    assert len(rows) == len(acked) == 20   # every answered item is there, counted
    for item, seq in acked.items():
        stored_seq, response, order = rows[item]
        assert stored_seq == seq, (item, stored_seq, seq)
        order = json.loads(order) if isinstance(order, str) else order
        shown = seq % 2     # the candidate ticked the option shown at this position: stored unshuffled
        assert json.loads(response) if isinstance(response, str) else response == (order[shown] if order else shown)
    assert state == ("open", SAVES)

    # the attempt resumes: same attempt from the waiting room, the page with every item, time unchanged
    candidate.page(f"/exams/sessions/{seeded.session_id}/wait")
    status, location, _ = candidate.form(f"/exams/sessions/{seeded.session_id}/start")
    assert location.endswith(f"/exams/attempts/{attempt_id}")
    assert attempt_items(candidate.page(f"/exams/attempts/{attempt_id}")) == items
    clock_before, clock_after = json.loads(deadline_before), json.loads(
        candidate.request("GET", f"/exams/attempts/{attempt_id}/clock")[2])
    assert clock_after["state"] == "open" and clock_after["last_seq"] == SAVES
    assert 0 < clock_before["remaining"] - clock_after["remaining"] < 120
