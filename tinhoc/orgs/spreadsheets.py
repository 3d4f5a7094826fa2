"""Workbooks we hand out: the staff import template and the staff list export.

Both use the import's columns, so an exported list can be edited and imported back as it is.
"""
from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from ..access import STAFF_ROLES, Actor
from ..extensions import db
from .models import Organisation
from .services import KIND_LABELS, list_positions
from .staff import StaffFilter, staff_query
from .staff_import import COLUMNS

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def header_cells(sheet, titles) -> list:
    """A bold, shaded header row for a write-only sheet (every export of the site looks the same)."""
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = _BOLD, _HEAD_FILL
        cells.append(cell)
    return cells


def _header(sheet) -> list:
    return header_cells(sheet, [col.header for col in COLUMNS])


def _widths(sheet) -> None:
    for i, col in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = col.width


FORMULA_STARTS = ("=", "+", "-", "@")


def text_cell(sheet, value):
    """A string cell that stays a string: openpyxl would write "=HYPERLINK(…)" as a live formula,
    and Excel re-reads a typed "+84…" or "@…" as one when the cell is edited; the quote prefix
    keeps it text there too. None stays an empty cell. Every export writes user text this way."""
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"
    if str(value).startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def date_cell(sheet, value):
    """A dd/mm/yyyy date cell for a write-only sheet."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "DD/MM/YYYY"
    return cell


def workbook_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_template(actor: Actor) -> bytes:
    """An empty staff sheet with the expected headers, plus a sheet explaining each column and
    listing the organisation codes and positions that exist (so nobody has to guess them)."""
    workbook = Workbook(write_only=True)
    staff = workbook.create_sheet(_("Cán bộ"))
    _widths(staff)
    staff.freeze_panes = "A2"
    staff.append(_header(staff))

    guide = workbook.create_sheet(_("Hướng dẫn"))
    guide.column_dimensions["A"].width, guide.column_dimensions["B"].width = 22, 70
    guide.append([WriteOnlyCell(guide, value=_("Cột")), WriteOnlyCell(guide, value=_("Cách ghi"))])
    notes = {
        "employee_code": _("Bắt buộc. Mã duy nhất của cán bộ; đã có thì dòng này cập nhật người đó."),
        "full_name": _("Bắt buộc. Họ và tên đầy đủ, có dấu."),
        "date_of_birth": _("Không bắt buộc. Dạng dd/mm/yyyy, ví dụ 05/09/1985."),
        "email": _("Không bắt buộc. Địa chỉ thư điện tử công vụ."),
        "org_code": _("Bắt buộc. Mã đơn vị, xem danh sách bên dưới."),
        "position": _("Bắt buộc. Mã hoặc tên vị trí việc làm, xem danh sách bên dưới."),
        "title": _("Không bắt buộc. Chức danh, ví dụ Chuyên viên."),
    }
    for col in COLUMNS:
        guide.append([text_cell(guide, col.header), text_cell(guide, notes[col.key])])
    guide.append([])
    guide.append([WriteOnlyCell(guide, value=_("Vị trí việc làm")), None])
    for position in list_positions():
        guide.append([text_cell(guide, position.code), text_cell(guide, position.name)])
    guide.append([])
    guide.append([WriteOnlyCell(guide, value=_("Mã đơn vị")), None])
    for org in db.session.scalars(select(Organisation).where(Organisation.archived_at.is_(None),
                                                             actor.scope_clause(*STAFF_ROLES))
                                  .order_by(Organisation.path)):
        guide.append([text_cell(guide, org.code),
                      text_cell(guide, f"{org.name} ({KIND_LABELS.get(org.kind, org.kind)})")])
    return workbook_bytes(workbook)


def export_staff(actor: Actor, flt: StaffFilter) -> bytes:
    """The filtered staff list the actor may see, in the import's columns (streamed row by row)."""
    query = staff_query(actor, flt)  # first: a unit out of scope is a 404 before any workbook exists
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Cán bộ"))
    _widths(sheet)
    sheet.freeze_panes = "A2"
    sheet.append(_header(sheet))
    rows = db.session.execute(query.execution_options(yield_per=1000)).scalars()
    for person in rows:
        sheet.append([text_cell(sheet, person.employee_code), text_cell(sheet, person.full_name),
                      date_cell(sheet, person.date_of_birth) if person.date_of_birth else None,
                      text_cell(sheet, person.email), text_cell(sheet, person.organisation.code),
                      text_cell(sheet, person.position.name), text_cell(sheet, person.title)])
    return workbook_bytes(workbook)
