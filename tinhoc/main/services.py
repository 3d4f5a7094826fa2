"""Figures for the home pages: what exists, counted in the database (no made-up numbers)."""
from __future__ import annotations

from sqlalchemy import func, select

from ..accounts.services import count_by_role
from .. import text
from ..extensions import db
from ..orgs.models import JobPosition, Organisation, Person
from ..orgs.services import KIND_LABELS


def organisation_counts() -> dict[str, int]:
    rows = db.session.execute(select(Organisation.kind, func.count(Organisation.id))
                              .where(Organisation.archived_at.is_(None))
                              .group_by(Organisation.kind)).all()
    return dict(rows)


def staff_by_position() -> list[tuple[str, int]]:
    """Every position with its head count (zero included), in the positions' own order."""
    rows = db.session.execute(
        select(JobPosition.name, func.count(Person.id))
        .join(Person, (Person.position_id == JobPosition.id) & Person.left_at.is_(None), isouter=True)
        .group_by(JobPosition.id, JobPosition.name, JobPosition.sort_order)
        .order_by(JobPosition.sort_order, text.vi_order(JobPosition.name))).all()
    return [(name, n) for name, n in rows]


def admin_dashboard() -> dict:
    orgs = organisation_counts()
    staff = staff_by_position()
    return {"org_counts": orgs, "org_total": sum(orgs.values()), "kind_labels": KIND_LABELS, "staff_by_position": staff,
            "staff_total": sum(n for _, n in staff), "users_by_role": count_by_role()}
