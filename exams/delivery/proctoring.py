"""The waiting room and the proctor's board of a session.

Waiting room: a candidate checks in, the page polls `waiting_status` (one small query) until the
session is opened, then `start_in_session` starts (or resumes) the attempt through delivery's
`start_attempt(..., session=...)`, whose deadline counts from the session's `opened_at`.

Proctor board: every candidate's state (absent / waiting / started / submitted / closed), last save,
answered count and time left, in three queries whatever the number of candidates; the actions
(extra time, reopen, mark absent and undo it) each write the audit log with who and why.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, inspect, select, update

from exams.services import NotFound
from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db

from .models import AttemptItem, ExamAttempt, ExamCandidate, ExamPart, ExamSession
from .sessions import SessionError, candidacy_for, candidate_for, listed_candidates

MAX_EXTRA_MINUTES = 240
STATES = ("absent", "waiting", "started", "submitted", "closed")
ACTION_LABELS = {"extra-time": _l("cộng giờ"), "reopen": _l("mở lại bài"), "absent": _l("vắng mặt"),
                 "present": _l("có mặt (bỏ ghi vắng)")}


def attempt_url(attempt: ExamAttempt) -> str:
    """Where a started attempt is taken (delivery's attempt page)."""
    # The identity key, not `attempt.id`: after the start's commit that would reload the row.
    return url_for("exams.take_attempt", attempt_id=inspect(attempt).identity[0])


# --- waiting room ----------------------------------------------------------------------------

def _session_row(session_id: int) -> ExamSession:
    return db.session.get(ExamSession, session_id)


def check_in(actor: Actor, session_id: int) -> ExamCandidate:
    """The candidate enters the waiting room (first entry time kept)."""
    candidate = candidacy_for(actor, session_id)
    if candidate.absent_at is not None:
        raise SessionError(_("Giám thị đã ghi bạn vắng mặt ở ca thi này; hãy gặp giám thị."))
    if candidate.session.closed_at is not None:
        raise SessionError(_("Ca thi đã kết thúc."))
    if candidate.checked_in_at is None:
        candidate.checked_in_at = clock.now()
        db.session.commit()
    return candidate


def waiting_status(user_id: int | None, session_id: int) -> dict:
    """What the waiting page polls every few seconds: one indexed query, no write, and only the user
    id (not the actor's grants): a thousand candidates poll this while they wait."""
    row = db.session.execute(
        select(ExamSession.opened_at, ExamSession.closed_at, ExamCandidate.absent_at)
        .join(ExamCandidate, ExamCandidate.session_id == ExamSession.id)
        .where(ExamSession.id == session_id, ExamCandidate.user_id == user_id)).first() \
        if isinstance(session_id, int) and user_id else None
    if row is None:
        raise NotFound(_("Không tìm thấy ca thi."))
    opened_at, closed_at, absent_at = row
    return {"opened": opened_at is not None, "closed": closed_at is not None, "absent": absent_at is not None,
            "now": clock.now().isoformat()}


def _next_part(session: ExamSession, user_id: int) -> ExamPart | None:
    """The first part of the exam the candidate has not finished in this session (one query)."""
    finished = select(ExamAttempt.id).where(
        ExamAttempt.part_id == ExamPart.id, ExamAttempt.session_id == session.id, ExamAttempt.user_id == user_id,
        ExamAttempt.state.in_(("submitted", "closed")))
    return db.session.scalar(select(ExamPart).where(ExamPart.exam_id == session.exam_id, ~finished.exists())
                             .order_by(ExamPart.position).limit(1))


def start_in_session(actor: Actor, session_id: int) -> ExamAttempt:
    """Start (or resume) the candidate's attempt at the next part once the session is open."""
    from . import services as delivery  # delivery imports sessions for its own checks: import late
    candidate = candidacy_for(actor, session_id)
    session = candidate.session
    if candidate.absent_at is not None:
        raise SessionError(_("Giám thị đã ghi bạn vắng mặt ở ca thi này; hãy gặp giám thị."))
    if session.opened_at is None:
        raise SessionError(_("Ca thi chưa mở; hãy chờ giám thị."))
    if session.closed_at is not None:
        raise SessionError(_("Ca thi đã kết thúc."))
    part = _next_part(session, actor.user_id)
    if part is None:
        raise SessionError(_("Bạn đã làm xong mọi phần của kỳ thi."))
    if candidate.checked_in_at is None:   # a late-comer straight from the list: written with the attempt
        candidate.checked_in_at = clock.now()
    return delivery.start_attempt(actor.user_id, part.id, session=session)


# --- proctor board ---------------------------------------------------------------------------

@dataclass
class CandidateState:
    candidate_id: int
    full_name: str
    employee_code: str
    room_id: int | None
    seat: str | None
    state: str
    checked_in_at: datetime | None
    marked_absent: bool
    extra_minutes: int
    attempt_id: int | None = None
    part: str = ""
    last_saved_at: datetime | None = None
    answered: int = 0
    items: int = 0
    remaining_seconds: int | None = None
    reopened_count: int = 0

    def as_json(self) -> dict:
        out = asdict(self)
        for key in ("checked_in_at", "last_saved_at"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


def _current(attempts: list[ExamAttempt]) -> ExamAttempt | None:
    """The attempt the proctor watches: an open one, else the latest started."""
    opened = [a for a in attempts if a.state == "open"]
    pool = opened or attempts
    return max(pool, key=lambda a: (clock.as_utc(a.started_at), a.id)) if pool else None


def board(session: ExamSession, room_ids: set[int] | None) -> list[CandidateState]:
    """Every candidate of the session (or of the given rooms), in Vietnamese name order: four queries
    of plain columns, filtered to the rooms in SQL, whatever the number of candidates."""
    now = clock.now()
    people = listed_candidates(session, room_ids)

    def in_rooms(query):
        query = query.where(ExamCandidate.session_id == session.id)
        return query.where(ExamCandidate.room_id.in_(room_ids)) if room_ids is not None else query
    extra = {row.id: row for row in db.session.execute(in_rooms(
        select(ExamCandidate.id, ExamCandidate.checked_in_at, ExamCandidate.absent_at, ExamCandidate.extra_minutes)))}
    mine = (ExamCandidate.session_id == ExamAttempt.session_id) & (ExamCandidate.user_id == ExamAttempt.user_id)
    by_user: dict[int, list] = {}
    for attempt in db.session.execute(in_rooms(
            select(ExamAttempt.id, ExamAttempt.user_id, ExamAttempt.part_id, ExamAttempt.state, ExamAttempt.started_at,
                   ExamAttempt.deadline_at, ExamAttempt.last_saved_at, ExamAttempt.reopened_count)
            .join(ExamCandidate, mine))):
        by_user.setdefault(attempt.user_id, []).append(attempt)
    counts = {a: (n, answered) for a, n, answered in db.session.execute(in_rooms(
        select(AttemptItem.attempt_id, func.count(), func.count(AttemptItem.answered_at))
        .join(ExamAttempt, ExamAttempt.id == AttemptItem.attempt_id).join(ExamCandidate, mine))
        .group_by(AttemptItem.attempt_id))}
    parts = {p.id: p.title for p in session.exam.parts}
    out = []
    for person in people:
        info = extra[person.id]
        attempt = _current(by_user.get(person.user_id, []))
        state = CandidateState(person.id, person.full_name, person.employee_code, person.room_id, person.seat,
                               "absent", clock.as_utc(info.checked_in_at), info.absent_at is not None,
                               info.extra_minutes)
        if attempt is not None:
            deadline = clock.as_utc(attempt.deadline_at)
            state.state = ("started" if attempt.state == "open" and deadline > now
                           else "submitted" if attempt.state == "submitted" else "closed")
            state.attempt_id, state.part = attempt.id, parts.get(attempt.part_id, "")
            state.last_saved_at = clock.as_utc(attempt.last_saved_at)
            state.items, state.answered = counts.get(attempt.id, (0, 0))
            state.reopened_count = attempt.reopened_count
            if state.state == "started":
                state.remaining_seconds = int((deadline - now).total_seconds())
        elif info.checked_in_at is not None and info.absent_at is None:
            state.state = "waiting"
        out.append(state)
    return out


def summary(states: list[CandidateState]) -> dict[str, int]:
    return {name: sum(1 for s in states if s.state == name) for name in STATES}


# --- proctor actions -------------------------------------------------------------------------

def _reason(reason: str) -> str:
    reason = text.clean(reason or "")
    if not reason:
        raise SessionError(_("Hãy ghi lý do (được lưu vào nhật ký)."))
    return reason[:255]


def _minutes(minutes) -> int:
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_EXTRA_MINUTES:
        raise SessionError(_("Số phút phải từ 1 đến %(n)d.", n=MAX_EXTRA_MINUTES))
    return minutes


def _attempts(candidate: ExamCandidate) -> list[ExamAttempt]:
    return list(db.session.scalars(select(ExamAttempt).where(
        ExamAttempt.session_id == candidate.session_id, ExamAttempt.user_id == candidate.user_id)
        .with_for_update()))


def give_extra_time(actor: Actor, candidate_id: int, minutes: int, reason: str) -> ExamCandidate:
    """Add minutes to the candidate's running attempt (its deadline moves) and to the parts still to
    come (`extra_minutes`). A finished attempt is refused: it must be reopened instead."""
    candidate = candidate_for(actor, candidate_id)
    minutes, reason = _minutes(minutes), _reason(reason)
    attempt = _current(_attempts(candidate))
    now = clock.now()
    before = {"extra_minutes": candidate.extra_minutes}
    if attempt is not None:
        deadline = clock.as_utc(attempt.deadline_at)
        if attempt.state != "open" or deadline <= now:
            db.session.rollback()
            raise SessionError(_("Bài làm đã kết thúc (đã nộp hoặc hết giờ): không cộng giờ được; "
                                 "hãy dùng “Mở lại bài”."))
        moved = db.session.execute(
            update(ExamAttempt).where(ExamAttempt.id == attempt.id, ExamAttempt.state == "open",
                                      ExamAttempt.deadline_at == attempt.deadline_at)
            .values(deadline_at=deadline + timedelta(minutes=minutes))
            .execution_options(synchronize_session=False)).rowcount
        if moved != 1:   # submitted (or moved by another proctor) meanwhile
            db.session.rollback()
            raise SessionError(_("Bài làm vừa thay đổi; hãy tải lại trang và thử lại."))
        before["deadline_at"] = deadline.isoformat()
    candidate.extra_minutes += minutes
    after = {"extra_minutes": candidate.extra_minutes, "minutes": minutes, "reason": reason,
             "attempt_id": attempt.id if attempt else None}
    if attempt is not None:
        after["deadline_at"] = (deadline + timedelta(minutes=minutes)).isoformat()
    audit(actor, "exam_candidate.extra_time", "exam_candidate", candidate.id, before=before, after=after)
    db.session.commit()
    return candidate


def reopen_attempt(actor: Actor, candidate_id: int, minutes: int, reason: str) -> ExamAttempt:
    """Give a finished attempt N more minutes from now (a power cut, a crashed computer)."""
    candidate = candidate_for(actor, candidate_id)
    minutes, reason = _minutes(minutes), _reason(reason)
    attempt = _current(_attempts(candidate))
    now = clock.now()
    if attempt is None:
        db.session.rollback()
        raise SessionError(_("Thí sinh chưa bắt đầu làm bài: không có gì để mở lại."))
    if attempt.state == "open" and clock.as_utc(attempt.deadline_at) > now:
        db.session.rollback()
        raise SessionError(_("Bài làm đang mở: hãy dùng “Cộng giờ”."))
    before = {"state": attempt.state, "deadline_at": clock.as_utc(attempt.deadline_at).isoformat(),
              "finished_at": attempt.finished_at.isoformat() if attempt.finished_at else None,
              "points": attempt.points, "reopened_count": attempt.reopened_count}
    attempt.state, attempt.finished_at = "open", None
    attempt.deadline_at = now + timedelta(minutes=minutes)
    attempt.points = attempt.passed = None   # marked again when it finishes
    attempt.reopened_count += 1
    audit(actor, "exam_attempt.reopen", "exam_attempt", attempt.id, before=before,
          after={"state": "open", "deadline_at": attempt.deadline_at.isoformat(), "minutes": minutes,
                 "reason": reason, "reopened_count": attempt.reopened_count, "candidate_id": candidate.id})
    db.session.commit()
    return attempt


def mark_absent(actor: Actor, candidate_id: int, reason: str) -> ExamCandidate:
    """Record that the candidate did not come: they can no longer start in this session."""
    candidate = candidate_for(actor, candidate_id)
    reason = _reason(reason)
    if _attempts(candidate):
        db.session.rollback()
        raise SessionError(_("Thí sinh đã bắt đầu làm bài: không ghi vắng được."))
    if candidate.absent_at is None:
        candidate.absent_at = clock.now()
        audit(actor, "exam_candidate.absent", "exam_candidate", candidate.id,
              after={"absent_at": candidate.absent_at.isoformat(), "reason": reason})
    db.session.commit()
    return candidate


def clear_absent(actor: Actor, candidate_id: int, reason: str) -> ExamCandidate:
    """Undo a mark of absence (the candidate came late, or the wrong line was marked): they may start
    again while the session is open. Written to the audit log with the reason."""
    candidate = candidate_for(actor, candidate_id)
    reason = _reason(reason)
    if candidate.absent_at is not None:
        audit(actor, "exam_candidate.present", "exam_candidate", candidate.id,
              before={"absent_at": candidate.absent_at.isoformat()}, after={"absent_at": None, "reason": reason})
        candidate.absent_at = None
    db.session.commit()
    return candidate
