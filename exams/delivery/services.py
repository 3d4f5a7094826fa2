"""Attempts: start or resume, save answers, upload files, submit, auto-mark, close at the deadline.

The attempt's `deadline_at` is the only truth for time. Saves carry a per-attempt sequence number:
an item is written only by a save newer than the one that last wrote it, so a retried or late save
never overwrites a newer answer, and replaying a save changes nothing. The save path reads only the
attempt row and the item rows it writes (no user graph, no tree, no session write).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
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
MAX_TEXT = 20_000      # characters of one typed answer (an essay)
MAX_PARTS = 200        # options ticked / pairs matched in one answer


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
    attempt = _new_attempt(exam, part, user_id, number, now, deadline, session)
    try:
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
    attempt.items = [AttemptItem(position=d.position, question_version_id=d.version_id, points=d.points,
                                 option_order=d.option_order, needs_manual=d.needs_manual) for d in drawn]
    db.session.add(attempt)
    from ..services import mark_used
    for version in db.session.scalars(select(QuestionVersion).where(
            QuestionVersion.id.in_([d.version_id for d in drawn]), QuestionVersion.used.is_(False))):
        mark_used(version)
    return attempt


# --- save ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Saved:
    seq: int
    at: datetime
    stale: tuple[int, ...]     # items this save did not write: a newer save had written them
    remaining: int


def normalise(response, option_order: list[int] | None):
    """The candidate's answer in the question type's shape, with shown option positions mapped back
    to the stored options; DeliveryError for anything else."""
    def option(value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise DeliveryError(_("Câu trả lời không hợp lệ."))
        if option_order is not None:
            if not 0 <= value < len(option_order):
                raise DeliveryError(_("Câu trả lời không hợp lệ."))
            return option_order[value]
        return value
    if response is None or response == "" or response == []:
        return None
    if isinstance(response, int) and not isinstance(response, bool):
        return option(response)
    if isinstance(response, str):
        if len(response) > MAX_TEXT:
            raise DeliveryError(_("Câu trả lời dài quá %(n)d ký tự.", n=MAX_TEXT))
        return response.replace("\x00", "")
    if isinstance(response, list) and len(response) <= MAX_PARTS:
        return sorted({option(v) for v in response})
    if isinstance(response, dict) and len(response) <= MAX_PARTS and all(
            isinstance(k, str) and len(k) <= 10 and isinstance(v, str) and len(v) <= 500 for k, v in response.items()):
        return {k: v for k, v in response.items() if v} or None
    raise DeliveryError(_("Câu trả lời không hợp lệ."))


def save_answers(user_id: int, attempt_id: int, seq: int, answers: list[dict]) -> Saved:
    """Write `answers` ([{"item": id, "response": …, "flagged": bool}]) of the save numbered `seq`.
    Refused (AttemptClosed) once the attempt is over; the answers saved before stay."""
    attempt = own_attempt(user_id, attempt_id, lock=True)   # the seq checks below see the last save's rows
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq < 2**31 or not isinstance(answers, list) \
            or len(answers) > 500 or not all(isinstance(a, dict) and isinstance(a.get("item"), int) for a in answers):
        raise DeliveryError(_("Yêu cầu lưu không hợp lệ."))
    now = clock.now()
    if attempt.state == "open" and expired(attempt, now):
        finish_attempt(attempt, "closed")
    if attempt.state != "open":
        raise AttemptClosed(_("Đã hết giờ làm bài (hoặc bài đã nộp): câu trả lời này không được lưu. "
                              "Các câu đã lưu trước đó vẫn được giữ."), attempt.last_seq)
    wanted = {a["item"]: a for a in answers}
    items = db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id,
                                                         AttemptItem.id.in_(wanted))).all() if wanted else []
    if len(items) != len(wanted):
        raise DeliveryError(_("Yêu cầu lưu không hợp lệ."))
    stale = []
    for item in items:
        if seq <= item.saved_seq:
            stale.append(item.id)
            continue
        change = wanted[item.id]
        item.response = normalise(change.get("response"), item.option_order)
        item.flagged = bool(change.get("flagged", item.flagged))
        item.saved_seq, item.answered_at = seq, now
    attempt.last_seq = max(attempt.last_seq, seq)
    attempt.last_saved_at = now
    saved = Saved(seq, now, tuple(stale), remaining_seconds(attempt, now))   # before the commit expires the row
    db.session.commit()
    return saved


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
