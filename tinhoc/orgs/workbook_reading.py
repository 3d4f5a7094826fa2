"""Reading a table out of an uploaded .xlsx: which sheet, which row is the header, cell values.

Shared by every Excel import (staff today; questions and contestants later): the sheet read is the
one the person was looking at when they saved (the active sheet, if visible; else the first visible
one), never a hidden sheet of old data, and the report names it. The header is the first row that
carries the required columns, so a merged title row (or a few) above it is fine.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Iterable

from flask_babel import gettext as _
from openpyxl.utils.datetime import from_excel

from .. import text
from .workbook_guard import WorkbookRefused, iter_values, open_workbook

HEADER_SEARCH_ROWS = 10  # non-empty rows looked at for the header (titles, notes above it)
_DATE_TEXT = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


class UnreadableWorkbook(Exception):
    """The file is not a workbook we can read, or has no table in it; `str(exc)` says why."""


@dataclass
class Table:
    sheet: str                                   # the sheet that was read, as the user named it
    header_row: int
    columns: dict[str, int]                      # column key -> 0-based index
    rows: list[tuple[int, dict]] = field(default_factory=list)   # (Excel row number, key -> raw value)


def header_key(value) -> str:
    """How a header cell is matched: no accents, no case ("Ho va ten" finds "Họ và tên")."""
    return text.fold(value)


def _header_map(cells: Iterable, wanted: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = wanted.get(header_key(cell)) if cell is not None else None
        if key and key not in found:
            found[key] = index
    return found


def _sheet_to_read(workbook):
    """The active sheet when it is visible, else the first visible one (never a hidden sheet)."""
    visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
    if not visible:
        raise UnreadableWorkbook(_("Tệp không có trang tính nào đang hiện."))
    try:
        active = workbook.active
    except (IndexError, AttributeError):
        active = None
    return active if active in visible else visible[0]


def read_table(stream: IO[bytes], wanted: dict[str, str], required: dict[str, str], *,
               max_rows: int) -> Table:
    """Read the table whose header names the columns `wanted` maps (folded header -> key);
    `required` maps the keys that must be present to their labels. The workbook is opened through
    workbook_guard (zip sizes capped, claimed dimensions ignored, MAX_COLUMNS wide), and a sheet
    whose row numbers run past max_rows (blank rows count) is refused without reading further."""
    try:
        workbook = open_workbook(stream)
    except WorkbookRefused as exc:
        raise UnreadableWorkbook(str(exc)) from None
    try:
        sheet = _sheet_to_read(workbook)
        table: Table | None = None
        best: tuple[int, int, dict] | None = None   # (matches, row, columns) of the likeliest header
        looked = 0
        for number, values in iter_values(sheet):
            # Blank rows count: a sheet claiming a million rows stops here, whatever it holds.
            if number > (table.header_row if table else HEADER_SEARCH_ROWS + 1) + max_rows:
                raise UnreadableWorkbook(_("Tệp có hơn %(n)d dòng; hãy chia nhỏ.", n=max_rows))
            if not any(v is not None and str(v).strip() for v in values):
                continue
            if table is None:
                columns = _header_map(values, wanted)
                if all(key in columns for key in required):
                    table = Table(sheet=sheet.title, header_row=number, columns=columns)
                    continue
                if best is None or len(columns) > best[0]:
                    best = (len(columns), number, columns)
                looked += 1
                if looked >= HEADER_SEARCH_ROWS:
                    break
                continue
            table.rows.append((number, {key: values[i] if i < len(values) else None
                                        for key, i in table.columns.items()}))
            if len(table.rows) > max_rows:
                raise UnreadableWorkbook(_("Tệp có hơn %(n)d dòng; hãy chia nhỏ.", n=max_rows))
    finally:
        workbook.close()
    if table is None:
        if best is None:
            raise UnreadableWorkbook(_("Trang “%(s)s” không có dữ liệu: cần dòng tiêu đề và ít nhất một dòng.",
                                       s=sheet.title))
        missing = [label for key, label in required.items() if key not in best[2]]
        raise UnreadableWorkbook(_("Trang “%(s)s”: dòng tiêu đề (dòng %(r)d) thiếu cột: %(cols)s. "
                                   "Hãy dùng tệp mẫu.", s=sheet.title, r=best[1], cols=", ".join(missing)))
    return table


def cell_text(value) -> str:
    """A cell as text by the text rule (numbers like 1985.0 read as "1985")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return text.clean(value)


def parse_date(value) -> date | None:
    """A date cell, an Excel serial number, or text dd/mm/yyyy or yyyy-mm-dd; ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)):  # a date cell stored as a plain number (Excel serial)
        if 1 <= value < 2_958_466:
            return from_excel(value).date()
        raise ValueError
    raw = text.clean(value)
    if match := _DATE_TEXT.match(raw):
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    if match := _ISO_DATE.match(raw):
        year, month, day = (int(g) for g in match.groups())
        return date(year, month, day)
    raise ValueError
