"""Taking up judge jobs that may be lost: at start-up (`requeue_pending`, every web process) and when
a page polls a submission (`revive_if_lost`). The in-process pool loses its queue with its process;
through Celery the broker keeps the jobs, but a restarted Redis without persistence loses them, and
Celery's PENDING cannot tell "still queued" from "lost". Rows are always claimed by a compare-and-set
on `requeued_at` first, so that several processes, or several polls, send a job once.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, true, update

from tinhoc import clock
from tinhoc.extensions import db
from tinhoc.judge.job import JudgeResult

from . import judging, owner
from .models import Submission

log = logging.getLogger(__name__)


def requeue_pending(app) -> int:
    """Queue again every submission still without a result (called at start-up), once per start-up.
    Returns how many were taken up (sent, followed or stored).

    Every web process calls this as it starts (gunicorn's workers each build the app), so each row
    is claimed with a compare-and-set UPDATE on `requeued_at`: the first process to start claims the
    pending rows and sends their jobs; a process starting within CONTEST_REQUEUE_CLAIM_SECONDS finds
    them claimed and sends nothing (on PostgreSQL a second UPDATE waits for the first to commit, then
    re-reads the row and no longer matches). A later start-up (after a crash) claims them again.
    A row a living process of this host holds in its in-process pool (`judge_owner`, contests/owner.py)
    is never claimed: when gunicorn replaces one killed worker, the new one takes up the dead
    worker's jobs, not its siblings' (which used to be judged twice).

    Through Celery the jobs outlive the web process (the broker keeps them): a submission whose task
    is known is not sent again but followed (`_take_up_task`)."""
    with app.app_context():
        now = clock.now()
        window = timedelta(seconds=float(app.config.get("CONTEST_REQUEUE_CLAIM_SECONDS", 60)))
        claimed = list(db.session.scalars(
            update(Submission)
            .where(Submission.status.in_((*judging.PENDING, "error")),
                   or_(Submission.requeued_at.is_(None), Submission.requeued_at < now - window),
                   _not_held_by_the_living())
            .values(status="queued", progress="", live_tests=None, requeued_at=now)
            .returning(Submission.id)))
        db.session.commit()
        subs = list(db.session.scalars(select(Submission).where(Submission.id.in_(claimed))
                                       .order_by(Submission.id))) if claimed else []
        taken = 0
        if subs and judging.judge_via(app) == "celery":
            resend_after = timedelta(seconds=float(app.config.get("CONTEST_JUDGE_RESEND_SECONDS", 900)))
            kept = [sub for sub in subs if _take_up_task(app, sub, now - resend_after)]
            taken = len(kept)
            subs = [sub for sub in subs if sub not in kept]
        n = taken + judging.dispatch(subs)
        db.session.remove()
        return n


def _not_held_by_the_living():
    """SQL: a pending row that no living process of this host holds in its pool (an `error` row is in
    no pool; a process of another host cannot be asked, so its rows fall to the claim window)."""
    owners = db.session.scalars(select(Submission.judge_owner).distinct()
                                .where(Submission.status.in_(judging.PENDING), Submission.judge_owner.is_not(None)))
    living = [o for o in owners if owner.state(o) == owner.ALIVE]
    if not living:
        return true()
    return or_(Submission.status == "error", Submission.judge_owner.is_(None), Submission.judge_owner.not_in(living))


STORED, RUNNING, QUEUED, LOST, UNREADABLE = "stored", "running", "queued", "lost", "unreadable"


def _task_fate(sub: Submission, resend_before) -> str:
    """What became of a pending submission's Celery task, as the result backend tells: STORED (its
    result, now stored here), RUNNING, QUEUED (PENDING, sent after `resend_before`), LOST (FAILURE,
    or PENDING since before `resend_before`: also what a task the broker lost reads as) or
    UNREADABLE (the backend does not answer)."""
    from tinhoc.judge import worker
    try:
        state, data = worker.task_state(sub.judge_task_id)
    except Exception:  # noqa: BLE001 - the result backend is down: the caller decides
        log.warning("could not read the state of task %s (submission %s)", sub.judge_task_id, sub.id, exc_info=True)
        return UNREADABLE
    if state == "SUCCESS" and data is not None:
        judging.store_result(sub.id, JudgeResult.from_dict(data))
        return STORED
    if state in ("STARTED", "RETRY", worker.PROGRESS_STATE):
        return RUNNING
    if state == "PENDING" and clock.as_utc(sub.judge_sent_at) >= resend_before:
        return QUEUED
    return LOST


def _take_up_task(app, sub: Submission, resend_before) -> bool:
    """At start-up: whether a pending submission's Celery task is taken up without sending the job
    again (its result stored, or the task running or still queued followed). A lost task, or one the
    backend cannot tell of, is not: its job is sent again under a new id."""
    if not sub.judge_task_id or sub.judge_sent_at is None:
        return False
    fate = _task_fate(sub, resend_before)
    if fate in (RUNNING, QUEUED):
        judging.follow_task(app, sub, sub.judge_task_id)
    return fate in (STORED, RUNNING, QUEUED)


def revive_if_lost(sub: Submission) -> Submission:
    """A submission whose job looks lost, taken up again when its page (or the API) polls it, so that
    it does not wait for the next start-up: one that failed to reach the judge (`error`: the broker
    was down for a moment, or the judge raised) once CONTEST_JUDGE_RETRY_SECONDS have passed since;
    through the pool, one held by a process of this host that died (`owner`: gunicorn replaced a
    killed worker, whose start-up may have come while the dead one still looked alive); through
    Celery, one whose task is still PENDING (the broker lost it: Redis restarted without
    persistence) or FAILED CONTEST_JUDGE_RESEND_SECONDS after it was sent. A task running, or queued
    less long, is left to the thread that follows it. Costs no query unless one of these is due.

    The row is claimed first by a compare-and-set on `requeued_at` (as the start-up claims), so
    pages polling at the same moment, in any web process, send it once."""
    app = current_app._get_current_object()
    via = judging.judge_via(app)
    if via == "none" or sub.status not in (*judging.PENDING, "error"):
        return sub
    now = clock.now()
    retry = timedelta(seconds=float(app.config.get("CONTEST_JUDGE_RETRY_SECONDS", 30)))
    resend = timedelta(seconds=float(app.config.get("CONTEST_JUDGE_RESEND_SECONDS", 900)))
    last = clock.as_utc(sub.judge_sent_at or sub.created_at)
    if sub.status == "error":
        if last > now - retry:
            return sub
    elif via == "pool":
        if not sub.judge_owner or sub.judge_owner == owner.token() or owner.state(sub.judge_owner) != owner.DEAD:
            return sub
    elif not (via == "celery" and sub.judge_task_id and sub.judge_sent_at is not None and last <= now - resend):
        return sub
    window = resend if via == "celery" and sub.status != "error" else retry
    claimed = db.session.execute(
        update(Submission)
        .where(Submission.id == sub.id, Submission.status == sub.status,
               or_(Submission.requeued_at.is_(None), Submission.requeued_at < now - window))
        .values(requeued_at=now)).rowcount
    db.session.commit()
    if claimed != 1:
        return sub
    if sub.status != "error" and via == "celery":
        fate = _task_fate(sub, now - resend)
        if fate == STORED:
            return db.session.get(Submission, sub.id, populate_existing=True)
        if fate != LOST:      # running (its follower stores it), or the backend is down: a later poll looks
            return sub
    log.warning("submission %s (%s) looks lost: sent to the judge again", sub.id, sub.status)
    db.session.execute(update(Submission).where(Submission.id == sub.id)
                       .values(status="queued", progress="", live_tests=None))
    db.session.commit()
    judging.dispatch([db.session.get(Submission, sub.id, populate_existing=True)])
    return db.session.get(Submission, sub.id, populate_existing=True)


__all__ = ["requeue_pending", "revive_if_lost"]
