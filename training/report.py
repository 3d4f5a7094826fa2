"""The organiser's report: for a track and a subtree in scope, who is assigned, started, completed or
overdue. Counts are one aggregate query and the list one paged query, whatever the number of
people (filtered in SQL); the export streams the same rows into a workbook."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy import and_, case, func, select

from tinhoc import text
from tinhoc.access import Actor
from tinhoc.extensions import db
from tinhoc.orgs.models import JobPosition, Organisation, Person
from tinhoc.orgs.services import NotFound as OrgNotFound, organisation_for
from tinhoc.orgs.spreadsheets import XLSX_MIME, date_cell, header_cells, text_cell, workbook_bytes

from .assignment import track_by_id
from .models import Enrolment, TrackAssignment, TrackCourse
from .services import NotFound, today

REPORT_ROLES = ("organiser",)
# Filters of the list (the counts' cards): "started" counts everyone who began, completed or not.
STATUSES = {"assigned": _l("Được giao"), "started": _l("Đã bắt đầu"), "completed": _l("Đã hoàn thành"),
            "overdue": _l("Quá hạn"), "not_started": _l("Chưa bắt đầu")}
# Where one person stands (a row of the list and of the export).
ROW_STATUSES = {"in_progress": _l("Đang học"), "completed": _l("Đã hoàn thành"), "overdue": _l("Quá hạn"),
                "not_started": _l("Chưa bắt đầu")}


@dataclass
class ReportFilter:
    track_id: int
    org_id: int | None = None
    status: str = "assigned"


def _base(actor: Actor, flt: ReportFilter, *, units: bool = True):
    """Assignments of the track, of current staff in scope (and in the chosen unit's subtree). The
    counts of a province-wide actor over the whole province need no unit (`units=False`)."""
    query = (select(TrackAssignment).join(Person, Person.id == TrackAssignment.person_id)
             .where(TrackAssignment.track_id == flt.track_id, Person.left_at.is_(None)))
    if not units and not flt.org_id and actor.province_wide(*REPORT_ROLES):
        return query
    query = query.join(Organisation, Organisation.id == Person.organisation_id).where(actor.scope_clause(*REPORT_ROLES))
    if flt.org_id:
        try:
            unit = organisation_for(actor, flt.org_id, REPORT_ROLES)
        except OrgNotFound:
            raise NotFound(_("Không tìm thấy đơn vị.")) from None
        query = query.where(Organisation.subtree_clause(unit.path))
    return query


def _overdue(now):
    return and_(TrackAssignment.completed_at.is_(None), TrackAssignment.due_date < now)


def counts(actor: Actor, flt: ReportFilter) -> dict[str, int]:
    track_by_id(flt.track_id)
    now = today()
    sub = _base(actor, flt, units=False).subquery()
    row = db.session.execute(select(
        func.count(sub.c.id), func.count(sub.c.started_at), func.count(sub.c.completed_at),
        func.coalesce(func.sum(case((and_(sub.c.completed_at.is_(None), sub.c.due_date < now), 1), else_=0)), 0),
    )).one()
    return {"assigned": row[0], "started": row[1], "completed": row[2], "overdue": int(row[3]),
            "not_started": row[0] - row[1]}


def people_query(actor: Actor, flt: ReportFilter):
    query = _base(actor, flt)
    if flt.status == "started":
        query = query.where(TrackAssignment.started_at.is_not(None))
    elif flt.status == "completed":
        query = query.where(TrackAssignment.completed_at.is_not(None))
    elif flt.status == "overdue":
        query = query.where(_overdue(today()))
    elif flt.status == "not_started":
        query = query.where(TrackAssignment.started_at.is_(None))
    return (query.join(JobPosition, JobPosition.id == Person.position_id)
            .with_only_columns(TrackAssignment.id, TrackAssignment.due_date, TrackAssignment.started_at,
                               TrackAssignment.completed_at, Person.employee_code, Person.full_name,
                               Organisation.code.label("org_code"), Organisation.name.label("org_name"),
                               JobPosition.name.label("position"))
            .order_by(Organisation.path, text.vi_order(Person.full_name), Person.code_key))


def _total(counts: dict[str, int], status: str) -> int:
    """How many rows the list has, from the counts already made (no second scan of the subtree)."""
    return counts[status]


def summary(actor: Actor, flt: ReportFilter, page: int = 1, per_page: int = 50) -> tuple[dict, dict]:
    """The counts and one page of people: two queries, whatever the size of the subtree."""
    figures = counts(actor, flt)
    total = _total(figures, flt.status)
    page = max(page, 1)
    rows = db.session.execute(people_query(actor, flt).limit(per_page).offset((page - 1) * per_page)).all()
    return figures, {"rows": rows, "total": total, "page": page, "pages": max((total + per_page - 1) // per_page, 1),
                     "courses_done": courses_done(flt.track_id, [r.id for r in rows]), "courses": len(
                         db.session.scalars(select(TrackCourse.id).where(TrackCourse.track_id == flt.track_id)).all())}


def courses_done(track_id: int, assignment_ids: list[int]) -> dict[int, int]:
    """Assignment id -> how many of the track's courses that person completed (one grouped query)."""
    if not assignment_ids:
        return {}
    return dict(db.session.execute(
        select(TrackAssignment.id, func.count(Enrolment.id))
        .join(Enrolment, Enrolment.person_id == TrackAssignment.person_id)
        .join(TrackCourse, and_(TrackCourse.course_id == Enrolment.course_id, TrackCourse.track_id == track_id))
        .where(TrackAssignment.id.in_(assignment_ids), Enrolment.completed_at.is_not(None))
        .group_by(TrackAssignment.id)).all())


def status_of(row, now) -> str:
    if row.completed_at is not None:
        return "completed"
    if row.due_date is not None and row.due_date < now:
        return "overdue"
    return "in_progress" if row.started_at is not None else "not_started"


def export(actor: Actor, flt: ReportFilter) -> bytes:
    track = track_by_id(flt.track_id)
    query = people_query(actor, flt)
    now = today()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(track.code)
    headers = [_("Mã cán bộ"), _("Họ và tên"), _("Mã đơn vị"), _("Đơn vị"), _("Vị trí việc làm"), _("Hạn hoàn thành"),
               _("Bắt đầu"), _("Hoàn thành"), _("Tình trạng")]
    for i, width in enumerate((14, 28, 12, 40, 24, 14, 14, 14, 16)):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.append(header_cells(sheet, headers))
    for row in db.session.execute(query.execution_options(yield_per=1000)):
        sheet.append([*(text_cell(sheet, v) for v in (row.employee_code, row.full_name, row.org_code,
                                                       row.org_name, row.position)),
                      date_cell(sheet, row.due_date) if row.due_date else None,
                      date_cell(sheet, row.started_at.date()) if row.started_at else None,
                      date_cell(sheet, row.completed_at.date()) if row.completed_at else None,
                      str(ROW_STATUSES[status_of(row, now)])])
    return workbook_bytes(workbook)
