"""Regrade after a question is fixed: re-mark every finished attempt's item of that question with
the question's current key, preview what changes (item marks, attempt points, pass), then apply in
one transaction with an audit entry per changed item.

Only auto-marked items change (a hand mark is the grader's, not the key's). The current version
must have the shown version's type and number of answers: responses are stored as indices into the
shown version's answers, so a key with other answers cannot be applied to them.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from tinhoc.access import Actor
from tinhoc.accounts.models import User
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation

from ..delivery.models import FINAL_STATES, AttemptItem, Exam, ExamAttempt
from ..models import Question, QuestionVersion
from ..questions import get_type
from .services import MANAGER_ROLES, GradingError, NotFound, attempt_code

EPSILON = 1e-9


@dataclass
class RegradeRow:
    item: AttemptItem       # expired after a preview's rollback: the page reads the fields below
    item_id: int
    position: int
    code: str
    candidate: str
    exam_title: str
    old_fraction: float | None
    new_fraction: float
    old_points: float | None
    new_points: float | None
    old_passed: bool | None
    new_passed: bool | None


@dataclass
class RegradePlan:
    question: Question
    rows: list[RegradeRow]
    checked: int           # items of this question in finished attempts in the actor's scope
    problems: list[str]
    withdrawn: int = 0     # applied: exam_pass certificates withdrawn from those who now fail
    issued: int = 0        # applied: exam_pass certificates issued to those who now pass


def _question(actor: Actor, question_id: int) -> Question:
    question = db.session.get(Question, question_id) if actor.may(*MANAGER_ROLES) else None
    if question is None:
        raise NotFound(question_id)
    return question


def _items(actor: Actor, question_id: int) -> list[AttemptItem]:
    """The question's items in finished attempts of exams in the actor's scope (one query)."""
    return list(db.session.scalars(
        select(AttemptItem).join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .join(ExamAttempt, ExamAttempt.id == AttemptItem.attempt_id)
        .join(Exam, Exam.id == ExamAttempt.exam_id).join(Organisation, Organisation.id == Exam.organisation_id)
        .options(contains_eager(AttemptItem.version), contains_eager(AttemptItem.attempt))
        .where(QuestionVersion.question_id == question_id, ExamAttempt.state.in_(FINAL_STATES),
               actor.scope_clause(*MANAGER_ROLES))
        .order_by(ExamAttempt.exam_id, ExamAttempt.id)))


def _compatible(shown: QuestionVersion, current: QuestionVersion) -> bool:
    if shown.type != current.type:
        return False
    return len(shown.params.get("answers") or ()) == len(current.params.get("answers") or ())


def _plan(actor: Actor, question_id: int) -> RegradePlan:
    """Apply the new key in the session (not committed) and read what DELIVERY's recompute makes of it."""
    from ..delivery import services as delivery
    question = _question(actor, question_id)
    current = question.current
    kind = get_type(current.type)
    if not kind.auto_graded or not kind.graded:
        raise GradingError(_("Câu hỏi này được chấm tay: không chấm lại theo đáp án."))
    items = _items(actor, question.id)
    problems, rows = [], []
    names = dict(db.session.execute(select(User.id, User.full_name)
                                    .where(User.id.in_({i.attempt.user_id for i in items} or {0}))).all())
    exams = dict(db.session.execute(select(Exam.id, Exam.title)
                                    .where(Exam.id.in_({i.attempt.exam_id for i in items} or {0}))).all())
    for item in items:
        if item.needs_manual or item.manual_fraction is not None:
            continue
        if not _compatible(item.version, current):
            problems.append(_("Bài %(c)s: phiên bản câu hỏi đã thấy khác loại hoặc số phương án với phiên bản "
                              "hiện tại; không chấm lại.", c=attempt_code(item.attempt_id)))
            continue
        try:
            new = kind.grade(current.params, item.response)
        except (TypeError, ValueError, KeyError, AttributeError):
            new = 0.0     # as at finish: an answer of the wrong shape earns nothing, never breaks the marking
        if item.auto_fraction is not None and abs(new - item.auto_fraction) <= EPSILON:
            continue
        attempt = item.attempt
        old = (item.auto_fraction, attempt.points, attempt.passed)
        item.auto_fraction = new
        rows.append(RegradeRow(item, item.id, item.position, attempt_code(attempt.id), names.get(attempt.user_id, ""),
                               exams.get(attempt.exam_id, ""), old[0], new, old[1], None, old[2], None))
    for attempt in {row.item.attempt for row in rows}:
        delivery.recompute_attempt(attempt)
    for row in rows:
        row.new_points, row.new_passed = row.item.attempt.points, row.item.attempt.passed
    return RegradePlan(question, rows, len(items), problems)


def preview(actor: Actor, question_id: int) -> RegradePlan:
    """What a regrade would change; nothing is stored (the session's changes are rolled back)."""
    try:
        plan = _plan(actor, question_id)
    finally:
        db.session.rollback()
    return plan


def apply(actor: Actor, question_id: int) -> RegradePlan:
    """Re-mark and store, in one transaction, with an audit entry for every changed item."""
    plan = _plan(actor, question_id)
    for row in plan.rows:
        audit(actor, "exam.regrade", "attempt_item", row.item.id,
              before={"auto_fraction": row.old_fraction, "attempt_points": row.old_points,
                      "passed": row.old_passed},
              after={"auto_fraction": row.new_fraction, "attempt_points": row.new_points,
                     "passed": row.new_passed, "question_version": plan.question.current_version})
    audit(actor, "exam.regrade_question", "question", plan.question.id,
          after={"changed": len(plan.rows), "checked": plan.checked})
    db.session.commit()
    from .results import issue_certificates, withdraw_certificates
    # released results: a candidate who now fails loses the certificate (it would still verify and
    # count toward the province's targets); one who now passes gets one
    reason = f"Chấm lại câu hỏi #{plan.question.id}: không còn đạt kỳ thi."
    for exam in sorted({row.item.attempt.exam for row in plan.rows}, key=lambda e: e.id):
        if exam.results_released_at is not None:
            plan.withdrawn += withdraw_certificates(exam, reason)
            plan.issued += issue_certificates(exam)
    return plan

