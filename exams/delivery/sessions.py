"""Exam sessions (ca thi): creation by an organiser in scope, rooms with a proctor, candidates taken
from the organisation tree, automatic room and seat assignment, and the opening that starts every
waiting candidate's clock at one instant.

Access, one function per object kind: `session_for` (an organiser whose scope covers the session's
unit, or the proctor of one of its rooms), `managed_session` (organisers only: set-up changes),
`room_for`, `candidate_for` (organiser in scope, or the proctor of the candidate's room) and
`candidacy_for` (a candidate's own row). Whatever the actor may not reach is a NotFound (404).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update

from exams.services import NotFound
from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.accounts.models import User
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation, Person

from .models import Exam, ExamAttempt, ExamCandidate, ExamRoom, ExamSession

ORGANISER = ("organiser",)
MAX_ROOM_CAPACITY = 1000


class SessionError(Exception):
    """A refused change to a session; `str(exc)` is the message for the user."""


def _valid_id(value) -> bool:
    return isinstance(value, int) and 0 < value < 2**31


def _not_found():
    return NotFound(_("Không tìm thấy ca thi."))


# --- access ----------------------------------------------------------------------------------

def _load(session_id) -> ExamSession | None:
    if not _valid_id(session_id):
        return None
    return db.session.get(ExamSession, session_id)


def _unit_path(session: ExamSession) -> str:
    return db.session.get(Organisation, session.organisation_id).path


def organises(actor: Actor, session: ExamSession) -> bool:
    return actor.may(*ORGANISER) and actor.covers(_unit_path(session), *ORGANISER)


def session_for(actor: Actor, session_id: int) -> ExamSession:
    """The session if the actor organises it (scope) or proctors one of its rooms; else NotFound."""
    session = _load(session_id)
    if session is None:
        raise _not_found()
    if organises(actor, session) or (actor.user_id is not None
                                     and any(r.proctor_user_id == actor.user_id for r in session.rooms)):
        return session
    raise _not_found()


def managed_session(actor: Actor, session_id: int) -> ExamSession:
    """The session if an organiser whose scope covers its unit acts (set-up changes); else NotFound."""
    session = _load(session_id)
    if session is None or not organises(actor, session):
        raise _not_found()
    return session


def room_scope(actor: Actor, session: ExamSession) -> set[int] | None:
    """The rooms of the session the actor acts on: None for all (organiser), else the proctored ones."""
    if organises(actor, session):
        return None
    return {r.id for r in session.rooms if r.proctor_user_id == actor.user_id}


def room_for(actor: Actor, session_id: int, room_id: int) -> ExamRoom:
    session = session_for(actor, session_id)
    rooms = room_scope(actor, session)
    room = next((r for r in session.rooms if r.id == room_id), None)
    if room is None or (rooms is not None and room.id not in rooms):
        raise NotFound(_("Không tìm thấy phòng thi."))
    return room


def candidate_for(actor: Actor, candidate_id: int) -> ExamCandidate:
    """A candidate row if the actor organises its session or proctors the candidate's room."""
    candidate = db.session.get(ExamCandidate, candidate_id) if _valid_id(candidate_id) else None
    if candidate is not None:
        session = candidate.session
        if organises(actor, session):
            return candidate
        if candidate.room_id is not None and candidate.room.proctor_user_id == actor.user_id:
            return candidate
    raise NotFound(_("Không tìm thấy thí sinh."))


def candidacy_for(actor: Actor, session_id: int) -> ExamCandidate:
    """The actor's own place in a session (the waiting room); NotFound if they are not listed."""
    row = db.session.execute(select(ExamCandidate, ExamSession)   # the session comes along: no second query
                             .join(ExamSession, ExamSession.id == ExamCandidate.session_id)
                             .where(ExamCandidate.session_id == session_id, ExamCandidate.user_id == actor.user_id)
                             ).first() if _valid_id(session_id) and actor.user_id else None
    if row is None:
        raise _not_found()
    return row[0]


# --- set-up ----------------------------------------------------------------------------------

def _exam_unit(actor: Actor, exam_id: int, organisation_id: int) -> tuple[Exam, Organisation]:
    exam = db.session.get(Exam, exam_id) if _valid_id(exam_id) else None
    unit = db.session.get(Organisation, organisation_id) if _valid_id(organisation_id) else None
    if exam is None or exam.kind != "exam":
        raise NotFound(_("Không tìm thấy kỳ thi."))
    if unit is None or not actor.covers(unit.path, *ORGANISER):
        raise SessionError(_("Đơn vị tổ chức ca thi phải thuộc phạm vi bạn quản lý."))
    if not unit.path.startswith(exam.organisation.path):
        raise SessionError(_("Đơn vị tổ chức ca thi phải thuộc đơn vị của kỳ thi (%(u)s).",
                             u=exam.organisation.name))
    return exam, unit


def _clean_name(name: str, limit: int = 255) -> str:
    name = text.clean(name)
    if not name or len(name) > limit:
        raise SessionError(_("Tên phải có từ 1 đến %(n)d ký tự.", n=limit))
    return name


def create_session(actor: Actor, *, exam_id: int, organisation_id: int, name: str,
                   starts_at: datetime) -> ExamSession:
    if not actor.may(*ORGANISER):
        raise _not_found()
    exam, unit = _exam_unit(actor, exam_id, organisation_id)
    session = ExamSession(exam_id=exam.id, organisation_id=unit.id, name=_clean_name(name),
                          starts_at=starts_at, created_by=actor.user_id)
    db.session.add(session)
    db.session.flush()
    audit(actor, "exam_session.create", "exam_session", session.id,
          after={"exam_id": exam.id, "organisation_id": unit.id, "name": session.name,
                 "starts_at": starts_at.isoformat()})
    db.session.commit()
    return session


def update_session(actor: Actor, session: ExamSession, *, organisation_id: int, name: str,
                   starts_at: datetime) -> ExamSession:
    _exam, unit = _exam_unit(actor, session.exam_id, organisation_id)
    before = {"organisation_id": session.organisation_id, "name": session.name,
              "starts_at": session.starts_at.isoformat()}
    session.organisation_id, session.name, session.starts_at = unit.id, _clean_name(name), starts_at
    audit(actor, "exam_session.update", "exam_session", session.id, before=before,
          after={"organisation_id": unit.id, "name": session.name, "starts_at": starts_at.isoformat()})
    db.session.commit()
    return session


def _proctor_id(username: str | None) -> int | None:
    username = text.clean(username or "")
    if not username:
        return None
    user = db.session.scalar(select(User).where(User.username_key == text.code_key(username)))
    if user is None or not user.active:
        raise SessionError(_("Không có tài khoản đang hoạt động tên %(u)s để làm giám thị.", u=username))
    return user.id


def _capacity(capacity) -> int | None:
    if capacity in (None, ""):
        return None
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_ROOM_CAPACITY:
        raise SessionError(_("Sức chứa phải từ 1 đến %(n)d.", n=MAX_ROOM_CAPACITY))
    return capacity


def save_room(actor: Actor, session: ExamSession, room: ExamRoom | None, *, name: str, capacity: int | None,
              proctor_username: str | None) -> ExamRoom:
    """Add a room to the session (room None) or change one; the proctor is named by username."""
    values = {"name": _clean_name(name, 100), "capacity": _capacity(capacity),
              "proctor_user_id": _proctor_id(proctor_username)}
    if any(r.name == values["name"] and r is not room for r in session.rooms):
        raise SessionError(_("Ca thi đã có phòng tên %(n)s.", n=values["name"]))
    before = None
    if room is None:
        room = ExamRoom(session=session, **values)
        db.session.add(room)
    else:
        before = {"name": room.name, "capacity": room.capacity, "proctor_user_id": room.proctor_user_id}
        for key, value in values.items():
            setattr(room, key, value)
    db.session.flush()
    audit(actor, "exam_room.save", "exam_room", room.id, before=before, after=values)
    db.session.commit()
    return room


def delete_room(actor: Actor, session: ExamSession, room: ExamRoom) -> int:
    """Remove a room (added by mistake, or not available on the day). Its candidates lose their room
    and seat (assign again); refused once one of them has started. Returns how many were unseated."""
    seated = select(ExamCandidate.user_id).where(ExamCandidate.room_id == room.id)
    started = db.session.scalar(select(func.count()).select_from(ExamAttempt).where(
        ExamAttempt.session_id == session.id, ExamAttempt.user_id.in_(seated)))
    if started:
        raise SessionError(_("Thí sinh của phòng này đã bắt đầu làm bài: không xoá phòng được."))
    unseated = db.session.execute(update(ExamCandidate).where(ExamCandidate.room_id == room.id)
                                  .values(room_id=None, seat=None)).rowcount
    audit(actor, "exam_room.delete", "exam_room", room.id,
          before={"name": room.name, "capacity": room.capacity, "proctor_user_id": room.proctor_user_id,
                  "session_id": session.id, "unseated": unseated})
    db.session.delete(room)
    db.session.commit()
    return unseated


# --- candidates ------------------------------------------------------------------------------

def candidate_scope_problem(actor: Actor, session: ExamSession, person: Person | None) -> str | None:
    """Why this member of staff may not sit in the session (None when they may)."""
    if person is None:
        if actor.province_wide(*ORGANISER):
            return None
        return _("tài khoản không gắn với cán bộ nào trong phạm vi của bạn")
    if person.has_left:
        return _("cán bộ đã nghỉ hoặc chuyển công tác")
    if not actor.covers(person.organisation.path, *ORGANISER):
        return _("cán bộ ngoài phạm vi bạn quản lý")
    if not person.organisation.path.startswith(session.exam.organisation.path):
        return _("cán bộ không thuộc đơn vị của kỳ thi")
    return None


def add_candidates(actor: Actor, session: ExamSession, pairs: list[tuple[int, int | None]], *,
                   source: str) -> int:
    """Insert (user_id, person_id) pairs not in the session yet, in one statement; returns how many.
    The caller has checked scope; this writes, audits and commits."""
    existing = set(db.session.scalars(select(ExamCandidate.user_id).where(ExamCandidate.session_id == session.id)))
    fresh, seen = [], set()
    for user_id, person_id in pairs:
        if user_id not in existing and user_id not in seen:
            seen.add(user_id)
            fresh.append({"session_id": session.id, "user_id": user_id, "person_id": person_id, "extra_minutes": 0})
    if fresh:
        db.session.execute(insert(ExamCandidate), fresh)
    audit(actor, "exam_session.add_candidates", "exam_session", session.id,
          after={"added": len(fresh), "source": source})
    db.session.commit()
    return len(fresh)


def add_unit_staff(actor: Actor, session: ExamSession, organisation_id: int, *, subtree: bool) -> int:
    """Add every member of staff of a unit (and its subtree) who has an active account."""
    unit = db.session.get(Organisation, organisation_id) if _valid_id(organisation_id) else None
    if unit is None or not actor.covers(unit.path, *ORGANISER):
        raise SessionError(_("Đơn vị phải thuộc phạm vi bạn quản lý."))
    if not unit.path.startswith(session.exam.organisation.path):
        raise SessionError(_("Đơn vị không thuộc đơn vị của kỳ thi."))
    where = Organisation.subtree_clause(unit.path) if subtree else Organisation.id == unit.id
    pairs = db.session.execute(
        select(User.id, Person.id).join(Person, Person.id == User.person_id)
        .join(Organisation, Organisation.id == Person.organisation_id)
        .where(where, Person.left_at.is_(None), User.active.is_(True))).all()
    return add_candidates(actor, session, [(u, p) for u, p in pairs], source=f"unit:{unit.code}")


def remove_candidate(actor: Actor, candidate: ExamCandidate) -> None:
    started = db.session.scalar(select(func.count()).select_from(ExamAttempt).where(
        ExamAttempt.session_id == candidate.session_id, ExamAttempt.user_id == candidate.user_id))
    if started:
        raise SessionError(_("Thí sinh đã bắt đầu làm bài: không bỏ khỏi ca thi được."))
    audit(actor, "exam_session.remove_candidate", "exam_session", candidate.session_id,
          before={"user_id": candidate.user_id, "room_id": candidate.room_id})
    db.session.delete(candidate)
    db.session.commit()


@dataclass
class Listed:
    """One candidate as lists show them (proctor page, attendance list, session page)."""
    id: int
    user_id: int
    full_name: str
    username: str
    employee_code: str
    unit: str
    room_id: int | None
    seat: str | None


def listed_candidates(session: ExamSession, room_ids: set[int] | None = None) -> list[Listed]:
    """Candidates of the session (optionally of some rooms) in Vietnamese name order, one query."""
    query = (select(ExamCandidate.id, ExamCandidate.user_id, User.full_name, User.username, Person.employee_code,
                    Organisation.name, ExamCandidate.room_id, ExamCandidate.seat)
             .join(User, User.id == ExamCandidate.user_id)
             .outerjoin(Person, Person.id == ExamCandidate.person_id)
             .outerjoin(Organisation, Organisation.id == Person.organisation_id)
             .where(ExamCandidate.session_id == session.id))
    if room_ids is not None:
        query = query.where(ExamCandidate.room_id.in_(room_ids))
    query = query.order_by(text.vi_order(User.full_name), ExamCandidate.id)
    return [Listed(*row[:4], row[4] or "", row[5] or "", row[6], row[7]) for row in db.session.execute(query)]


def assign_rooms(actor: Actor, session: ExamSession) -> dict[str, int]:
    """Seat every candidate: rooms in order, filled up to capacity (a room without a capacity takes
    the rest), candidates in Vietnamese name order, seats numbered from 01 in each room. All or
    nothing: when the rooms are too small nobody is moved and the message says how many are left."""
    rooms = sorted(session.rooms, key=lambda r: (r.capacity is None, r.id))
    if not rooms:
        raise SessionError(_("Ca thi chưa có phòng nào."))
    people = listed_candidates(session)
    room_sizes = [r.capacity if r.capacity is not None else len(people) for r in rooms]
    if sum(room_sizes) < len(people):
        raise SessionError(_("Các phòng chỉ chứa được %(c)d thí sinh, còn thiếu chỗ cho %(n)d.",
                             c=sum(room_sizes), n=len(people) - sum(room_sizes)))
    rows, index = [], 0
    for room, size in zip(rooms, room_sizes):
        for seat in range(1, size + 1):
            if index >= len(people):
                break
            rows.append({"id": people[index].id, "room_id": room.id, "seat": f"{seat:02d}"})
            index += 1
    if rows:
        db.session.execute(update(ExamCandidate), rows)   # ORM bulk update by primary key: one executemany
    counts = {r.name: sum(1 for row in rows if row["room_id"] == r.id) for r in rooms}
    audit(actor, "exam_session.assign_rooms", "exam_session", session.id, after=counts)
    db.session.commit()
    db.session.expire_all()
    return counts


# --- opening ---------------------------------------------------------------------------------

def open_session(actor: Actor, session: ExamSession) -> bool:
    """Start every candidate's clock now: ONE conditional UPDATE of the session row (the candidates'
    deadlines are computed from `opened_at` when each one starts). False if it was open already."""
    if session.closed_at is not None:
        raise SessionError(_("Ca thi đã kết thúc."))
    now = clock.now()
    changed = db.session.execute(update(ExamSession).where(ExamSession.id == session.id,
                                                           ExamSession.opened_at.is_(None))
                                 .values(opened_at=now).execution_options(synchronize_session=False)).rowcount
    if changed:
        audit(actor, "exam_session.open", "exam_session", session.id, after={"opened_at": now.isoformat()})
    db.session.commit()
    db.session.refresh(session)
    return bool(changed)


def close_session(actor: Actor, session: ExamSession) -> None:
    """No one enters any more (the waiting room shows it ended); open attempts run to their deadline."""
    if session.closed_at is None:
        session.closed_at = clock.now()
        audit(actor, "exam_session.close", "exam_session", session.id, after={"closed_at": session.closed_at.isoformat()})
        db.session.commit()
