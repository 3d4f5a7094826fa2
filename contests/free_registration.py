"""Free candidates (thí sinh tự do): self-registration for a division the organiser opened to them.

The flag lives on the division, not the round: an entry belongs to a division and an approved entry
reaches every round of it, so the online preliminary round is the division (of a contest, often one
of its own) that the organiser opens. Anyone may register during the contest's registration window:
the grade is checked as a school's registration checks it, the same person (name folded, date of
birth) may not enter a division twice, an account is made with the chosen password (the accounts'
rule) unless the registrant is logged in already, and the entry waits for an organiser's approval.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from tinhoc import text
from tinhoc.access import Actor
from tinhoc.accounts.models import User
from tinhoc.accounts.services import AccountError, check_strength, ensure_roles, hash_password
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation

from .models import Contest, Division, Entry, EntryMember
from .registration import Pupil, add_contestant_user, eligibility_error
from .registration_window import closed_reason
from .services import ContestError, NotFound, may_manage

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^(\+84|0)\d{8,10}$")
LEVEL_GRADES = {"primary": (1, 5), "lower": (6, 9), "upper": (10, 12), "upper_specialist": (10, 12)}


@dataclass
class Application:
    full_name: str
    date_of_birth: date | None
    grade: int
    school_level: str
    school_id: int | None = None      # a school of ours, chosen from the list
    school_name: str = ""             # else as typed
    contact: str = ""                 # e-mail or phone (required for a new account)
    password: str = ""                # for a new account


@dataclass
class Registered:
    entry: Entry
    username: str
    new_account: bool


def open_division(division_id: int) -> Division:
    """A division open to free candidates (any other, or none: NotFound)."""
    division = db.session.get(Division, division_id)
    if division is None or not division.open_to_free:
        raise NotFound(division_id)
    return division


def open_divisions() -> list[Division]:
    """Every division open to free candidates whose contest's registration window is open now."""
    found = db.session.scalars(select(Division).join(Contest, Contest.id == Division.contest_id)
                               .where(Division.open_to_free.is_(True))
                               .order_by(Contest.year.desc(), Contest.id, Division.code))
    return [d for d in found if closed_reason(d.contest) is None]


def schools_for(division: Division) -> list[Organisation]:
    """The schools a candidate may choose: those within the contest's unit (all for a province contest)."""
    stmt = select(Organisation).where(Organisation.kind == "school", Organisation.archived_at.is_(None))
    unit = division.contest.organisation
    if unit is not None:
        stmt = stmt.where(Organisation.path.startswith(unit.path))
    return sorted(db.session.scalars(stmt), key=lambda o: text.sort_key(o.name))


def managed_division(actor: Actor, division_id: int) -> Division:
    division = db.session.get(Division, division_id)
    if division is None or not may_manage(actor, division.contest):
        raise NotFound(division_id)
    return division


def set_open(actor: Actor, division: Division, open_: bool) -> Division:
    if not may_manage(actor, division.contest):
        raise NotFound(division.id)
    if division.open_to_free != open_:
        division.open_to_free = open_
        audit(actor, "contest.division.free_candidates", "contest_division", division.id,
              before={"open": not open_}, after={"open": open_})
        db.session.commit()
    return division


def _clean_contact(value: str) -> str:
    contact = text.clean(value).replace(" ", "").replace(".", "").replace("-", "") if "@" not in (value or "") else text.clean(value)
    if EMAIL.match(contact) or PHONE.match(contact):
        return contact
    raise ContestError(_("Hãy nhập thư điện tử hoặc số điện thoại hợp lệ (ví dụ 0912345678)."))


def _duplicate(division: Division, full_name: str, born: date, user_id: int | None) -> bool:
    """The same person (name without tones or case, date of birth) or the same account is in the division."""
    members = db.session.scalars(select(EntryMember).join(Entry, Entry.id == EntryMember.entry_id)
                                 .where(Entry.division_id == division.id,
                                        (EntryMember.date_of_birth == born) | (EntryMember.user_id == user_id)))
    key = text.fold(full_name)
    return any(m.user_id == user_id or text.fold(m.full_name) == key for m in members)


def register(actor: Actor, division: Division, app: Application) -> Registered:
    """Register a free candidate (the logged-in actor themselves, else a new account); pending."""
    reason = closed_reason(division.contest)
    if reason:
        raise ContestError(reason)
    full_name = text.clean(app.full_name)
    if not full_name:
        raise ContestError(_("Hãy nhập họ và tên."))
    if app.date_of_birth is None:
        raise ContestError(_("Hãy nhập ngày sinh."))
    low, high = LEVEL_GRADES.get(app.school_level, (0, -1))
    if not low <= app.grade <= high:   # self-declared: the level must fit the grade
        raise ContestError(_("Lớp %(g)s không thuộc cấp học đã chọn (lớp %(a)s đến %(b)s).", g=app.grade, a=low,
                             b=high) if high > 0 else _("Cấp học không hợp lệ."))
    pupil = Pupil(full_name, app.grade, app.school_level, app.date_of_birth)
    error = eligibility_error(division, pupil)
    if error:
        raise ContestError(error)
    school = None
    if app.school_id:
        school = next((s for s in schools_for(division) if s.id == app.school_id), None)
        if school is None:
            raise ContestError(_("Trường đã chọn không thuộc phạm vi của hội thi."))
    school_name = text.clean(app.school_name)[:255]
    if school is None and not school_name:
        raise ContestError(_("Hãy chọn trường trong danh sách hoặc nhập tên trường."))
    logged_in = actor.user_id is not None
    contact = _clean_contact(app.contact) if (app.contact or not logged_in) else ""
    # two posts of the same form at once: the second waits here (PostgreSQL) and then sees the first
    db.session.scalar(select(Division.id).where(Division.id == division.id).with_for_update())
    if _duplicate(division, full_name, app.date_of_birth, actor.user_id):
        raise ContestError(_("%(n)s (sinh ngày %(d)s) đã đăng ký bảng %(c)s; không đăng ký lại.", n=full_name,
                             d=app.date_of_birth.strftime("%d/%m/%Y"), c=division.code))
    if logged_in:
        user = db.session.get(User, actor.user_id)
    else:
        try:
            check_strength(app.password)
        except AccountError as exc:
            raise ContestError(str(exc)) from exc
        user = add_contestant_user(division.contest, division, ensure_roles()["student"], full_name=full_name,
                                   email=contact if "@" in contact else None,
                                   password_hash=hash_password(app.password), must_change_password=False)
    entry = Entry(division_id=division.id, name=full_name[:255], school_id=school.id if school else None,
                  status="pending", free_candidate=True, school_name="" if school else school_name,
                  contact=contact[:255])
    entry.members.append(EntryMember(user_id=user.id, full_name=full_name, grade=app.grade,
                                     school_level=app.school_level, date_of_birth=app.date_of_birth))
    db.session.add(entry)
    db.session.flush()
    audit(actor, "contest.entry.free_register", "contest_entry", entry.id,
          after={"division": division.code, "username": user.username, "new_account": not logged_in,
                 "school": school.code if school else school_name})
    db.session.commit()
    return Registered(entry, user.username, not logged_in)


__all__ = ["Application", "Registered", "managed_division", "open_division", "open_divisions", "register", "schools_for", "set_open"]
