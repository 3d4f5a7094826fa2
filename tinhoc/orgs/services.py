"""The organisation tree, job positions and the staff list. Services commit; routes don't.

A subtree is one range scan on the materialised path (`Organisation.subtree_clause`), and
moving a node rewrites its whole subtree's paths in one UPDATE: no recursion in Python.
Every service takes the `Actor` (tinhoc.access); `organisation_for` is the one place that decides
whether the actor may reach a unit, and lists filter by the actor's subtrees in SQL.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select, update
from sqlalchemy.exc import IntegrityError

from .. import clock, text
from ..access import STAFF_ROLES, Actor
from ..audit import record as audit
from ..extensions import db
from .models import ORG_KINDS, JobPosition, Organisation, Person

KIND_LABELS = {
    "province": _l("Tỉnh"), "department": _l("Sở, ban, ngành"), "district": _l("UBND cấp huyện"),
    "commune": _l("UBND cấp xã"), "school": _l("Trường học"), "other": _l("Khác"),
}

# Vị trí việc làm, as the province's workforce targets count them.
DEFAULT_POSITIONS = (
    ("leader", "Lãnh đạo"),
    ("it_leader", "Lãnh đạo phụ trách CNTT"),
    ("it_staff", "Cán bộ chuyên trách CNTT"),
    ("civil_servant", "Công chức"),
    ("public_employee", "Viên chức"),
    ("teacher", "Giáo viên"),
    ("student", "Học sinh"),
)


class OrgError(Exception):
    """A refused change to the tree, positions or staff; `str(exc)` is the message for the user."""


class NotFound(OrgError):
    pass


# --- organisations ---------------------------------------------------------------------------

def _snapshot(org: Organisation) -> dict:
    return {"code": org.code, "name": org.name, "kind": org.kind, "parent_id": org.parent_id,
            "path": org.path, "archived": org.archived_at is not None}


def valid_id(value) -> bool:
    """Whether `value` can be a row id (a 32-bit positive integer): larger numbers typed in a URL or
    a form are "not found", never a database overflow."""
    return isinstance(value, int) and 0 < value <= MAX_ID


MAX_ID = 2**31 - 1


def get_organisation(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id) if valid_id(org_id) else None
    if org is None:
        raise NotFound(_("Không tìm thấy đơn vị."))
    return org


def organisation_for(actor: Actor, org_id: int, roles: tuple[str, ...] = STAFF_ROLES) -> Organisation:
    """The unit if it lies in the subtree the actor's `roles` cover, else NotFound (a 404, as if it did
    not exist). The one place that decides access to units:

        org = organisation_for(actor, org_id)      # in every service that takes a unit id
        query.where(actor.scope_clause(*STAFF_ROLES))  # in every list, count and export
    """
    org = db.session.get(Organisation, org_id) if valid_id(org_id) else None
    if org is None or not actor.covers(org.path, *roles):
        raise NotFound(_("Không tìm thấy đơn vị."))
    return org


def find_by_code(code: str) -> Organisation | None:
    """The unit with this code, whatever its case or Unicode form."""
    return db.session.scalar(select(Organisation).where(Organisation.code_key == text.code_key(code)))


def _clean_fields(kind: str, code: str, name: str, *, org_id: int | None = None) -> tuple[str, str, str]:
    code, name = text.clean(code), text.clean(name)
    if kind not in ORG_KINDS:
        raise OrgError(_("Loại đơn vị không hợp lệ: %(k)s.", k=kind))
    if not code or len(code) > 32:
        raise OrgError(_("Mã đơn vị phải có từ 1 đến 32 ký tự."))
    if not name or len(name) > 255:
        raise OrgError(_("Tên đơn vị phải có từ 1 đến 255 ký tự."))
    same = find_by_code(code)
    if same is not None and same.id != org_id:
        raise OrgError(_("Mã đơn vị %(c)s đã được dùng cho %(n)s.", c=code, n=same.name))
    return kind, code, name


def _flush_or_refuse(message: str) -> None:
    """Flush; a unique key taken by a concurrent request (checked just before, but not locked)
    becomes the same refusal as when the check itself finds it, not a 500."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise OrgError(message)


def _usable_parent(actor: Actor, parent_id: int | None) -> Organisation | None:
    if parent_id is None:
        return None
    parent = organisation_for(actor, parent_id)
    if parent.is_archived:
        raise OrgError(_("Đơn vị cấp trên %(n)s đã ngừng hoạt động.", n=parent.name))
    return parent


def create_organisation(actor: Actor, *, kind: str, code: str, name: str,
                        parent_id: int | None = None) -> Organisation:
    kind, code, name = _clean_fields(kind, code, name)
    parent = _usable_parent(actor, parent_id)
    org = Organisation(kind=kind, code=code, name=name, parent_id=parent.id if parent else None,
                       path="", depth=0, created_at=clock.now())
    db.session.add(org)
    _flush_or_refuse(_("Mã đơn vị %(c)s vừa được dùng cho một đơn vị khác.", c=code))  # the id is part of the path
    org.path = (parent.path if parent else "/") + org.own_segment()
    org.depth = parent.depth + 1 if parent else 0
    audit(actor, "organisation.create", "organisation", org.id, after=_snapshot(org))
    db.session.commit()
    return org


def update_organisation(actor: Actor, org_id: int, *, kind: str, code: str, name: str) -> Organisation:
    """Rename (and re-code or re-kind) a unit; its place in the tree does not change."""
    org = organisation_for(actor, org_id)
    before = _snapshot(org)
    org.kind, org.code, org.name = _clean_fields(kind, code, name, org_id=org.id)
    _flush_or_refuse(_("Mã đơn vị %(c)s vừa được dùng cho một đơn vị khác.", c=org.code))
    audit(actor, "organisation.update", "organisation", org.id, before=before, after=_snapshot(org))
    db.session.commit()
    return org


def move_organisation(actor: Actor, org_id: int, new_parent_id: int | None) -> Organisation:
    """Put a unit (with everything under it) under another parent; refuses to make a cycle."""
    org = organisation_for(actor, org_id)
    parent = _usable_parent(actor, new_parent_id)
    if parent is not None and parent.path.startswith(org.path):
        raise OrgError(_("Không thể chuyển %(n)s vào chính nó hoặc một đơn vị trực thuộc nó.", n=org.name))
    if (parent.id if parent else None) == org.parent_id:
        return org
    before = _snapshot(org)
    old_path = org.path
    new_path = (parent.path if parent else "/") + org.own_segment()
    delta = (parent.depth + 1 if parent else 0) - org.depth
    db.session.execute(
        update(Organisation).where(Organisation.subtree_clause(old_path))
        .values(path=literal(new_path) + func.substr(Organisation.path, len(old_path) + 1),
                depth=Organisation.depth + delta)
        .execution_options(synchronize_session=False))
    db.session.execute(update(Organisation).where(Organisation.id == org.id)
                       .values(parent_id=parent.id if parent else None))
    db.session.expire_all()
    org = get_organisation(org_id)
    audit(actor, "organisation.move", "organisation", org.id, before=before, after=_snapshot(org))
    db.session.commit()
    return org


def archive_organisation(actor: Actor, org_id: int) -> int:
    """Archive a unit and its whole subtree; refused while people still work there. Returns units archived."""
    org = organisation_for(actor, org_id)
    staff = db.session.scalar(select(func.count(Person.id)).join(Organisation)
                              .where(Organisation.subtree_clause(org.path), Person.left_at.is_(None)))
    if staff:
        raise OrgError(_("%(n)s và các đơn vị trực thuộc còn %(k)d cán bộ: hãy chuyển họ sang đơn vị khác "
                         "trước khi ngừng hoạt động.", n=org.name, k=staff))
    result = db.session.execute(
        update(Organisation).where(Organisation.subtree_clause(org.path), Organisation.archived_at.is_(None))
        .values(archived_at=clock.now()).execution_options(synchronize_session=False))
    audit(actor, "organisation.archive", "organisation", org.id, before=_snapshot(org),
          after={"archived_units": result.rowcount})
    db.session.commit()
    return result.rowcount


def unarchive_organisation(actor: Actor, org_id: int) -> Organisation:
    """Bring one unit back (not its children: each is restored on its own)."""
    org = organisation_for(actor, org_id)
    if org.parent is not None and org.parent.is_archived:
        raise OrgError(_("Hãy khôi phục đơn vị cấp trên %(n)s trước.", n=org.parent.name))
    before = _snapshot(org)
    org.archived_at = None
    audit(actor, "organisation.unarchive", "organisation", org.id, before=before, after=_snapshot(org))
    db.session.commit()
    return org


def subtree(org_id: int | None = None, *, include_archived: bool = False,
            actor: Actor | None = None) -> list[Organisation]:
    """The units under `org_id` (itself included; the whole tree when None) in one indexed query,
    ordered depth-first with siblings by name in Vietnamese order (sorted by the database); with
    `actor`, only what their staff roles cover."""
    query = select(Organisation)
    if org_id is not None:
        query = query.where(Organisation.subtree_clause(get_organisation(org_id).path))
    if actor is not None:
        query = query.where(actor.scope_clause(*STAFF_ROLES))
    if not include_archived:
        query = query.where(Organisation.archived_at.is_(None))
    return _depth_first(list(db.session.scalars(query.order_by(text.vi_order(Organisation.name), Organisation.id))))


def _depth_first(units: list[Organisation]) -> list[Organisation]:
    """Units (given in name order) ordered depth-first, siblings by name (a unit whose parent is
    absent counts as a root)."""
    children: dict[int | None, list[Organisation]] = {}
    ids = {u.id for u in units}
    for unit in units:  # in name order, so each list of children is too
        children.setdefault(unit.parent_id if unit.parent_id in ids else None, []).append(unit)
    ordered: list[Organisation] = []
    stack = children.get(None, [])[::-1]
    while stack:
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(children.get(unit.id, [])[::-1])
    return ordered


def filter_choices(actor: Actor, selected_id: int | None = None) -> list[tuple[int, str]]:
    """The staff list's unit filter: the top two levels of the actor's scope (and the selected unit),
    not the whole tree on every request; deeper units are reached from the tree page's head counts."""
    paths = actor.paths(*STAFF_ROLES)
    top = 0 if paths is None else min((p.count("/") - 2 for p in paths), default=0)
    query = select(Organisation).where(actor.scope_clause(*STAFF_ROLES), Organisation.archived_at.is_(None),
                                       Organisation.depth <= top + 1)
    if selected_id:
        query = select(Organisation).where(Organisation.id.in_(select(query.subquery().c.id))
                                           | (Organisation.id == selected_id))
    units = _depth_first(list(db.session.scalars(query.order_by(text.vi_order(Organisation.name), Organisation.id))))
    return [(u.id, "\u2003" * max(u.depth - top, 0) + f"{u.name} ({u.code})") for u in units]


def staff_counts(actor: Actor) -> dict[int, int]:
    """Head count per unit in the actor's scope (its own people still working there, not its subtree's)."""
    return dict(db.session.execute(select(Person.organisation_id, func.count(Person.id))
                                   .join(Organisation, Organisation.id == Person.organisation_id)
                                   .where(Person.left_at.is_(None), actor.scope_clause(*STAFF_ROLES))
                                   .group_by(Person.organisation_id)).all())


def parent_choices(actor: Actor, exclude: Organisation | None = None) -> list[tuple[int, str]]:
    """Active units in the actor's scope, indented by depth; a unit's own subtree is left out."""
    choices = []
    for unit in subtree(actor=actor):
        if exclude is not None and unit.path.startswith(exclude.path):
            continue
        choices.append((unit.id, "\u2003" * unit.depth + f"{unit.name} ({unit.code})"))
    return choices


def unit_choices(actor: Actor, keep: Organisation | None = None) -> list[tuple[int, str]]:
    """Units in the actor's scope a person can be put in; `keep` (their current unit) is offered even
    when archived, so editing someone's name never moves them out of a unit archived meanwhile."""
    choices = parent_choices(actor)
    if keep is not None and keep.is_archived:
        choices.insert(0, (keep.id, _("%(n)s (%(c)s): đã ngừng hoạt động", n=keep.name, c=keep.code)))
    return choices


# --- job positions ---------------------------------------------------------------------------

def ensure_positions() -> None:
    """Seed the standard positions that are missing; names an admin has edited are kept."""
    existing = set(db.session.scalars(select(JobPosition.code_key)))
    for order, (code, name) in enumerate(DEFAULT_POSITIONS, start=1):
        if code not in existing:
            db.session.add(JobPosition(code=code, name=name, sort_order=order * 10))
    db.session.flush()


def list_positions() -> list[JobPosition]:
    return list(db.session.scalars(select(JobPosition).order_by(JobPosition.sort_order,
                                                                 text.vi_order(JobPosition.name))))


def position_counts(actor: Actor) -> dict[int, int]:
    return dict(db.session.execute(select(Person.position_id, func.count(Person.id))
                                   .join(Organisation, Organisation.id == Person.organisation_id)
                                   .where(Person.left_at.is_(None), actor.scope_clause(*STAFF_ROLES))
                                   .group_by(Person.position_id)).all())


def _clean_position(name: str, position_id: int | None) -> str:
    """A position name that no other position's name equals once case and accents are ignored:
    "Giao vien" beside "Giáo viên" would make imports (which match by name) ambiguous."""
    name = text.clean(name)
    if not name:
        raise OrgError(_("Thiếu tên vị trí việc làm."))
    if len(name) > 120:
        raise OrgError(_("Tên vị trí việc làm dài %(n)d ký tự; tối đa 120.", n=len(name)))
    for other in db.session.scalars(select(JobPosition).where(JobPosition.id != (position_id or 0))):
        if text.fold(other.name) == text.fold(name):
            raise OrgError(_("Đã có vị trí việc làm “%(o)s”, chỉ khác “%(n)s” ở dấu hoặc chữ hoa.",
                             o=other.name, n=name) if text.code_key(other.name) != text.code_key(name)
                           else _("Đã có vị trí việc làm tên %(n)s.", n=name))
    return name


def create_position(actor: Actor, *, code: str, name: str, sort_order: int = 0) -> JobPosition:
    code = text.clean(code).lower()
    if not code or len(code) > 32 or not code.replace("_", "").isalnum() or not code.isascii():
        raise OrgError(_("Mã vị trí chỉ gồm chữ không dấu, số và dấu gạch dưới (tối đa 32 ký tự)."))
    if db.session.scalar(select(JobPosition).where(JobPosition.code_key == text.code_key(code))) is not None:
        raise OrgError(_("Mã vị trí %(c)s đã có.", c=code))
    position = JobPosition(code=code, name=_clean_position(name, None), sort_order=sort_order)
    db.session.add(position)
    _flush_or_refuse(_("Mã vị trí %(c)s đã có.", c=code))
    audit(actor, "position.create", "job_position", position.id,
          after={"code": code, "name": position.name, "sort_order": sort_order})
    db.session.commit()
    return position


def update_position(actor: Actor, position_id: int, *, name: str, sort_order: int) -> JobPosition:
    """Rename or reorder a position; its code (what imports and targets refer to) stays."""
    position = db.session.get(JobPosition, position_id) if valid_id(position_id) else None
    if position is None:
        raise NotFound(_("Không tìm thấy vị trí việc làm."))
    before = {"name": position.name, "sort_order": position.sort_order}
    position.name = _clean_position(name, position.id)
    position.sort_order = sort_order
    audit(actor, "position.update", "job_position", position.id, before=before,
          after={"name": position.name, "sort_order": position.sort_order})
    db.session.commit()
    return position
