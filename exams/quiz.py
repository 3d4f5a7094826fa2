"""The public exam functions for training quizzes and contest quiz rounds.

Callers (training's quiz lessons, contests' quiz rounds) use these names only (through
exams.services), never the exam models: a quiz is an exam of kind "quiz" with one auto-drawn part,
owned by `owner_ref`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db

from .services import BankError, NotFound, _check, category_for


@dataclass(frozen=True)
class QuizResult:
    """The best finished attempt at a quiz: points on the quiz's scale (None while a hand-marked
    answer waits), whether it passed, when it finished, and how many attempts were made."""
    points: float | None
    max_points: float
    passed: bool | None
    finished_at: object | None
    attempts: int


def create_quiz(actor: Actor, *, title: str, owner_ref: str, category_id: int, count: int,
                difficulty: int | None = None, duration_minutes: int, pass_fraction: float = 0.5,
                attempts_allowed: int = 3, max_points: float = 10.0, organisation_id: int | None = None,
                opens_at: datetime | None = None, closes_at: datetime | None = None):
    """A quiz of `count` auto-marked questions drawn per attempt from a bank category (and its
    subcategories; essays and file questions are left out, so a result is known on submit), open
    from `opens_at` (now) to `closes_at` (ten years on) to whoever the caller sends to it; an attempt
    never runs past `closes_at`. Raises BankError (e.g. the bank has too few questions, naming the
    rule) or NotFound (the actor may not use the bank). Commits; returns the exam (only its `id` is
    meant for the caller)."""
    from tinhoc.orgs.models import Organisation

    from .delivery import setup
    from .delivery.errors import DeliveryError
    from .delivery.models import Exam
    _check(actor)
    category_for(actor, category_id)
    org_id = organisation_id or db.session.scalar(select(Organisation.id).where(Organisation.parent_id.is_(None))
                                                  .order_by(Organisation.id).limit(1))
    title = text.clean(title or "")[:255]
    if not title or org_id is None:
        raise BankError(_("Bài kiểm tra cần một tên (và tỉnh cần có đơn vị gốc)."))
    if not 1 <= attempts_allowed <= 20:
        raise BankError(_("Số lần làm bài phải từ 1 đến 20."))
    now = clock.now()
    opens_at, closes_at = opens_at or now, closes_at or now + timedelta(days=3650)
    if closes_at <= opens_at:
        raise BankError(_("Bài kiểm tra phải đóng sau khi mở."))
    exam = Exam(title=title, description="", organisation_id=org_id, opens_at=opens_at,
                closes_at=closes_at, attempts_allowed=attempts_allowed, shuffle_questions=True,
                shuffle_options=True, kind="quiz", owner_ref=(owner_ref or "")[:100] or None,
                created_by=actor.user_id, created_at=now)
    db.session.add(exam)
    db.session.flush()
    try:
        setup.save_part(actor, exam, None, title=title, duration_minutes=duration_minutes, max_points=max_points,
                        pass_fraction=pass_fraction, commit=False, blueprint=[
                            {"category_id": category_id, "difficulty": difficulty, "count": count, "points": 1.0,
                             "auto_only": True}])
    except DeliveryError as exc:
        db.session.rollback()
        raise BankError(str(exc)) from None
    audit(actor, "exams.quiz_create", "exam", exam.id, after={"title": title, "owner": owner_ref})
    db.session.commit()
    return exam


def _quiz_part(exam_id: int):
    from .delivery.models import Exam, ExamPart
    part = db.session.scalar(select(ExamPart).join(Exam, Exam.id == ExamPart.exam_id)
                             .where(Exam.id == exam_id, Exam.kind == "quiz").order_by(ExamPart.position).limit(1)) \
        if isinstance(exam_id, int) else None
    if part is None:
        raise NotFound(_("Không tìm thấy bài kiểm tra."))
    return part


def set_quiz_window(exam_id: int, opens_at: datetime, closes_at: datetime) -> int:
    """Move a quiz's window (its contest round was moved or extended). An attempt still running keeps
    its own duration: one cut short by the old close gets the time the new close allows, one that
    would run past the new close ends there. Attempts already over are left as they are. Returns how
    many deadlines moved; the caller commits."""
    from .delivery.models import ExamAttempt
    if closes_at <= opens_at:
        raise BankError(_("Bài kiểm tra phải đóng sau khi mở."))
    part = _quiz_part(exam_id)
    exam, now = part.exam, clock.now()
    exam.opens_at, exam.closes_at = opens_at, closes_at
    moved = 0
    for attempt in db.session.scalars(select(ExamAttempt).where(ExamAttempt.part_id == part.id,
                                                                ExamAttempt.state == "open",
                                                                ExamAttempt.deadline_at > now)):
        deadline = min(clock.as_utc(attempt.started_at) + timedelta(minutes=part.duration_minutes), closes_at)
        if deadline != clock.as_utc(attempt.deadline_at):
            attempt.deadline_at = deadline
            moved += 1
    return moved


def start_quiz(user_id: int, exam_id: int):
    """Start (or resume) the user's attempt at a quiz; the caller has decided the user may take it.
    Returns the attempt (send the user to `url_for("exams.take_attempt", attempt_id=attempt.id)`).
    Raises BankError with the reason when no attempt is left or the quiz is not open."""
    from .delivery import services as delivery
    from .delivery.errors import NotAllowed
    part = _quiz_part(exam_id)
    try:
        return delivery.start_attempt(user_id, part.id)
    except NotAllowed as exc:
        raise BankError(str(exc)) from None


def _best(attempts) -> QuizResult | None:
    finished = [a for a in attempts if a.is_final]
    if not finished:
        return None
    best = max(finished, key=lambda a: (bool(a.passed), a.points or 0.0, a.finished_at))
    return QuizResult(best.points, best.max_points, best.passed, best.finished_at, len(attempts))


def quiz_results(exam_id: int, user_ids) -> dict[int, QuizResult]:
    """Each listed user's best finished attempt at a quiz (users without one are left out), in one
    query; attempts past their deadline are closed on the way."""
    from .delivery import services as delivery
    from .delivery.models import ExamAttempt
    part = _quiz_part(exam_id)
    ids = sorted({u for u in user_ids if isinstance(u, int)})
    attempts: dict[int, list] = {}
    if ids:
        for attempt in db.session.scalars(select(ExamAttempt).where(ExamAttempt.part_id == part.id,
                                                                    ExamAttempt.user_id.in_(ids))):
            delivery.close_if_expired(attempt)
            attempts.setdefault(attempt.user_id, []).append(attempt)
    return {user_id: result for user_id, mine in attempts.items() if (result := _best(mine)) is not None}


def quiz_attempt_count(exam_id: int, user_ids) -> int:
    """How many attempts (finished or not) these users have made at a quiz."""
    from sqlalchemy import func

    from .delivery.models import ExamAttempt
    part = _quiz_part(exam_id)
    ids = [u for u in user_ids if isinstance(u, int)]
    return db.session.scalar(select(func.count(ExamAttempt.id)).where(
        ExamAttempt.part_id == part.id, ExamAttempt.user_id.in_(ids))) if ids else 0


def quiz_result(user_id: int, exam_id: int) -> QuizResult | None:
    """The user's best finished attempt at a quiz (passed first, then the most points), or None."""
    return quiz_results(exam_id, [user_id]).get(user_id)
