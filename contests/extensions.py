"""Extra time for some entries at the end of a programming round: a school lost power or its
connection for twenty minutes, so its pupils may submit twenty minutes past the round's end, and
nobody else may (CMS calls it extra time; the round's own end moves for everyone: rounds.py).

An extension is per (round, entry), in minutes, with a reason; granting it again replaces it. An
organiser extends one entry or every approved entry of a school at once. Only programming rounds:
a quiz's window is its exam's (one for all), and a creative round's jury opens at the round's end.
Submissions made in the extra time count like any other (ICPC minutes from the start, hidden by a
freeze until the jury reveals the board). Granting and removing are audited.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select

from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db

from .models import Entry, Round, RoundExtension
from .services import ContestError, NotFound, managed_round_for, may_manage

MAX_MINUTES = 600


def minutes_for(rnd: Round, entry: Entry | None) -> int:
    if entry is None or rnd.kind != "programming":
        return 0
    return db.session.scalar(select(RoundExtension.minutes).where(RoundExtension.round_id == rnd.id,
                                                                  RoundExtension.entry_id == entry.id)) or 0


def ends_for(rnd: Round, entry: Entry | None) -> datetime:
    """When the round ends for this entry (its own extra time included); the round's end for anyone else."""
    return clock.as_utc(rnd.ends_at) + timedelta(minutes=minutes_for(rnd, entry))


def open_for(rnd: Round, entry: Entry | None, at: datetime | None = None) -> bool:
    at = at or clock.now()
    return clock.as_utc(rnd.starts_at) <= at < ends_for(rnd, entry)


def extensions_of(rnd: Round) -> list[RoundExtension]:
    return list(db.session.scalars(select(RoundExtension).where(RoundExtension.round_id == rnd.id)
                                   .order_by(RoundExtension.granted_at, RoundExtension.id)))


def listing(rnd: Round) -> list[tuple[RoundExtension, datetime]]:
    """The round's extensions, each with the moment its entry may submit until."""
    end = clock.as_utc(rnd.ends_at)
    return [(x, end + timedelta(minutes=x.minutes)) for x in extensions_of(rnd)]


def targets(rnd: Round) -> list[tuple[str, str]]:
    """The choices of the form: each school with approved entries ("school:<id>"), then each entry."""
    entries = list(db.session.scalars(select(Entry).where(Entry.division_id == rnd.division_id,
                                                          Entry.status == "approved")))
    schools = sorted({(e.school.id, e.school.name) for e in entries if e.school is not None},
                     key=lambda s: text.sort_key(s[1]))
    return [(f"school:{sid}", _("Cả trường: %(name)s", name=name)) for sid, name in schools] + \
        [(f"entry:{e.id}", f"{e.name} · {e.school.name if e.school else e.school_name}")
         for e in sorted(entries, key=lambda e: text.sort_key(e.name))]


def grant(actor: Actor, round_id: int, *, target: str, minutes, reason: str) -> int:
    """Give `minutes` of extra time to one entry ("entry:<id>") or every approved entry of a school
    ("school:<id>") of the round's division; returns how many entries. ContestError otherwise."""
    rnd = managed_round_for(actor, round_id)
    if rnd.kind != "programming":
        raise ContestError(_("Chỉ gia hạn riêng được ở vòng thi lập trình; vòng này hãy đổi giờ kết thúc của cả vòng."))
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        raise ContestError(_("Số phút gia hạn phải từ 1 đến %(n)d.", n=MAX_MINUTES))
    reason = text.clean(reason or "")
    if not reason or len(reason) > 500:
        raise ContestError(_("Hãy ghi lý do gia hạn (tối đa 500 ký tự)."))
    kind, _sep, raw_id = (target or "").partition(":")
    stmt = select(Entry).where(Entry.division_id == rnd.division_id, Entry.status == "approved")
    if kind == "entry" and raw_id.isdigit():
        stmt = stmt.where(Entry.id == int(raw_id))
    elif kind == "school" and raw_id.isdigit():
        stmt = stmt.where(Entry.school_id == int(raw_id))
    else:
        raise ContestError(_("Hãy chọn bài dự thi hoặc trường được gia hạn."))
    entries = list(db.session.scalars(stmt.order_by(Entry.id)))
    if not entries:
        raise ContestError(_("Không có bài dự thi nào được duyệt khớp lựa chọn này."))
    held = {x.entry_id: x for x in extensions_of(rnd)}
    now = clock.now()
    for entry in entries:
        found = held.get(entry.id)
        if found is None:
            db.session.add(RoundExtension(round_id=rnd.id, entry_id=entry.id, minutes=minutes, reason=reason,
                                          granted_by=actor.user_id, granted_at=now))
        else:
            found.minutes, found.reason, found.granted_by, found.granted_at = minutes, reason, actor.user_id, now
    audit(actor, "contest.round.extend", "contest_round", rnd.id,
          after={"entries": [e.id for e in entries], "minutes": minutes, "reason": reason})
    db.session.commit()
    return len(entries)


def remove(actor: Actor, extension_id: int) -> Round:
    """Take an extension back (a wrong school chosen); returns its round."""
    found = db.session.get(RoundExtension, extension_id)
    if found is None:
        raise NotFound(extension_id)
    rnd = db.session.get(Round, found.round_id)
    if not may_manage(actor, rnd.division.contest):
        raise NotFound(extension_id)
    audit(actor, "contest.round.extension_remove", "contest_round", rnd.id,
          before={"entry": found.entry_id, "minutes": found.minutes, "reason": found.reason})
    db.session.execute(delete(RoundExtension).where(RoundExtension.id == found.id))
    db.session.commit()
    return rnd


__all__ = ["MAX_MINUTES", "ends_for", "extensions_of", "grant", "listing", "minutes_for", "open_for", "remove", "targets"]
