"""The in-process judge pool's jobs belong to the web process that queued them: gunicorn replacing one
killed worker must take up that worker's jobs, never judge its living siblings' a second time.
A process is named by host, pid and start time, so a dead one (or a zombie, or a reused pid) is
told apart from a living one."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
from concurrent.futures import Future
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.contest_helpers import cw, fresh_board_cache  # noqa: F401 (fixtures)

from contests import recovery

SRC = "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}\n"


@pytest.fixture
def sibling():
    """Another living process of this host (a gunicorn worker's sibling), killed at the end."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield proc
    proc.kill()
    proc.wait()


def _token(pid: int) -> str:
    from contests import owner
    return f"{socket.gethostname()}:{pid}:{owner._start_time(pid)}"


def _dead_token() -> str:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    token = _token(proc.pid)
    proc.wait()
    return token


def test_a_token_tells_a_living_process_from_a_dead_one(sibling):
    from contests import owner
    assert owner.state(owner.token()) == owner.ALIVE
    assert owner.state(_token(sibling.pid)) == owner.ALIVE
    assert owner.state(_dead_token()) == owner.DEAD
    host = socket.gethostname()
    assert owner.state(f"{host}:{sibling.pid}:1") == owner.DEAD          # the pid now names a later process
    assert owner.state(f"another-host:{sibling.pid}:1") == owner.UNKNOWN   # nothing here can tell
    assert owner.state("") == owner.UNKNOWN and owner.state("garbage") == owner.UNKNOWN
    token = _token(sibling.pid)
    sibling.send_signal(signal.SIGKILL)           # killed, not reaped yet: a zombie is dead too
    import time
    for _ in range(100):
        if owner._stat(sibling.pid) and owner._stat(sibling.pid)[0] == "Z":
            break
        time.sleep(0.01)
    assert owner.state(token) == owner.DEAD


def _pending(db, cw, owners):
    """Submissions left pending: {name: id}, each with its status and the process holding it."""
    from contests import judging
    from contests.models import Submission
    from tinhoc.access import load_actor
    out = {}
    for name, (status, holder) in owners.items():
        sub = judging.submit(load_actor(cw["bob"].id), cw["problem"].id, "cpp17", f"{SRC}// {name}\n")
        row = db.session.get(Submission, sub.id)
        row.status, row.judge_owner = status, holder
        out[name] = sub.id
    db.session.commit()
    return out


def test_a_start_up_takes_up_a_dead_process_s_jobs_not_a_living_sibling_s(db, cw, app, monkeypatch, frozen_clock,
                                                                         sibling):
    from contests import judging
    ids = _pending(db, cw, {
        "sibling's queue": ("queued", _token(sibling.pid)),
        "sibling judging": ("judging", _token(sibling.pid)),
        "sibling's error": ("error", _token(sibling.pid)),     # in no pool: its job failed
        "dead worker's": ("judging", _dead_token()),
        "no owner": ("queued", None),                          # sent before this version
        "other host": ("queued", "another-host:42:7"),         # cannot be asked: the claim window decides
    })
    sent = []
    monkeypatch.setattr(judging, "dispatch", lambda subs: sent.extend(s.id for s in subs) or len(subs))
    assert recovery.requeue_pending(app) == 4
    assert sorted(sent) == sorted(ids[n] for n in ("sibling's error", "dead worker's", "no owner", "other host"))
    # the sibling dies; a later start-up takes its jobs up
    sibling.kill()
    sibling.wait()
    frozen_clock.advance(timedelta(seconds=app.config["CONTEST_REQUEUE_CLAIM_SECONDS"] + 1))
    sent.clear()
    assert recovery.requeue_pending(app) == 6
    assert sorted(sent) == sorted(ids.values())


class FakePool:
    """The worker module's pool, holding the jobs it is given (nothing is judged)."""

    def __init__(self):
        self.jobs = []

    def submit(self, fn, app, job, progress):
        self.jobs.append(int(job.submission_id))
        return Future()


@pytest.fixture
def via_pool(app, monkeypatch):
    from tinhoc.judge import worker
    pool = FakePool()
    monkeypatch.setattr(worker, "pool", lambda: pool)
    app.config["CONTEST_JUDGE_VIA"] = "pool"
    yield pool
    app.config["CONTEST_JUDGE_VIA"] = "none"


def test_the_pool_records_this_process_before_queueing_and_a_poll_takes_up_a_dead_process_s_job(
        client, login, cw, db, via_pool, sibling):
    from contests import owner
    from contests.models import Submission
    login("bob")
    r = client.post(f"/contests/problems/{cw['problem'].id}/submit", data={"language": "cpp17", "source": SRC})
    assert r.status_code == 302
    mine = db.session.scalar(select(Submission))
    assert mine.judge_owner == owner.token() and via_pool.jobs == [mine.id]
    # a worker killed with jobs in its pool, a sibling alive with its own
    ids = _pending(db, cw, {"dead": ("judging", _dead_token()), "alive": ("queued", _token(sibling.pid))})
    via_pool.jobs.clear()
    for name in ("alive", "dead", "dead"):
        assert client.get(f"/contests/submissions/{ids[name]}/status").status_code == 200
    assert client.get(f"/contests/submissions/{mine.id}/status").get_json()["status"] == "queued"
    assert via_pool.jobs == [ids["dead"]]                  # once, into this process's pool
    db.session.expire_all()
    taken = db.session.get(Submission, ids["dead"])
    assert (taken.status, taken.judge_owner) == ("queued", owner.token())
    assert db.session.get(Submission, ids["alive"]).judge_owner == _token(sibling.pid)
