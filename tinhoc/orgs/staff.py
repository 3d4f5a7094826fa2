"""People (staff and pupils) one at a time: the filtered list, add/edit, leaving and returning.

The bulk path (Excel import) is in staff_import.py and follows the same rules. `person_for` is the
one place that decides whether an actor may reach a person; `staff_query` filters by scope in SQL.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, raiseload
from sqlalchemy.orm.exc import StaleDataError

from .. import clock, text
from ..access import STAFF_ROLES, Actor
from ..audit import record as audit
from ..extensions import db
from ..pagination import paginate
from .models import JobPosition, Organisation, Person
from .rules import birth_date_problem
from .services import NotFound, OrgError, organisation_for, valid_id
from .signals import staff_changed


class StaleEdit(OrgError):
    """The record changed since the form was opened: saving would silently undo that change."""


@dataclass
class StaffFilter:
    q: str = ""
    org_id: int | None = None       # this unit and everything under it
    position_id: int | None = None
    include_left: bool = False      # people who left (retired, transferred out) are hidden by default

    def as_args(self) -> dict:
        return {k: v for k, v in (("q", self.q), ("org", self.org_id), ("position", self.position_id),
                                  ("left", 1 if self.include_left else None)) if v}


def staff_query(actor: Actor, flt: StaffFilter):
    """The people the actor may see that match the filter: one query, unit and position joined; any
    other relationship a list or export touched would raise instead of costing a query per row."""
    query = (select(Person).join(Person.organisation).join(Person.position)
             .options(contains_eager(Person.organisation).raiseload("*"), contains_eager(Person.position),
                      raiseload("*"))
             .where(actor.scope_clause(*STAFF_ROLES)))
    search = text.matches(Person.search_text, flt.q)
    if search is not None:
        query = query.where(search)
    if flt.org_id:
        query = query.where(Organisation.subtree_clause(organisation_for(actor, flt.org_id).path))
    if flt.position_id:
        query = query.where(Person.position_id == flt.position_id if valid_id(flt.position_id) else False)
    if not flt.include_left:
        query = query.where(Person.left_at.is_(None))
    return query.order_by(Organisation.path, text.vi_order(Person.full_name), Person.code_key)


def list_staff(actor: Actor, flt: StaffFilter, page: int = 1, per_page: int = 50):
    return paginate(staff_query(actor, flt), page, per_page)


def person_for(actor: Actor, person_id: int) -> Person:
    """The person if they work in a unit the actor's staff roles cover, else NotFound (a 404).
    The one place that decides access to staff records; every staff page and service goes through it."""
    person = db.session.scalar(select(Person).join(Person.organisation)
                               .where(Person.id == person_id, actor.scope_clause(*STAFF_ROLES))) \
        if valid_id(person_id) else None
    if person is None:
        raise NotFound(_("Không tìm thấy cán bộ."))
    return person


def _snapshot(person: Person) -> dict:
    return {"employee_code": person.employee_code, "full_name": person.full_name,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
            "email": person.email, "organisation_id": person.organisation_id,
            "position_id": person.position_id, "title": person.title,
            "left_at": person.left_at.isoformat() if person.left_at else None}


def save_person(actor: Actor, person_id: int | None, *, employee_code: str, full_name: str,
                date_of_birth, email: str | None, organisation_id: int, position_id: int,
                title: str | None, version: int | None = None) -> Person:
    """Create (person_id None) or edit one member of staff; the same rules as the import.

    `version` is the person's version the editor started from: if someone saved in between, the
    edit is refused (StaleEdit) rather than silently undoing their change. A person may stay in a
    unit that was archived after they joined it; nobody is moved into an archived unit."""
    code, name = text.clean(employee_code), text.clean(full_name)
    if not code or len(code) > 32:
        raise OrgError(_("Mã cán bộ phải có từ 1 đến 32 ký tự (đang có %(n)d).", n=len(code)))
    if not name:
        raise OrgError(_("Thiếu họ và tên."))
    if len(name) > 200:
        raise OrgError(_("Họ và tên dài %(n)d ký tự; tối đa 200.", n=len(name)))
    if problem := birth_date_problem(date_of_birth):
        raise OrgError(problem)
    person = person_for(actor, person_id) if person_id is not None else Person(created_at=clock.now())
    if version is not None and person_id is not None and person.version != version:
        raise StaleEdit(_("Hồ sơ của %(n)s vừa được người khác sửa; hãy tải lại trang để xem bản mới "
                          "rồi sửa lại.", n=person.full_name))
    org = organisation_for(actor, organisation_id)
    if org.is_archived and org.id != person.organisation_id:
        raise OrgError(_("Đơn vị %(c)s (%(n)s) đã ngừng hoạt động.", c=org.code, n=org.name))
    if not valid_id(position_id) or db.session.get(JobPosition, position_id) is None:
        raise NotFound(_("Không tìm thấy vị trí việc làm."))
    clash = db.session.scalar(select(Person).where(Person.code_key == text.code_key(code)))
    if clash is not None and clash is not person:
        if not actor.covers(clash.organisation.path, *STAFF_ROLES):  # no name from outside the scope
            raise OrgError(_("Mã cán bộ %(c)s đã được dùng ở một đơn vị khác.", c=code))
        raise OrgError(_("Mã cán bộ %(c)s đã thuộc về %(n)s.", c=clash.employee_code, n=clash.full_name))
    before = _snapshot(person) if person_id is not None else None
    person.employee_code, person.full_name, person.date_of_birth = code, name, date_of_birth
    person.email = text.clean(email).lower() or None
    person.organisation_id, person.position_id = org.id, position_id
    person.title = text.clean_or_none(title)
    person.updated_at = clock.now()
    db.session.add(person)
    try:
        db.session.flush()
    except IntegrityError:  # the same code saved by a concurrent request
        db.session.rollback()
        raise OrgError(_("Mã cán bộ %(c)s vừa được dùng cho một người khác.", c=code))
    except StaleDataError:  # saved by someone else between our read and our write
        db.session.rollback()
        raise StaleEdit(_("Hồ sơ của %(n)s vừa được người khác sửa; hãy tải lại trang để xem bản mới "
                          "rồi sửa lại.", n=name))
    audit(actor, "person.update" if before else "person.create", "person", person.id,
          before=before, after=_snapshot(person))
    db.session.commit()
    staff_changed.send(None, person_ids=[person.id])
    return person


def mark_left(actor: Actor, person_id: int) -> Person:
    """The person retired or moved out of the province: kept for history, no longer counted."""
    person = person_for(actor, person_id)
    if person.left_at is None:
        before = _snapshot(person)
        person.left_at = person.updated_at = clock.now()
        audit(actor, "person.leave", "person", person.id, before=before, after=_snapshot(person))
        db.session.commit()
    return person


def mark_returned(actor: Actor, person_id: int) -> Person:
    person = person_for(actor, person_id)
    if person.left_at is not None:
        if person.organisation.is_archived:
            raise OrgError(_("Đơn vị %(c)s (%(n)s) đã ngừng hoạt động.", c=person.organisation.code,
                             n=person.organisation.name))
        before = _snapshot(person)
        person.left_at, person.updated_at = None, clock.now()
        audit(actor, "person.return", "person", person.id, before=before, after=_snapshot(person))
        db.session.commit()
        staff_changed.send(None, person_ids=[person.id])
    return person
