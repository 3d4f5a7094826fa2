"""Releasing an exam's results, the result tables (per exam, per organisation subtree), a
candidate's own result with feedback, and the exam_pass certificates of those who passed.

A candidate's result for a part is their latest finished attempt of it; the exam passes when every
part has one and each passed (DELIVERY's `recompute_attempt` sets `passed` against the part's
`pass_fraction`, 5/10 by default).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tinhoc import clock, text
from tinhoc.access import SYSTEM, Actor
from tinhoc.accounts.models import User
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation, Person

from ..delivery.models import FINAL_STATES, AttemptItem, Exam, ExamAttempt, ExamPart
from .models import GradingAssignment
from .services import MANAGER_ROLES, GradingError, NotFound, managed_exam

CERTIFICATE_KIND = "exam_pass"


def certificate_source(exam_id: int, user_id: int, earlier: int = 0) -> str:
    """One live exam_pass certificate per exam and candidate (issue() is idempotent on kind + source).
    A candidate whose certificate a regrade withdrew and who passes again after another regrade gets
    a new certificate: its source counts the `earlier` ones (the withdrawn number stays withdrawn)."""
    base = f"exams.exam:{exam_id}:user:{user_id}"
    return f"{base}:{earlier}" if earlier else base


def _held_certificates(exam_id: int) -> dict[int, list]:
    """The exam's exam_pass certificates (withdrawn and revoked ones included) by candidate, oldest first."""
    from tinhoc.certification.models import Certificate
    prefix = f"exams.exam:{exam_id}:user:"
    held: dict[int, list] = defaultdict(list)
    for cert in db.session.scalars(select(Certificate).where(Certificate.kind == CERTIFICATE_KIND,
                                                             Certificate.source.startswith(prefix, autoescape=True))
                                   .order_by(Certificate.id)):
        held[int(cert.source[len(prefix):].split(":")[0])].append(cert)
    return held


def unmarked_count(exam_id: int) -> int:
    return db.session.scalar(
        select(func.count(AttemptItem.id)).join(ExamAttempt, ExamAttempt.id == AttemptItem.attempt_id)
        .where(ExamAttempt.exam_id == exam_id, ExamAttempt.state.in_(FINAL_STATES),
               AttemptItem.needs_manual.is_(True), AttemptItem.manual_fraction.is_(None)))


def open_count(exam_id: int) -> int:
    return db.session.scalar(select(func.count(ExamAttempt.id))
                             .where(ExamAttempt.exam_id == exam_id, ExamAttempt.state == "open"))


@dataclass
class ResultRow:
    user_id: int
    name: str
    username: str
    unit: str
    exam: Exam
    parts: dict[int, ExamAttempt] = field(default_factory=dict)   # part id → latest finished attempt

    def passed(self, parts: list[ExamPart]) -> bool | None:
        """True/False once every part is marked; None while a part is missing or not fully marked."""
        attempts = [self.parts.get(p.id) for p in parts]
        if any(a is not None and a.passed is False for a in attempts):
            return False
        if any(a is None or a.points is None for a in attempts):
            return None
        return all(a.passed for a in attempts)

    def total(self, parts: list[ExamPart]) -> float | None:
        attempts = [self.parts.get(p.id) for p in parts]
        if any(a is None or a.points is None for a in attempts):
            return None
        return round(sum(a.points for a in attempts), 2)


def _rows(stmt_or_rows) -> list[ResultRow]:
    """Result rows from a select of (ExamAttempt, User, unit name) already ordered by name (or its rows)."""
    rows: dict[tuple[int, int], ResultRow] = {}
    found = stmt_or_rows if isinstance(stmt_or_rows, list) else db.session.execute(stmt_or_rows)
    for attempt, user, unit in found:
        row = rows.setdefault((attempt.exam_id, user.id),
                              ResultRow(user.id, user.full_name, user.username, unit or "", attempt.exam))
        kept = row.parts.get(attempt.part_id)
        if kept is None or attempt.number > kept.number:
            row.parts[attempt.part_id] = attempt
    return list(rows.values())


def _base():
    return (select(ExamAttempt, User, Organisation.name)
            .join(User, User.id == ExamAttempt.user_id)
            .outerjoin(Person, Person.id == User.person_id)
            .outerjoin(Organisation, Organisation.id == Person.organisation_id)
            .options(selectinload(ExamAttempt.exam))
            .where(ExamAttempt.state.in_(FINAL_STATES)))


def _subtree(actor: Actor, org_id: int | None):
    if not org_id:
        return None
    from tinhoc.orgs.services import NotFound as OrgNotFound, organisation_for
    try:
        return organisation_for(actor, org_id, MANAGER_ROLES)
    except OrgNotFound:
        raise NotFound(org_id) from None


def exam_results(actor: Actor, exam_id: int, org_id: int | None = None) -> tuple[Exam, list[ExamPart], list[ResultRow]]:
    """Every candidate of an exam the actor manages (optionally only those of one unit's subtree),
    in Vietnamese name order."""
    exam = managed_exam(actor, exam_id)
    stmt = _base().where(ExamAttempt.exam_id == exam.id)
    if (org := _subtree(actor, org_id)) is not None:
        stmt = stmt.where(Organisation.subtree_clause(org.path))
    rows = _rows(stmt.order_by(text.vi_order(User.full_name), User.id, ExamAttempt.number))
    return exam, list(exam.parts), rows


UNIT_LIMIT = 5000   # attempts on one page of results by unit; beyond it the page asks for a unit filter


def unit_results(actor: Actor, org_id: int | None = None) -> tuple[list[ResultRow], bool]:
    """Results of the candidates whose unit lies in the actor's organiser scope (and in the chosen
    unit's subtree), across exams, in Vietnamese name order; the scope is a SQL condition.
    Returns the rows and whether UNIT_LIMIT cut them (the page says so, never silently)."""
    if not actor.may(*MANAGER_ROLES):
        raise NotFound(0)
    stmt = _base().join(Exam, Exam.id == ExamAttempt.exam_id).where(actor.scope_clause(*MANAGER_ROLES),
                                                                   Exam.kind == "exam")
    if (org := _subtree(actor, org_id)) is not None:
        stmt = stmt.where(Organisation.subtree_clause(org.path))
    stmt = stmt.order_by(text.vi_order(User.full_name), User.id, Exam.opens_at.desc(), ExamAttempt.number)
    found = db.session.execute(stmt.limit(UNIT_LIMIT + 1)).all()
    return _rows(found[:UNIT_LIMIT]), len(found) > UNIT_LIMIT


def release(actor: Actor, exam_id: int) -> tuple[Exam, int]:
    """Publish an exam's results; refused while attempts are open or answers are unmarked.
    Returns the exam and the number of exam_pass certificates issued now."""
    from ..delivery import services as delivery
    exam = managed_exam(actor, exam_id)
    if exam.results_released_at is not None:
        raise GradingError(_("Kết quả kỳ thi này đã được công bố."))
    for attempt in db.session.scalars(select(ExamAttempt).where(ExamAttempt.exam_id == exam.id,
                                                                ExamAttempt.state == "open")).all():
        delivery.close_if_expired(attempt)     # the cron may not have run yet: past the deadline is final
    if (waiting := open_count(exam.id)):
        raise GradingError(_("Còn %(n)d bài thi đang làm: chưa thể công bố kết quả.", n=waiting))
    if (unmarked := unmarked_count(exam.id)):
        raise GradingError(_("Còn %(n)d câu trả lời chưa chấm xong: chưa thể công bố kết quả.", n=unmarked))
    exam.results_released_at = clock.now()
    audit(actor, "exam.release", "exam", exam.id, after={"released_at": exam.results_released_at.isoformat()})
    db.session.commit()
    return exam, issue_certificates(exam)


def issue_certificates(exam: Exam) -> int:
    """An exam_pass certificate for every candidate who passed every part and holds none (idempotent).
    Returns how many were issued now.

    One a person revoked (an organiser, say for cheating) is never replaced; one the rule withdrew
    (`withdraw_certificates`: a regrade made the candidate fail) is, by a new certificate, when a
    later regrade makes the candidate pass again."""
    from tinhoc import certification
    parts = list(exam.parts)
    rows = _rows(_base().where(ExamAttempt.exam_id == exam.id).order_by(User.id, ExamAttempt.number))
    users = {u.id: u for u in db.session.scalars(select(User).options(selectinload(User.person))
                                                  .where(User.id.in_([r.user_id for r in rows] or [0])))}
    held = _held_certificates(exam.id)
    issued = 0
    for row in rows:
        if not row.passed(parts):
            continue
        earlier = held.get(row.user_id, [])
        if any(not c.is_revoked or c.revoked_by is not None for c in earlier):
            continue           # held, or revoked by a person
        user = users[row.user_id]
        maximum = sum(row.parts[p.id].max_points for p in parts) or 1
        certification.issue(CERTIFICATE_KIND, user.person or user,
                            {"title": exam.title[:200], "score": round(100 * row.total(parts) / maximum, 2)},
                            actor=SYSTEM, source=certificate_source(exam.id, user.id, len(earlier)))
        issued += 1
    return issued


def withdraw_certificates(exam: Exam, reason: str) -> int:
    """Revoke (as the system) the live exam_pass certificate of every candidate who no longer passes:
    a regrade after release turned a pass into a fail. Returns how many were withdrawn."""
    from tinhoc.certification import services as certification
    parts = list(exam.parts)
    failing = {row.user_id for row in _rows(_base().where(ExamAttempt.exam_id == exam.id)
                                            .order_by(User.id, ExamAttempt.number))
               if row.passed(parts) is False}
    withdrawn = 0
    for user_id, certs in _held_certificates(exam.id).items():
        if user_id not in failing:
            continue
        for cert in certs:
            if not cert.is_revoked:
                certification.revoke(SYSTEM, cert.id, reason)
                withdrawn += 1
    return withdrawn


@dataclass
class ItemFeedback:
    position: int
    points: float
    earned: float | None
    general_feedback: Markup
    comments: list[str]


@dataclass
class PartResult:
    part: ExamPart
    attempt: ExamAttempt
    items: list[ItemFeedback]


def my_result(actor: Actor, exam_id: int) -> tuple[Exam, list[PartResult] | None, bool | None]:
    """The actor's own result: (exam, parts, passed the exam); (exam, None, None) before release;
    NotFound without a finished attempt."""
    attempts = list(db.session.scalars(
        select(ExamAttempt).options(selectinload(ExamAttempt.part), selectinload(ExamAttempt.exam))
        .where(ExamAttempt.exam_id == exam_id, ExamAttempt.user_id == actor.user_id,
               ExamAttempt.state.in_(FINAL_STATES)).order_by(ExamAttempt.number)))
    if actor.user_id is None or not attempts:
        raise NotFound(exam_id)
    exam = attempts[0].exam
    if exam.results_released_at is None:
        return exam, None, None
    latest: dict[int, ExamAttempt] = {}
    for attempt in attempts:
        latest[attempt.part_id] = attempt
    items = list(db.session.scalars(
        select(AttemptItem).options(selectinload(AttemptItem.version))
        .where(AttemptItem.attempt_id.in_([a.id for a in latest.values()])).order_by(AttemptItem.position)))
    comments: dict[int, list[str]] = defaultdict(list)
    for item_id, comment in db.session.execute(
            select(GradingAssignment.item_id, GradingAssignment.comment)
            .where(GradingAssignment.item_id.in_([i.id for i in items] or [0]),
                   GradingAssignment.marked_at.is_not(None), GradingAssignment.comment != "")
            .order_by(GradingAssignment.round)):
        comments[item_id].append(comment)
    by_attempt: dict[int, list[ItemFeedback]] = defaultdict(list)
    for item in items:
        if not item.needs_manual and item.auto_fraction is None and item.version.type == "description":
            continue
        earned = None if item.fraction is None else round(item.fraction * item.points, 2)
        by_attempt[item.attempt_id].append(ItemFeedback(item.position, item.points, earned,
                                                        Markup(item.version.general_feedback or ""),
                                                        comments.get(item.id, [])))
    parts = sorted(latest.values(), key=lambda a: a.part.position)
    passed = len(latest) == len(exam.parts) and all(a.passed for a in parts)
    return exam, [PartResult(a.part, a, by_attempt.get(a.id, [])) for a in parts], passed


def my_exams(actor: Actor) -> list[tuple[Exam, bool]]:
    """Exams the actor has finished an attempt of, newest first, with whether results are out."""
    rows = db.session.scalars(
        select(Exam).join(ExamAttempt, ExamAttempt.exam_id == Exam.id)
        .where(ExamAttempt.user_id == actor.user_id, ExamAttempt.state.in_(FINAL_STATES), Exam.kind == "exam")
        .distinct().order_by(Exam.id.desc()))
    return [(exam, exam.results_released_at is not None) for exam in rows]
