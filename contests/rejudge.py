"""Rejudge a submission, a problem or a round: judge again, show what would change, then apply
exactly the previewed results (the problem's stored limits are in every job, so the same inputs
give the same results)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from tinhoc import clock
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.judge.job import JudgeResult

from . import judging, services
from .models import Problem, RejudgePlan, Submission

MAX_REJUDGE = 500
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
    if target.kind == "submission":
        sub, manager = services.submission_for(actor, target.id)
        if not manager:
            raise services.NotFound(target.id)
        return [sub]
    if target.kind == "problem":
        problem = services.managed_problem_for(actor, target.id)
        stmt = select(Submission).where(Submission.problem_id == problem.id)
    else:
        rnd = services.managed_round_for(actor, target.id)
        stmt = select(Submission).join(Problem, Problem.id == Submission.problem_id).where(Problem.round_id == rnd.id)
    subs = list(db.session.scalars(stmt.order_by(Submission.id).limit(MAX_REJUDGE + 1)))
    if len(subs) > MAX_REJUDGE:
        raise services.ContestError(_("Hơn %(n)s bài nộp: hãy chấm lại từng bài.", n=MAX_REJUDGE))
    return subs


def _judge_all(subs: list[Submission]) -> dict[int, dict]:
    jobs = [judging.job_for(s) for s in subs]
    via = judging.judge_via(current_app)
    if via == "none":
        from tinhoc.judge import judge
        return {s.id: judge(j).to_dict() for s, j in zip(subs, jobs)}
    from tinhoc.judge import worker
    futures = [worker.submit(j, via=via) for j in jobs]
    return {s.id: f.result(timeout=600).to_dict() for s, f in zip(subs, futures)}


def preview(actor: Actor, target: Target) -> Plan:
    subs = _submissions(actor, target)
    results = _judge_all(subs)
    token = secrets.token_hex(16)
    db.session.add(RejudgePlan(token=token, created_by=actor.user_id, target=target.args(),
                               results={str(k): v for k, v in results.items()}))
    db.session.commit()
    changes = [Change(s, s.verdict, s.score, results[s.id]["verdict"], results[s.id]["score"]) for s in subs]
    return Plan(token, changes)


def apply(actor: Actor, target: Target, token: str) -> int:
    """Store the previewed results; returns how many submissions changed verdict or score."""
    _submissions(actor, target)   # still the actor's to manage
    plan = db.session.scalar(select(RejudgePlan).where(RejudgePlan.token == token,
                                                       RejudgePlan.created_by == actor.user_id,
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
