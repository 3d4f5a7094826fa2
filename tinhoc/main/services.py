"""Figures for the home pages: what exists, counted in the database (no made-up numbers), over the
part of the tree the actor's staff roles cover."""
from __future__ import annotations

from sqlalchemy import func, select

from ..access import STAFF_ROLES, Actor
from ..accounts.services import count_by_role
from .. import text
from ..extensions import db
from ..orgs.models import JobPosition, Organisation, Person
from ..orgs.services import KIND_LABELS


def organisation_counts(actor: Actor) -> dict[str, int]:
    rows = db.session.execute(select(Organisation.kind, func.count(Organisation.id))
                              .where(Organisation.archived_at.is_(None), actor.scope_clause(*STAFF_ROLES))
                              .group_by(Organisation.kind)).all()
    return dict(rows)


def staff_by_position(actor: Actor) -> list[tuple[str, int]]:
    """Every position with its head count in scope (zero included), in the positions' own order."""
    in_scope = (select(Person.id, Person.position_id).join(Organisation, Organisation.id == Person.organisation_id)
                .where(Person.left_at.is_(None), actor.scope_clause(*STAFF_ROLES)).subquery())
    rows = db.session.execute(
        select(JobPosition.name, func.count(in_scope.c.id))
        .join(in_scope, in_scope.c.position_id == JobPosition.id, isouter=True)
        .group_by(JobPosition.id, JobPosition.name, JobPosition.sort_order)
        .order_by(JobPosition.sort_order, text.vi_order(JobPosition.name))).all()
    return [(name, n) for name, n in rows]


def admin_dashboard(actor: Actor) -> dict:
    orgs = organisation_counts(actor)
    staff = staff_by_position(actor)
    return {"org_counts": orgs, "org_total": sum(orgs.values()), "kind_labels": KIND_LABELS, "staff_by_position": staff,
            "staff_total": sum(n for _, n in staff), "users_by_role": count_by_role(actor)}


# Feature packages add a panel to the home page without main importing them: (template, function of
# the actor returning the template's `panel` context, or None to show nothing).
HOME_PANELS: list[tuple[str, object]] = []


def register_home_panel(template: str, build) -> None:
    if all(t != template for t, _ in HOME_PANELS):
        HOME_PANELS.append((template, build))


def home_panels(actor: Actor) -> list[tuple[str, dict]]:
    return [(template, panel) for template, build in HOME_PANELS if (panel := build(actor))]
