"""The two workforce metrics the staff list already answers, per subtree: the share of agencies with at
least one dedicated IT staff member (position `it_staff`) and the share with a leader in charge of IT
(`it_leader`), broken down by the units directly under the chosen one, with the agencies missing.

Agencies are the units of state administration (departments, district and commune committees);
schools and the province node itself are not counted. A unit counts its own staff still at work, not
its subtree's. Every figure is one aggregate query (grouped by the child's path prefix), whatever the
size of the tree: no query per unit.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, select

from ..access import STAFF_ROLES, Actor
from ..extensions import db
from ..orgs.models import PATH_WIDTH, JobPosition, Organisation, Person
from ..orgs.services import NotFound, organisation_for

AGENCY_KINDS = ("department", "district", "commune")
METRICS = {
    "it_staff": _l("Cơ quan có cán bộ chuyên trách CNTT"),
    "it_leader": _l("Cơ quan có lãnh đạo phụ trách CNTT"),
}


@dataclass
class Row:
    unit: Organisation | None     # a child of the chosen unit (None: the chosen unit itself)
    having: int
    total: int

    @property
    def share(self) -> float | None:
        return None if not self.total else self.having / self.total


@dataclass
class Metric:
    code: str
    label: str
    having: int = 0
    total: int = 0
    rows: list[Row] = field(default_factory=list)
    missing: list[Organisation] = field(default_factory=list)

    @property
    def share(self) -> float | None:
        return None if not self.total else self.having / self.total


def _has(position_code: str):
    """SQL: the agency has at least one person still at work in this position."""
    return exists().where(Person.organisation_id == Organisation.id, Person.left_at.is_(None),
                          Person.position_id.in_(select(JobPosition.id).where(JobPosition.code == position_code)))


def default_unit(actor: Actor) -> Organisation:
    """The top of the actor's scope: the province root, or the first unit they were granted."""
    query = select(Organisation).where(actor.scope_clause(*STAFF_ROLES), Organisation.archived_at.is_(None))
    unit = db.session.scalar(query.order_by(Organisation.depth, Organisation.path).limit(1))
    if unit is None:
        raise NotFound(_("Không tìm thấy đơn vị."))
    return unit


def staffing(actor: Actor, org_id: int | None = None) -> tuple[Organisation, list[Metric]]:
    """Both metrics for the subtree of `org_id` (default: the top of the actor's scope)."""
    root = organisation_for(actor, org_id) if org_id else default_unit(actor)
    in_subtree = (Organisation.subtree_clause(root.path), Organisation.kind.in_(AGENCY_KINDS),
                  Organisation.archived_at.is_(None))
    child_prefix = func.substr(Organisation.path, 1, len(root.path) + PATH_WIDTH + 1)
    children = {u.path: u for u in db.session.scalars(
        select(Organisation).where(Organisation.parent_id == root.id).order_by(Organisation.name))}
    metrics = []
    for code, label in METRICS.items():
        has = _has(code)
        counts = db.session.execute(
            select(child_prefix, func.count(Organisation.id), func.sum(case((has, 1), else_=0)))
            .where(*in_subtree).group_by(child_prefix)).all()
        metric = Metric(code, str(label))
        by_prefix = {prefix: (int(having or 0), total) for prefix, total, having in counts}
        for prefix, (having, total) in sorted(by_prefix.items(), key=lambda kv: (
                kv[0] != root.path, children[kv[0]].name if kv[0] in children else "")):
            metric.rows.append(Row(children.get(prefix), having, total))
            metric.having += having
            metric.total += total
        metric.missing = list(db.session.scalars(select(Organisation).where(*in_subtree, ~has)
                                                 .order_by(Organisation.path)))
        metrics.append(metric)
    return root, metrics


def export(actor: Actor, org_id: int | None = None) -> bytes:
    """The report as .xlsx: one sheet per figure with the breakdown by unit, then the agencies missing."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..orgs.services import KIND_LABELS
    from ..orgs.spreadsheets import text_cell
    root, metrics = staffing(actor, org_id)
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for metric in metrics:
        sheet = workbook.create_sheet(metric.code)
        sheet.append([metric.label, text_cell(sheet, root.name)])
        sheet.append([_("Có"), metric.having, _("Số cơ quan"), metric.total, _("Tỷ lệ"),
                      None if metric.share is None else round(metric.share, 4)])
        sheet.append([])
        sheet.append([_("Đơn vị"), _("Có"), _("Số cơ quan")])
        for row in metric.rows:
            sheet.append([text_cell(sheet, row.unit.name if row.unit else root.name), row.having, row.total])
        sheet.append([])
        sheet.append([_("Cơ quan còn thiếu (%(n)d)", n=len(metric.missing))])
        sheet.append([_("Mã đơn vị"), _("Tên đơn vị"), _("Loại đơn vị"), _("Đơn vị cấp trên")])
        for unit in metric.missing:
            sheet.append([text_cell(sheet, unit.code), text_cell(sheet, unit.name),
                          str(KIND_LABELS.get(unit.kind, unit.kind)),
                          text_cell(sheet, unit.parent.name if unit.parent else "")])
        for cells in (sheet[1], sheet[4], sheet[len(metric.rows) + 7]):
            for cell in cells:
                cell.font = bold
        for letter, width in zip("ABCD", (20, 48, 20, 40)):
            sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
