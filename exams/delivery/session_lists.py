"""Lists of the session pages: exams and units an organiser may run sessions for, the sessions an
actor organises (scope, in SQL) or proctors, a candidate's own sessions, room counts and proctors."""
from __future__ import annotations

from sqlalchemy import false, func, or_, select

from tinhoc.access import Actor
from tinhoc.accounts.models import User
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation

from .models import Exam, ExamCandidate, ExamRoom, ExamSession
from .sessions import ORGANISER

def _ancestor_paths(paths) -> set[str]:
    """Every path on the way down to the given units ("/1/", "/1/2/" for "/1/2/")."""
    out = set()
    for path in paths:
        segments = [s for s in path.split("/") if s]
        for n in range(1, len(segments) + 1):
            out.add("/" + "/".join(segments[:n]) + "/")
    return out


def exams_for_sessions(actor: Actor) -> list[Exam]:
    """Exams the actor may run sessions for: the exam's unit is above or inside their scope."""
    paths = actor.paths(*ORGANISER)
    query = select(Exam).join(Organisation, Organisation.id == Exam.organisation_id).where(Exam.kind == "exam")
    if paths is not None:
        query = query.where(or_(actor.scope_clause(*ORGANISER), Organisation.path.in_(_ancestor_paths(paths))))
    return list(db.session.scalars(query.order_by(Exam.opens_at.desc(), Exam.id.desc()).limit(200)))


def units_for_sessions(actor: Actor) -> list[Organisation]:
    query = select(Organisation).where(actor.scope_clause(*ORGANISER), Organisation.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(Organisation.path).limit(2000)))


def list_sessions(actor: Actor) -> list[tuple[ExamSession, int]]:
    """Sessions the actor organises (scope, in SQL) or proctors, newest first, with candidate counts."""
    counts = (select(ExamCandidate.session_id, func.count().label("n"))
              .group_by(ExamCandidate.session_id).subquery())
    organised = actor.scope_clause(*ORGANISER) if actor.may(*ORGANISER) else false()
    rows = db.session.execute(
        select(ExamSession, func.coalesce(counts.c.n, 0))
        .join(Organisation, Organisation.id == ExamSession.organisation_id)
        .outerjoin(counts, counts.c.session_id == ExamSession.id)
        .where(or_(organised, ExamSession.id.in_(select(ExamRoom.session_id).where(ExamRoom.proctor_user_id == actor.user_id))))
        .order_by(ExamSession.starts_at.desc(), ExamSession.id.desc()).limit(200)).all()
    return [(s, n) for s, n in rows]


def my_sessions(actor: Actor) -> list[ExamCandidate]:
    """The candidate's places in sessions not closed yet (the waiting rooms they may enter)."""
    return list(db.session.scalars(
        select(ExamCandidate).join(ExamSession, ExamSession.id == ExamCandidate.session_id)
        .where(ExamCandidate.user_id == actor.user_id, ExamSession.closed_at.is_(None))
        .order_by(ExamSession.starts_at)))


def room_counts(session: ExamSession) -> dict[int | None, int]:
    rows = db.session.execute(select(ExamCandidate.room_id, func.count()).where(
        ExamCandidate.session_id == session.id).group_by(ExamCandidate.room_id)).all()
    return {room_id: n for room_id, n in rows}



def proctor_names(session: ExamSession) -> dict[int, str]:
    """Room id -> the proctor's name and username, one query."""
    ids = {r.proctor_user_id for r in session.rooms if r.proctor_user_id}
    users = {u.id: f"{u.full_name} ({u.username})" for u in db.session.scalars(select(User).where(User.id.in_(ids)))} \
        if ids else {}
    return {r.id: users[r.proctor_user_id] for r in session.rooms if r.proctor_user_id in users}


def home_panel(actor: Actor) -> dict | None:
    """The home page's "my sessions" panel: where a candidate finds their waiting room (one query)."""
    if actor.user_id is None:
        return None
    rows = db.session.execute(
        select(ExamSession.id, ExamSession.name, ExamSession.starts_at, ExamSession.opened_at, Exam.title)
        .join(ExamCandidate, ExamCandidate.session_id == ExamSession.id)
        .join(Exam, Exam.id == ExamSession.exam_id)
        .where(ExamCandidate.user_id == actor.user_id, ExamSession.closed_at.is_(None),
               ExamCandidate.absent_at.is_(None))
        .order_by(ExamSession.starts_at).limit(10)).all()
    return {"sessions": rows} if rows else None
