"""Through Celery the jobs outlive a web restart (the broker keeps them): a submission is sent under a
task id recorded first, and a start-up reads each pending submission's task instead of sending the
job again: a stored result is stored, a running or recently queued task is followed, and only a task
Celery reports failed, or still PENDING long after it was sent (lost: Celery cannot tell), is sent
again."""
from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.celery_helpers import redis_env, start_worker, stop_worker  # noqa: F401 (fixture)
from tests.contest_helpers import cw, fresh_board_cache, judge_result  # noqa: F401 (fixtures)
from tests.helpers import sandbox_missing

from contests import recovery

SRC = "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}\n"


@pytest.fixture
def via_celery(app):
    app.config["CONTEST_JUDGE_VIA"] = "celery"
    yield
    app.config["CONTEST_JUDGE_VIA"] = "none"


class FakeCelery:
    """send_celery / follow / task_state as the judging module calls them, recorded."""

    def __init__(self, monkeypatch, states=None, on_send=None):
        from tinhoc.judge import worker
        self.sent, self.followed, self.states, self.on_send = [], {}, states or {}, on_send
        monkeypatch.setattr(worker, "send_celery", self.send)
        monkeypatch.setattr(worker, "follow", self.follow)
        monkeypatch.setattr(worker, "task_state", self.task_state)

    def send(self, job, task_id=None):
        if self.on_send:
            self.on_send(job, task_id)
        self.sent.append((int(job.submission_id), task_id))

    def follow(self, task_id, progress=None):
        self.followed[task_id] = Future()
        return self.followed[task_id]

    def task_state(self, task_id):
        state = self.states.get(task_id, ("PENDING", None))
        if isinstance(state, Exception):
            raise state
        return state


def _row(db, sub_id):
    from contests.models import Submission
    db.session.expire_all()
    return db.session.get(Submission, sub_id)


def test_a_submission_is_sent_under_a_task_id_committed_first(client, login, cw, db, app, via_celery, monkeypatch,
                                                              frozen_clock):
    from contests.models import Submission

    def on_send(job, task_id):
        db.session.rollback()        # whatever was not committed when the job left is gone
        assert db.session.scalar(select(Submission.judge_task_id)
                                 .where(Submission.id == int(job.submission_id))) == task_id
    celery = FakeCelery(monkeypatch, on_send=on_send)
    login("alice")
    r = client.post(f"/contests/problems/{cw['problem'].id}/submit", data={"language": "cpp17", "source": SRC},
                    follow_redirects=True)
    assert r.status_code == 200 and "Đã nhận bài nộp" in r.get_data(as_text=True)
    [(sub_id, task_id)] = celery.sent
    row = _row(db, sub_id)
    assert row.judge_task_id == task_id and len(task_id) == 32
    assert row.judge_sent_at is not None and row.judge_sent_at == frozen_clock.now()
    assert list(celery.followed) == [task_id]
    celery.followed[task_id].set_result(judge_result("AC"))     # the waiting thread hears the result
    row = _row(db, sub_id)
    assert (row.status, row.verdict) == ("done", "AC")
    assert client.get(f"/contests/submissions/{sub_id}/status").get_json()["verdict"] == "AC"


def test_a_broker_that_does_not_answer_leaves_the_submission_to_be_sent_again(client, login, cw, db, app,
                                                                              via_celery, monkeypatch):
    """The row is kept (the contestant is told it was received, and that it will be judged), its
    task id is cleared (no start-up waits on a task never sent), and the next start-up sends it."""
    def broker_down(job, task_id):
        raise ConnectionError("redis:6379 refused")
    celery = FakeCelery(monkeypatch, on_send=broker_down)
    login("alice")
    r = client.post(f"/contests/problems/{cw['problem'].id}/submit", data={"language": "cpp17", "source": SRC},
                    follow_redirects=True)
    assert r.status_code == 200 and "Đã nhận bài nộp" in r.get_data(as_text=True)
    from contests.models import Submission
    [row] = db.session.scalars(select(Submission)).all()
    row = _row(db, row.id)
    assert (row.status, row.judge_task_id) == ("error", None) and not celery.sent and not celery.followed
    st = client.get(f"/contests/submissions/{row.id}/status").get_json()
    assert "chấm lại" in st["progress"]["text"] and "redis" not in str(st)
    celery.on_send = None
    assert recovery.requeue_pending(app) == 1
    assert [sub_id for sub_id, _t in celery.sent] == [row.id] and _row(db, row.id).status == "queued"


def _pending(db, cw, how):
    """Submissions left pending by a web process that died: {name: (id, task id or None)}."""
    from contests import judging
    from contests.models import Submission
    from tinhoc import clock
    from tinhoc.access import load_actor
    out = {}
    for name, (status, task_id, sent_ago) in how.items():
        sub = judging.submit(load_actor(cw["bob"].id), cw["problem"].id, "cpp17", f"{SRC}// {name}\n")
        row = db.session.get(Submission, sub.id)
        row.status, row.judge_task_id = status, task_id
        row.judge_sent_at = clock.now() - timedelta(seconds=sent_ago) if task_id else None
        out[name] = (sub.id, task_id)
    db.session.commit()
    return out


def test_a_start_up_follows_known_tasks_and_sends_again_only_the_lost(cw, db, app, via_celery, monkeypatch):
    resend = app.config["CONTEST_JUDGE_RESEND_SECONDS"]
    subs = _pending(db, cw, {
        "finished": ("judging", "t-finished", 120),          # judged while no web process waited
        "running": ("judging", "t-running", 2 * resend),     # a worker is on it (however long ago sent)
        "started": ("queued", "t-started", 30),
        "queued": ("queued", "t-queued", resend - 60),       # still in the broker's queue
        "lost": ("queued", "t-lost", resend + 60),           # PENDING this long: the broker lost it
        "failed": ("error", "t-failed", 30),
        "no task": ("queued", None, 0),                      # sent by the pool, or before this version
    })
    celery = FakeCelery(monkeypatch, states={
        "t-finished": ("SUCCESS", judge_result("WA", 0.0).to_dict()), "t-running": ("PROGRESS", None),
        "t-started": ("STARTED", None), "t-queued": ("PENDING", None), "t-lost": ("PENDING", None),
        "t-failed": ("FAILURE", None)})
    assert recovery.requeue_pending(app) == 7
    row = _row(db, subs["finished"][0])
    assert (row.status, row.verdict, row.score) == ("done", "WA", 0.0)        # stored, not judged again
    resent = dict(celery.sent)
    assert sorted(celery.followed) == sorted(["t-queued", "t-running", "t-started", *resent.values()])
    assert sorted(resent) == sorted(subs[n][0] for n in ("lost", "failed", "no task"))
    for name in ("lost", "failed", "no task"):
        sub_id, old = subs[name]
        new = resent[sub_id]
        assert new != old and _row(db, sub_id).judge_task_id == new             # a new id, recorded first
        assert new in celery.followed
    # the followed tasks' results are stored as they arrive
    celery.followed["t-running"].set_result(judge_result("AC"))
    row = _row(db, subs["running"][0])
    assert (row.status, row.verdict) == ("done", "AC")
    assert recovery.requeue_pending(app) == 0            # another process of the same start-up: claimed


def test_a_result_backend_that_does_not_answer_means_sending_again(cw, db, app, via_celery, monkeypatch, caplog):
    import logging
    # alembic's fileConfig (test_core_migrations, earlier in the same process) disables existing loggers
    monkeypatch.setattr(logging.getLogger("contests.recovery"), "disabled", False)
    subs = _pending(db, cw, {"queued": ("queued", "t-queued", 30)})
    celery = FakeCelery(monkeypatch, states={"t-queued": ConnectionError("redis:6379 refused")})
    assert recovery.requeue_pending(app) == 1
    [(sub_id, task_id)] = celery.sent
    assert sub_id == subs["queued"][0] and task_id != "t-queued"
    assert "could not read the state of task t-queued" in caplog.text


def test_a_broker_blip_is_retried_by_the_page_that_polls_not_by_a_restart(client, login, cw, db, app, via_celery,
                                                                          monkeypatch, frozen_clock):
    """Redis down for a moment during the contest: the submission is in `error`; the contestant's
    page, polling, sends it again CONTEST_JUDGE_RETRY_SECONDS later, once however many polls."""
    down = [True]

    def broker(job, task_id):
        if down[0]:
            raise ConnectionError("redis:6379 refused")
    celery = FakeCelery(monkeypatch, on_send=broker)
    login("alice")
    client.post(f"/contests/problems/{cw['problem'].id}/submit", data={"language": "cpp17", "source": SRC})
    from contests.models import Submission
    sub_id = db.session.scalar(select(Submission.id))
    status = f"/contests/submissions/{sub_id}/status"
    assert client.get(status).get_json()["status"] == "error" and not celery.sent     # too soon
    down[0] = False
    frozen_clock.advance(timedelta(seconds=app.config["CONTEST_JUDGE_RETRY_SECONDS"] + 1))
    st = client.get(status).get_json()
    assert st["status"] == "queued" and st["progress"]["text"] == "Đang chờ chấm…"
    [(sent_id, task_id)] = celery.sent
    assert sent_id == sub_id and _row(db, sub_id).judge_task_id == task_id and task_id in celery.followed
    for _ in range(3):                                    # polls go on: nothing is sent again
        assert client.get(status).get_json()["status"] == "queued"
    assert client.get(f"/contests/submissions/{sub_id}").status_code == 200
    assert len(celery.sent) == 1
    celery.followed[task_id].set_result(judge_result("AC"))
    assert client.get(status).get_json()["verdict"] == "AC"


def test_a_task_the_broker_lost_is_sent_again_when_its_page_polls(client, login, cw, db, app, via_celery,
                                                                  monkeypatch, frozen_clock):
    """Redis restarted without persistence mid-contest: a task still PENDING CONTEST_JUDGE_RESEND_SECONDS
    after it was sent is sent again by the next poll (page or API), once. A running task is left to
    its follower; a result the backend holds is stored; one queued less long is left alone."""
    resend = app.config["CONTEST_JUDGE_RESEND_SECONDS"]
    celery = FakeCelery(monkeypatch, states={
        "t-finished": ("SUCCESS", judge_result("WA", 0.0).to_dict()), "t-running": ("PROGRESS", None),
        "t-queued": ("PENDING", None), "t-lost": ("PENDING", None)})
    subs = _pending(db, cw, {
        "finished": ("judging", "t-finished", resend + 60),
        "running": ("judging", "t-running", resend + 60),
        "queued": ("queued", "t-queued", resend - 60),
        "lost": ("queued", "t-lost", resend + 60),
    })
    celery.sent.clear()
    celery.followed.clear()
    login("bob")
    for name in ("running", "queued", "lost", "finished"):
        for _ in range(2):
            assert client.get(f"/contests/submissions/{subs[name][0]}/status").status_code == 200
    [(sent_id, task_id)] = celery.sent
    assert sent_id == subs["lost"][0] and task_id != "t-lost" and _row(db, sent_id).judge_task_id == task_id
    assert list(celery.followed) == [task_id]            # the running task keeps its own follower
    assert (_row(db, subs["finished"][0]).status, _row(db, subs["finished"][0]).verdict) == ("done", "WA")
    assert _row(db, subs["running"][0]).status == "judging" and _row(db, subs["queued"][0]).status == "queued"
    r = client.get(f"/api/submissions/{subs['lost'][0]}")      # the API polls the same way
    assert r.status_code == 200 and len(celery.sent) == 1


def test_a_poll_does_not_resend_while_the_result_backend_does_not_answer(client, login, cw, db, app, via_celery,
                                                                         monkeypatch, frozen_clock):
    """Redis down altogether: the task cannot be read, so the poll leaves the submission as it is (a
    later poll looks again), rather than send a job the broker cannot take either."""
    resend = app.config["CONTEST_JUDGE_RESEND_SECONDS"]
    celery = FakeCelery(monkeypatch, states={"t-old": ConnectionError("redis:6379 refused")})
    subs = _pending(db, cw, {"old": ("queued", "t-old", resend + 60)})
    celery.sent.clear()
    celery.followed.clear()
    login("bob")
    assert client.get(f"/contests/submissions/{subs['old'][0]}/status").get_json()["status"] == "queued"
    assert celery.sent == [] and celery.followed == {} and _row(db, subs["old"][0]).judge_task_id == "t-old"
    celery.states["t-old"] = ("PENDING", None)           # it answers again; the claim window has passed
    frozen_clock.advance(timedelta(seconds=resend + 1))
    client.get(f"/contests/submissions/{subs['old'][0]}/status")
    assert [sub_id for sub_id, _t in celery.sent] == [subs["old"][0]]


# Not marked `sandbox`: it may skip for want of Redis, which TINHOC_REQUIRE_SANDBOX must not forbid.
@pytest.mark.skipif(sandbox_missing() is not None, reason=sandbox_missing() or "")
def test_a_restarted_web_process_neither_loses_nor_resends_a_job(cw, db, app, via_celery, redis_env, monkeypatch):
    """A real worker on Redis. One submission is judged while no web process waits for it, another is
    still in the queue when the web process starts again: the first's result is read from the result
    backend, the second is followed and judged once; the worker received each job exactly once."""
    from contests import judging
    from tinhoc.access import load_actor
    from tinhoc.judge import worker
    # the tests' in-memory SQLite is one connection for every thread: the waiting thread's store and
    # this thread's reads take turns (progress writes, not under test here, are left out)
    lock = threading.RLock()
    done = judging._on_done

    def locked_done(*args):
        with lock:
            return done(*args)
    monkeypatch.setattr(judging, "_on_done", locked_done)
    monkeypatch.setattr(judging, "progress_writer", lambda *args: (lambda event: None))

    def submit_then_die(tag):
        """Submit as the dying process did: its waiting thread never reads the result."""
        with monkeypatch.context() as m:
            m.setattr(worker, "follow", lambda task_id, progress=None: Future())
            return judging.submit(load_actor(cw["bob"].id), cw["problem"].id, "cpp17", f"{SRC}// {tag}\n").id

    proc = start_worker(redis_env)
    logs = []
    try:
        judged_unread = submit_then_die("judged while nobody waited")
        task = _row(db, judged_unread).judge_task_id
        deadline = time.time() + 120
        while worker.task_state(task)[0] != "SUCCESS" and time.time() < deadline:
            time.sleep(0.2)
        assert worker.task_state(task)[0] == "SUCCESS"
    finally:
        logs.append(stop_worker(proc))
    still_queued = submit_then_die("queued when the site restarted")
    queued_task = _row(db, still_queued).judge_task_id
    assert worker.task_state(queued_task)[0] == "PENDING"

    with lock:
        assert recovery.requeue_pending(app) == 2         # the restart
    row = _row(db, judged_unread)
    assert (row.status, row.verdict) == ("done", "AC")    # read from the result backend, not judged again
    assert _row(db, still_queued).judge_task_id == queued_task
    proc = start_worker(redis_env)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            with lock:
                if _row(db, still_queued).status == "done":
                    break
            time.sleep(0.2)
    finally:
        logs.append(stop_worker(proc))
    with lock:
        row = _row(db, still_queued)
        assert (row.status, row.verdict) == ("done", "AC"), "\n".join(logs)[-3000:]
    log = "\n".join(logs)
    for t in (task, queued_task):
        assert log.count(f"Task tinhoc.judge.judge[{t}] received") == 1, log[-3000:]
