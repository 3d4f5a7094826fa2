"""Attempts: start or resume, save answers, upload files, submit, auto-mark, close at the deadline.

The attempt's `deadline_at` is the only truth for time. Saving answers (the hot path, ordered by a
per-attempt sequence number) is in saving.py.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tinhoc import clock
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation

from ..models import QuestionVersion
from ..questions import get_type
from . import forms_drawing
from .errors import AttemptClosed, DeliveryError, NotAllowed, NotFound
from .models import AttemptItem, Exam, ExamAttempt, ExamCandidate, ExamPart, ExamSession
from .setup import exam_for  # noqa: F401  (part of this module's public face)

# A save sent in the last instant may arrive a moment after the deadline: it was typed in time.
SAVE_GRACE = timedelta(seconds=2)


def attempt_for(actor: Actor, attempt_id: int) -> ExamAttempt:
    """The candidate's own attempt, or one of an exam the actor organises; NotFound otherwise.
    An open attempt past its deadline is closed on the way (lazy closing)."""
    row = db.session.execute(
        select(ExamAttempt, Organisation.path).join(Exam, Exam.id == ExamAttempt.exam_id)
        .join(Organisation, Organisation.id == Exam.organisation_id)
        .where(ExamAttempt.id == attempt_id)).first() if isinstance(attempt_id, int) else None
    if row is None or (row[0].user_id != actor.user_id and not actor.covers(row[1], "organiser")):
        raise NotFound(_("Không tìm thấy bài làm."))
    close_if_expired(row[0])
    return row[0]


def own_attempt(user_id: int, attempt_id: int, *, lock: bool = False) -> ExamAttempt:
    """The candidate's own attempt (one query on the attempt row), or NotFound. `lock` takes the row
    lock (PostgreSQL) so that two saves of one attempt (two tabs) are applied one after the other."""
    query = select(ExamAttempt).where(ExamAttempt.id == attempt_id, ExamAttempt.user_id == user_id)
    attempt = db.session.scalar(query.with_for_update() if lock else query) \
        if isinstance(attempt_id, int) and user_id else None
    if attempt is None:
        raise NotFound(_("Không tìm thấy bài làm."))
    return attempt


def expired(attempt: ExamAttempt, now: datetime | None = None) -> bool:
    return (now or clock.now()) > attempt.deadline_at + SAVE_GRACE


def remaining_seconds(attempt: ExamAttempt, now: datetime | None = None) -> int:
    if attempt.is_final:
        return 0
    return max(0, int((attempt.deadline_at - (now or clock.now())).total_seconds()))


def close_if_expired(attempt: ExamAttempt) -> bool:
    if attempt.state == "open" and expired(attempt):
        finish_attempt(attempt, "closed")
        return True
    return False


# --- start -----------------------------------------------------------------------------------

def _latest(part_id: int, user_id: int) -> ExamAttempt | None:
    return db.session.scalar(select(ExamAttempt).where(ExamAttempt.part_id == part_id, ExamAttempt.user_id == user_id)
                             .order_by(ExamAttempt.number.desc()).limit(1))


def start_attempt(user_id: int, part_id: int, *, session: ExamSession | None = None) -> ExamAttempt:
    """Start the user's attempt at a part, or resume the open one (two tabs get the same attempt).

    Without a session the exam's window must be open; the deadline is now + duration, capped by the
    window's end. In a session the session must be opened and the user one of its candidates; the
    deadline is the opening + duration + the candidate's extra minutes (a late-comer loses time).
    Raises NotAllowed with the reason. The caller has decided that the user may take the exam."""
    part = db.session.get(ExamPart, part_id)
    if part is None:
        raise NotFound(_("Không tìm thấy phần thi."))
    exam, now = part.exam, clock.now()
    latest = _latest(part.id, user_id)
    if latest is not None and latest.state == "open":
        if not close_if_expired(latest):
            return latest
    if latest is not None and latest.number >= exam.attempts_allowed:
        raise NotAllowed(_("Bạn đã làm hết số lần được phép của phần thi này."))
    duration = timedelta(minutes=part.duration_minutes)
    if session is None:
        if not exam.opens_at <= now < exam.closes_at:
            raise NotAllowed(_("Kỳ thi chưa mở hoặc đã đóng."))
        deadline = min(now + duration, exam.closes_at)
    else:
        if session.exam_id != exam.id or session.opened_at is None or session.closed_at is not None:
            raise NotAllowed(_("Ca thi chưa mở hoặc đã đóng."))
        candidate = db.session.scalar(select(ExamCandidate).where(ExamCandidate.session_id == session.id,
                                                                  ExamCandidate.user_id == user_id))
        if candidate is None:
            raise NotAllowed(_("Bạn không có tên trong ca thi này."))
        if candidate.absent_at is not None:   # marked absent by the proctor (SESSIONS): no start by any route
            raise NotAllowed(_("Giám thị đã ghi bạn vắng mặt ở ca thi này; hãy gặp giám thị."))
        deadline = session.opened_at + duration + timedelta(minutes=candidate.extra_minutes or 0)
        if deadline <= now:
            raise NotAllowed(_("Ca thi đã hết giờ làm bài."))
    number = (latest.number + 1) if latest is not None else 1
    try:
        attempt = _new_attempt(exam, part, user_id, number, now, deadline, session)
        db.session.commit()
    except IntegrityError:   # another tab started the same attempt a moment earlier: use that one
        db.session.rollback()
        attempt = db.session.scalar(select(ExamAttempt).where(
            ExamAttempt.part_id == part.id, ExamAttempt.user_id == user_id, ExamAttempt.number == number))
        if attempt is None:
            raise
    return attempt


def _new_attempt(exam, part, user_id, number, now, deadline, session) -> ExamAttempt:
    seed = secrets.randbelow(2**31 - 1)
    drawn = forms_drawing.draw(part, seed, forms_drawing.pools_for(part), shuffle_questions=exam.shuffle_questions,
                               shuffle_options=exam.shuffle_options)
    attempt = ExamAttempt(exam_id=exam.id, part_id=part.id, user_id=user_id, session_id=session.id if session else None,
                          number=number, seed=seed, state="open", started_at=now, deadline_at=deadline,
                          max_points=part.max_points)
    db.session.add(attempt)
    db.session.flush()   # the attempt's id; a second tab's start fails here on the unique number
    # The items in one INSERT of many rows, without building ORM objects (a wave of starts: the unit
    # of work for 20–60 items cost more than the statement).
    db.session.execute(insert(AttemptItem), [
        {"attempt_id": attempt.id, "position": d.position, "question_version_id": d.version_id, "points": d.points,
         "option_order": d.option_order, "needs_manual": d.needs_manual, "saved_seq": 0, "flagged": False}
        for d in drawn])
    from ..services import mark_used
    for version in db.session.scalars(select(QuestionVersion).where(
            QuestionVersion.id.in_([d.version_id for d in drawn]), QuestionVersion.used.is_(False))):
        mark_used(version)
    return attempt


# --- finish and marks ------------------------------------------------------------------------

def recompute_attempt(attempt: ExamAttempt) -> None:
    """Sum the item marks into auto_points, manual_points, points and passed. `points` stays None
    while a hand-marked item has no mark. Does not commit (GRADING calls it after each mark)."""
    auto, manual, marked_manual, complete = 0.0, 0.0, False, True
    for item in attempt.items:
        if item.needs_manual:
            if item.manual_fraction is None:
                complete = False
            else:
                manual += item.manual_fraction * item.points
                marked_manual = True
        else:
            auto += (item.fraction or 0.0) * item.points
    attempt.auto_points = round(auto, 4)
    attempt.manual_points = round(manual, 4) if marked_manual else None
    if complete and attempt.is_final:
        attempt.points = round(auto + manual, 4)
        attempt.passed = attempt.points + 1e-9 >= attempt.part.pass_fraction * attempt.max_points
    else:
        attempt.points, attempt.passed = None, None


def _grade(item: AttemptItem) -> float | None:
    kind = get_type(item.version.type)
    if not kind.graded or not kind.auto_graded:
        return None
    try:
        return kind.grade(item.version.params, item.response)
    except (TypeError, ValueError, KeyError, AttributeError):
        return 0.0    # an answer of the wrong shape earns nothing; it never breaks the marking


def finish_attempt(attempt: ExamAttempt, state: str, *, commit: bool = True) -> ExamAttempt:
    """Submit ("submitted") or close ("closed": the deadline passed) an open attempt: auto-mark every
    auto-marked item, set finished_at and state, recompute the points. Commits unless told not to."""
    if state not in ("submitted", "closed"):
        raise ValueError(state)
    if attempt.state != "open":
        return attempt
    db.session.execute(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)
                       .options(selectinload(AttemptItem.version))).all()   # versions in one query
    for item in attempt.items:
        item.auto_fraction = _grade(item)
    now = clock.now()
    attempt.state = state
    attempt.finished_at = min(now, attempt.deadline_at) if state == "closed" else now
    recompute_attempt(attempt)
    audit(attempt.user_id if state == "submitted" else None, f"exams.attempt_{state}", "exam_attempt", attempt.id,
          after={"auto_points": attempt.auto_points})
    if commit:
        db.session.commit()
    return attempt


def submit_attempt(user_id: int, attempt_id: int) -> ExamAttempt:
    attempt = own_attempt(user_id, attempt_id)
    if attempt.state != "open":
        raise AttemptClosed(_("Bài làm đã được nộp hoặc đã hết giờ."), attempt.last_seq)
    return finish_attempt(attempt, "closed" if expired(attempt) else "submitted")


def close_expired(now: datetime | None = None) -> int:
    """Close every open attempt whose deadline has passed (cron / systemd timer); returns how many."""
    cutoff = (now or clock.now()) - SAVE_GRACE
    closed = 0
    while True:
        batch = db.session.scalars(select(ExamAttempt).where(ExamAttempt.state == "open",
                                                             ExamAttempt.deadline_at < cutoff)
                                   .order_by(ExamAttempt.id).limit(100)).all()
        if not batch:
            return closed
        for attempt in batch:
            finish_attempt(attempt, "closed", commit=False)
        db.session.commit()
        closed += len(batch)


# Saving answers lives in saving.py (the hot path); it is part of this module's public face.
from .saving import MAX_PARTS, MAX_TEXT, Saved, normalise, save_answers  # noqa: E402,F401
