"""Clarifications (a contestant's question; the jury answers privately or to the whole round) and
announcements. Plain text: escaped when shown, never HTML."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select

from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db

from tinhoc.orgs.models import Organisation

from . import extensions
from .models import Announcement, Clarification, Contest, Division, Round
from .services import ContestError, NotFound, manage_clause, round_for

MAX_TEXT = 2000


def _clean(value: str) -> str:
    value = text.clean(value or "", multiline=True)
    if not value:
        raise ContestError(_("Hãy ghi nội dung."))
    if len(value) > MAX_TEXT:
        raise ContestError(_("Nội dung dài quá %(n)s ký tự.", n=MAX_TEXT))
    return value


def ask(actor: Actor, round_id: int, question: str, problem_id: int | None = None) -> Clarification:
    rnd, entry, _manager = round_for(actor, round_id)
    if entry is None:
        raise ContestError(_("Chỉ thí sinh của vòng thi mới gửi câu hỏi."))
    if clock.now() >= extensions.ends_for(rnd, entry):       # an entry with extra time may still ask
        raise ContestError(_("Vòng thi đã kết thúc."))
    if problem_id is not None and problem_id not in {p.id for p in rnd.problems}:
        problem_id = None
    clar = Clarification(round_id=rnd.id, entry_id=entry.id, problem_id=problem_id, question=_clean(question),
                         asked_at=clock.now())
    db.session.add(clar)
    db.session.commit()
    return clar


def clarification_for_manager(actor: Actor, clar_id: int) -> Clarification:
    clar = db.session.scalar(select(Clarification).join(Round, Round.id == Clarification.round_id)
                             .join(Division, Division.id == Round.division_id)
                             .join(Contest, Contest.id == Division.contest_id)
                             .outerjoin(Organisation, Organisation.id == Contest.organisation_id)
                             .where(Clarification.id == clar_id, manage_clause(actor)))
    if clar is None:
        raise NotFound(clar_id)
    return clar


def answer(actor: Actor, clar_id: int, reply: str, broadcast: bool) -> Clarification:
    clar = clarification_for_manager(actor, clar_id)
    clar.answer = _clean(reply)
    clar.broadcast = broadcast
    clar.answered_at = clock.now()
    audit(actor, "contest.clarification.answer", "contest_clarification", clar.id, after={"broadcast": broadcast})
    db.session.commit()
    return clar


def announce(actor: Actor, rnd: Round, message: str) -> Announcement:
    note = Announcement(round_id=rnd.id, text=_clean(message), created_at=clock.now())
    db.session.add(note)
    db.session.flush()
    audit(actor, "contest.announcement.create", "contest_announcement", note.id)
    db.session.commit()
    return note


def for_round(rnd: Round, entry, manager: bool) -> tuple[list[Clarification], list[Announcement]]:
    """The jury sees every question; a contestant their own and the broadcast answers."""
    stmt = select(Clarification).where(Clarification.round_id == rnd.id).order_by(Clarification.id.desc())
    if not manager:
        own = Clarification.entry_id == entry.id if entry is not None else False
        stmt = stmt.where(or_(own, Clarification.broadcast.is_(True)))
    notes = db.session.scalars(select(Announcement).where(Announcement.round_id == rnd.id)
                               .order_by(Announcement.id.desc()))
    return list(db.session.scalars(stmt)), list(notes)
