"""Rejudge a submission, a problem or a round: judge again, show what would change, then apply
exactly the previewed results (the problem's stored limits are in every job, so the same inputs
give the same results). The preview is judged off the request (background.py): its page follows
the count judged and shows the changes when all are in."""
from __future__ import annotations

import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select, update

from tinhoc import clock
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.judge.job import JudgeResult

from . import background, judging, services
from .models import Problem, RejudgePlan, Submission

log = logging.getLogger(__name__)

MAX_REJUDGE = 500
JUDGE_TIMEOUT = 3600          # seconds for a whole preview's judging
JUDGING, READY, FAILED = "judging", "ready", "failed"
PLAN_TTL = timedelta(hours=2)
KINDS = ("submission", "problem", "round")


class PlanExpired(services.ContestError):
    pass


@dataclass(frozen=True)
class Target:
    kind: str
    id: int

    @classmethod
    def from_args(cls, args) -> "Target | None":
        kind = args.get("kind", "")
        try:
            ident = int(args.get("id", ""))
        except ValueError:
            return None
        return cls(kind, ident) if kind in KINDS and 0 < ident < 2**31 else None

    def args(self) -> dict:
        return {"kind": self.kind, "id": self.id}

    def back_url(self) -> str:
        if self.kind == "submission":
            return url_for("contests.show_submission", submission_id=self.id)
        if self.kind == "problem":
            return url_for("contests.show_problem", problem_id=self.id)
        return url_for("contests.show_round", round_id=self.id)


@dataclass
class Change:
    submission: Submission
    old_verdict: str | None
    old_score: float | None
    new_verdict: str
    new_score: float

    @property
    def changed(self) -> bool:
        return self.old_verdict != self.new_verdict or abs((self.old_score or 0) - self.new_score) > 1e-9


@dataclass
class Plan:
    token: str
    changes: list[Change]

    @property
    def changed(self) -> list[Change]:
        return [c for c in self.changes if c.changed]


def _submissions(actor: Actor, target: Target) -> list[Submission]:
    """The target's submissions, reached only through the manager's access functions."""
    _check_target(actor, target)
    if target.kind == "submission":
        stmt = select(Submission).where(Submission.id == target.id)
    elif target.kind == "problem":
        stmt = select(Submission).where(Submission.problem_id == target.id)
    else:
        stmt = select(Submission).join(Problem, Problem.id == Submission.problem_id).where(Problem.round_id == target.id)
    subs = list(db.session.scalars(stmt.order_by(Submission.id).limit(MAX_REJUDGE + 1)))
    if len(subs) > MAX_REJUDGE:
        raise services.ContestError(_("Hơn %(n)s bài nộp: hãy chấm lại từng bài.", n=MAX_REJUDGE))
    return subs


def count(actor: Actor, target: Target) -> int:
    """How many submissions a rejudge of the target judges again (ContestError past MAX_REJUDGE)."""
    return len(_submissions(actor, target))


def start(actor: Actor, target: Target) -> RejudgePlan:
    """Record the preview ("judging") and send it to be judged off the request: five hundred
    submissions judged again take longer than a request may live."""
    subs = _submissions(actor, target)
    if not subs:
        raise services.ContestError(_("Chưa có bài nộp nào để chấm lại."))
    plan = RejudgePlan(token=secrets.token_hex(16), created_by=actor.user_id, target=target.args(), results={},
                       state=JUDGING, submission_ids=[s.id for s in subs], total=len(subs), done=0,
                       started_at=clock.now())
    db.session.add(plan)
    db.session.commit()
    background.run(current_app._get_current_object(), KIND, plan.id)
    return plan


def judge_plan(plan_id: int) -> str:
    """Judge the plan's submissions again (nothing stored on them) and keep the results with the plan.
    Runs off the request; safe to run twice (the plan is settled by a guarded UPDATE)."""
    plan = db.session.get(RejudgePlan, plan_id)
    if plan is None or plan.state != JUDGING:
        return plan.state if plan else ""
    subs = list(db.session.scalars(select(Submission).where(Submission.id.in_(plan.submission_ids or []))
                                   .order_by(Submission.id)))
    jobs = [(s.id, judging.job_for(s)) for s in subs]
    db.session.rollback()          # no transaction held open while the judge works
    try:
        results = _judge_all(plan_id, jobs)
    except Exception as exc:  # noqa: BLE001 - the organiser gets an answer, the log the details
        log.exception("rejudge preview %s failed", plan_id)
        db.session.rollback()
        _settle(plan_id, FAILED, message=str(exc)[:500] or type(exc).__name__)
        return FAILED
    return READY if _settle(plan_id, READY, results={str(k): v for k, v in results.items()}, done=len(results)) else \
        db.session.get(RejudgePlan, plan_id).state


def _windowed(jobs: list, send, collect, window: int):
    """(submission id, result) in order, with at most `window` jobs sent and not yet collected: the
    contestants' submissions share the judge's queue and never wait behind a whole round's rejudge."""
    in_flight: deque = deque()
    for sub_id, job in jobs:
        in_flight.append((sub_id, send(job)))
        if len(in_flight) >= window:
            sub_id, handle = in_flight.popleft()
            yield sub_id, collect(handle)
    while in_flight:
        sub_id, handle = in_flight.popleft()
        yield sub_id, collect(handle)


def _judge_all(plan_id: int, jobs: list) -> dict[int, dict]:
    """Each job judged, through the site's judge (pool or Celery; directly where it judges nothing
    itself), a few at a time (CONTEST_REJUDGE_WINDOW), with the plan's `done` count kept up at most
    once a second."""
    via = judging.judge_via(current_app)
    window = max(1, int(current_app.config.get("CONTEST_REJUDGE_WINDOW", 2)))
    results: dict[int, dict] = {}
    last = 0.0
    if via == "none":
        from tinhoc.judge import judge
        pairs = ((sub_id, judge(job)) for sub_id, job in jobs)
    elif via == "celery":        # collected in the order sent: no waiting thread per job
        from tinhoc.judge import worker
        pairs = _windowed(jobs, worker.send_celery,
                          lambda sent: JudgeResult.from_dict(sent.get(timeout=JUDGE_TIMEOUT)), window)
    else:
        from tinhoc.judge import worker
        pairs = _windowed(jobs, lambda job: worker.submit(job, via=via),
                          lambda future: future.result(timeout=JUDGE_TIMEOUT), window)
    for sub_id, result in pairs:
        results[sub_id] = result.to_dict()
        if time.monotonic() - last >= 1.0:
            last = time.monotonic()
            db.session.execute(update(RejudgePlan).where(RejudgePlan.id == plan_id, RejudgePlan.state == JUDGING)
                               .values(done=len(results)))
            db.session.commit()
    return results


def _settle(plan_id: int, state: str, **values) -> bool:
    done = db.session.execute(update(RejudgePlan).where(RejudgePlan.id == plan_id, RejudgePlan.state == JUDGING)
                              .values(state=state, **values))
    db.session.commit()
    return done.rowcount == 1


def _check_target(actor: Actor, target: Target) -> None:
    """404 unless the actor manages what the target names (without loading its submissions)."""
    if target.kind == "submission":
        _sub, manager = services.submission_for(actor, target.id)
        if not manager:
            raise services.NotFound(target.id)
    elif target.kind == "problem":
        services.managed_problem_for(actor, target.id)
    else:
        services.managed_round_for(actor, target.id)


def plan_for(actor: Actor, plan_id: int) -> tuple[RejudgePlan, Target]:
    """A preview, for whoever manages its target (404 otherwise)."""
    plan = db.session.get(RejudgePlan, plan_id)
    target = Target.from_args(plan.target) if plan is not None else None
    if target is None:
        raise services.NotFound(plan_id)
    _check_target(actor, target)
    if plan.state == JUDGING and background.revive(current_app._get_current_object(), KIND, plan.id):
        db.session.refresh(plan)      # its process died: taken up again as its page looks at it
    return plan, target


def changes(plan: RejudgePlan) -> Plan:
    """What a ready preview would change: each submission's stored result against the new one."""
    ids = [int(k) for k in (plan.results or {})]
    subs = list(db.session.scalars(select(Submission).where(Submission.id.in_(ids)).order_by(Submission.id))) \
        if ids else []
    return Plan(plan.token, [Change(s, s.verdict, s.score, plan.results[str(s.id)]["verdict"],
                                    plan.results[str(s.id)]["score"]) for s in subs])


def status_json(plan: RejudgePlan) -> dict:
    out = {"id": plan.id, "state": plan.state, "done": plan.done, "total": plan.total}
    if plan.state == FAILED:
        out["message"] = plan.message
    return out


def apply(actor: Actor, target: Target, token: str) -> int:
    """Store the previewed results; returns how many submissions changed verdict or score."""
    _submissions(actor, target)   # still the actor's to manage
    plan = db.session.scalar(select(RejudgePlan).where(RejudgePlan.token == token,
                                                       RejudgePlan.created_by == actor.user_id,
                                                       RejudgePlan.state == READY,
                                                       RejudgePlan.applied_at.is_(None)))
    if plan is None or plan.target != target.args() or clock.now() - clock.as_utc(plan.created_at) > PLAN_TTL:
        raise PlanExpired("the preview expired")
    changed = 0
    for sub_id, data in sorted(plan.results.items(), key=lambda kv: int(kv[0])):
        sub = db.session.get(Submission, int(sub_id))
        if sub is None:
            continue
        before = (sub.verdict, sub.score)
        if judging.store_result(sub.id, JudgeResult.from_dict(data)):
            changed += before != (data["verdict"], data["score"])
    plan = db.session.scalar(select(RejudgePlan).where(RejudgePlan.token == token))
    plan.applied_at = clock.now()
    audit(actor, "contest.rejudge", target.kind, target.id, after={"changed": changed, "plan": token})
    db.session.commit()
    return changed


KIND = background.register(background.Kind("rejudge_plan", RejudgePlan, JUDGING, judge_plan))
