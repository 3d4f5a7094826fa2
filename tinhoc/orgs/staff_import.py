"""Staff import from .xlsx: read (openpyxl, read-only), check every row, preview, apply all-or-nothing.

`plan_import(stream, actor)` reads the file and says, for every row, whether it would be new, updated or
unchanged, and every error by row number and column. `apply_import` writes a plan that has no
error in one transaction. The web page and `flask tinhoc import-staff` share both.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Iterable

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..access import STAFF_ROLES, Actor
from ..audit import record as audit
from ..extensions import db
from .models import JobPosition, Organisation, Person
from .signals import staff_changed
from .workbook_guard import WorkbookRefused, iter_values, open_workbook


@dataclass(frozen=True)
class Column:
    key: str
    label: object          # Vietnamese header (lazy, translated for display)
    header: str            # the exact header written in the template
    aliases: tuple[str, ...]
    required: bool = False
    width: int = 18


COLUMNS = (
    Column("employee_code", _l("Mã cán bộ"), "Mã cán bộ", ("ma can bo", "employee code", "employee_code"), True, 14),
    Column("full_name", _l("Họ và tên"), "Họ và tên", ("ho va ten", "ho ten", "full name", "full_name"), True, 28),
    Column("date_of_birth", _l("Ngày sinh"), "Ngày sinh", ("ngay sinh", "date of birth", "date_of_birth"), False, 12),
    Column("email", _l("Email"), "Email", ("e-mail", "thu dien tu"), False, 28),
    Column("org_code", _l("Mã đơn vị"), "Mã đơn vị", ("ma don vi", "organisation code", "org_code"), True, 14),
    Column("position", _l("Vị trí việc làm"), "Vị trí việc làm",
           ("vi tri viec lam", "vi tri", "job position", "position"), True, 26),
    Column("title", _l("Chức danh"), "Chức danh", ("chuc danh", "chuc vu", "title"), False, 20),
)
PERSON_FIELDS = ("full_name", "date_of_birth", "email", "organisation_id", "position_id", "title")
FIELD_LABELS = {"full_name": _l("Họ và tên"), "date_of_birth": _l("Ngày sinh"), "email": _l("Email"),
                "organisation_id": _l("Đơn vị"), "position_id": _l("Vị trí việc làm"), "title": _l("Chức danh")}
MAX_ROWS = 50_000
_DATE_TEXT = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


class ImportRefused(Exception):
    """The plan has errors (or the database changed under it): nothing was written."""


@dataclass
class CellError:
    column: str      # header label as the user sees it, with the column letter
    message: str


@dataclass
class RowReport:
    row: int                        # Excel row number, as the user sees it
    employee_code: str = ""
    full_name: str = ""
    action: str = "error"           # new | updated | unchanged | error
    errors: list[CellError] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)   # labels of the fields an update changes
    values: dict = field(default_factory=dict)          # clean values to write
    person_id: int | None = None
    before: dict | None = None


@dataclass
class ImportReport:
    rows: list[RowReport] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(r.errors for r in self.rows)

    @property
    def error_rows(self) -> list[RowReport]:
        return [r for r in self.rows if r.errors]

    def counts(self) -> dict[str, int]:
        out = {"new": 0, "updated": 0, "unchanged": 0, "error": 0}
        for r in self.rows:
            out[r.action] += 1
        return out


# --- reading ---------------------------------------------------------------------------------

def _fold(text: str) -> str:
    """Lower case without Vietnamese diacritics, for matching headers as people type them."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Mn").lower().split())


def _header_map(header: Iterable) -> tuple[dict[str, int], list[str]]:
    wanted = {}
    for col in COLUMNS:
        for name in (col.header, col.key, *col.aliases):
            wanted[_fold(name)] = col.key
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = wanted.get(_fold(cell)) if cell is not None else None
        if key and key not in found:
            found[key] = index
    missing = [str(c.label) for c in COLUMNS if c.required and c.key not in found]
    return found, missing


def _open_workbook(stream: IO[bytes]):
    try:
        return open_workbook(stream)
    except WorkbookRefused as exc:
        raise ImportRefused(str(exc)) from None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _parse_date(value) -> date | None:
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
    text = str(value).strip()
    if match := _DATE_TEXT.match(text):
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    if match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
        return date(year, month, day)
    raise ValueError


# --- planning --------------------------------------------------------------------------------

class _Lookups:
    """Everything a row is checked against, loaded in a few queries for the whole file."""

    def __init__(self, codes: list[str], actor: Actor):
        self.actor = actor
        self.orgs = {o.code.upper(): o for o in db.session.scalars(select(Organisation))}
        positions = list(db.session.scalars(select(JobPosition)))
        self.positions = {p.code.lower(): p for p in positions}
        self.positions.update({_fold(p.name): p for p in positions})
        self.position_names = ", ".join(p.name for p in sorted(positions, key=lambda p: p.sort_order))
        # Existing people as plain rows (id, the compared fields, their unit's path for the scope check):
        # no ORM objects.
        self.people: dict[str, dict] = {}
        unique = sorted(set(codes))
        columns = ([Person.id, Person.employee_code, Person.left_at, Organisation.path.label("org_path")]
                   + [getattr(Person, f) for f in PERSON_FIELDS])
        people = select(*columns).join(Organisation, Organisation.id == Person.organisation_id)
        if len(unique) > 2000:  # a big file: one scan of the table beats many long IN lists
            wanted = set(unique)
            for row in db.session.execute(people).mappings():
                if row["employee_code"] in wanted:
                    self.people[row["employee_code"]] = row
            return
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            for row in db.session.execute(people.where(Person.employee_code.in_(chunk))).mappings():
                self.people[row["employee_code"]] = row


def _cell_label(key: str, columns: dict[str, int]) -> str:
    col = next(c for c in COLUMNS if c.key == key)
    if key in columns:
        return _("%(label)s (cột %(letter)s)", label=col.label, letter=get_column_letter(columns[key] + 1))
    return str(col.label)


def _check_row(report: RowReport, raw: dict, columns: dict[str, int], look: _Lookups,
               first_seen: dict[str, int]) -> None:
    def error(key: str, message: str) -> None:
        report.errors.append(CellError(_cell_label(key, columns), message))

    code = report.employee_code
    if not code:
        error("employee_code", _("Thiếu mã cán bộ."))
    elif len(code) > 32:
        error("employee_code", _("Mã cán bộ dài quá 32 ký tự."))
    elif code in first_seen:
        error("employee_code", _("Mã cán bộ %(c)s trùng với dòng %(r)d trong tệp.", c=code, r=first_seen[code]))
    else:
        first_seen[code] = report.row

    name = report.full_name
    if not name:
        error("full_name", _("Thiếu họ và tên."))
    elif len(name) > 200:
        error("full_name", _("Họ và tên dài quá 200 ký tự."))

    born = None
    try:
        born = _parse_date(raw.get("date_of_birth"))
    except (ValueError, OverflowError):
        error("date_of_birth", _("Ngày sinh không hợp lệ: “%(v)s” (hãy ghi theo dạng dd/mm/yyyy).",
                                 v=_text(raw.get("date_of_birth"))))
    if born is not None and not (date(1900, 1, 1) <= born <= clock.now().date()):
        error("date_of_birth", _("Ngày sinh %(d)s nằm ngoài khoảng hợp lý.", d=born.strftime("%d/%m/%Y")))
        born = None

    email = _text(raw.get("email")) or None
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            error("email", _("Email không hợp lệ: “%(v)s”.", v=email))
        if email and len(email) > 255:
            error("email", _("Email dài quá 255 ký tự."))

    org = None
    org_code = _text(raw.get("org_code"))
    if not org_code:
        error("org_code", _("Thiếu mã đơn vị."))
    else:
        org = look.orgs.get(org_code.upper())
        if org is None:
            error("org_code", _("Không có đơn vị nào mang mã “%(c)s”.", c=org_code))
        elif not look.actor.covers(org.path, *STAFF_ROLES):
            error("org_code", _("Đơn vị %(c)s nằm ngoài phạm vi bạn quản lý.", c=org.code))
        elif org.is_archived:
            error("org_code", _("Đơn vị %(c)s (%(n)s) đã ngừng hoạt động.", c=org.code, n=org.name))

    position = None
    position_text = _text(raw.get("position"))
    if not position_text:
        error("position", _("Thiếu vị trí việc làm."))
    else:
        position = look.positions.get(position_text.lower()) or look.positions.get(_fold(position_text))
        if position is None:
            error("position", _("Không có vị trí việc làm “%(v)s”; dùng một trong: %(list)s.",
                                v=position_text, list=look.position_names))

    title = _text(raw.get("title")) or None
    if title and len(title) > 120:
        error("title", _("Chức danh dài quá 120 ký tự."))

    person = look.people.get(code)
    if person is not None and not look.actor.covers(person["org_path"], *STAFF_ROLES):
        error("employee_code", _("Mã cán bộ %(c)s đã được dùng ở một đơn vị ngoài phạm vi bạn quản lý.", c=code))
    if report.errors:
        report.action = "error"
        return
    report.values = {"employee_code": code, "full_name": name, "date_of_birth": born, "email": email,
                     "organisation_id": org.id, "position_id": position.id, "title": title}
    if person is None:
        report.action = "new"
        return
    report.person_id = person["id"]
    old = {f: person[f] for f in PERSON_FIELDS}
    changed = [f for f in PERSON_FIELDS if old[f] != report.values[f]]
    report.changes = [str(FIELD_LABELS[f]) for f in changed]
    if person["left_at"] is not None:  # on HR's list again: working here again
        changed.append("left_at")
        report.changes.append(_("trở lại làm việc"))
    report.action = "updated" if changed else "unchanged"
    if changed:
        report.before = {f: _jsonable(person[f]) for f in changed}


def _jsonable(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def plan_import(stream: IO[bytes], actor: Actor) -> ImportReport:
    """Read the file and check every row against the database and the actor's scope (a unit, or an
    existing person, outside it is a row error); nothing is written."""
    report = ImportReport()
    try:
        workbook = _open_workbook(stream)
    except ImportRefused as exc:
        report.file_errors.append(str(exc))
        return report
    try:
        sheet = workbook.worksheets[0]
        columns: dict[str, int] | None = None
        raw_rows: list[tuple[int, dict]] = []
        for number, values in iter_values(sheet):
            if number > MAX_ROWS + 1:  # blank rows count: a sheet claiming a million rows stops here
                report.file_errors.append(_("Tệp có hơn %(n)d dòng; hãy chia nhỏ.", n=MAX_ROWS))
                return report
            if not any(v is not None and str(v).strip() for v in values):
                continue
            if columns is None:
                columns, missing = _header_map(values)
                if missing:
                    report.file_errors.append(_("Dòng tiêu đề (dòng %(r)d) thiếu cột: %(cols)s. Hãy dùng tệp mẫu.",
                                                r=number, cols=", ".join(missing)))
                    return report
                continue
            raw_rows.append((number, {key: values[i] if i < len(values) else None for key, i in columns.items()}))
            if len(raw_rows) > MAX_ROWS:
                report.file_errors.append(_("Tệp có hơn %(n)d dòng; hãy chia nhỏ.", n=MAX_ROWS))
                return report
    finally:
        workbook.close()
    if columns is None:
        report.file_errors.append(_("Tệp không có dữ liệu: cần dòng tiêu đề và ít nhất một dòng cán bộ."))
        return report
    if not raw_rows:
        report.file_errors.append(_("Tệp chỉ có dòng tiêu đề, không có cán bộ nào."))
        return report
    look = _Lookups([_text(raw.get("employee_code")) for _, raw in raw_rows], actor)
    first_seen: dict[str, int] = {}
    for number, raw in raw_rows:
        row = RowReport(row=number, employee_code=_text(raw.get("employee_code")),
                        full_name=_text(raw.get("full_name")))
        _check_row(row, raw, columns, look, first_seen)
        report.rows.append(row)
    return report


def apply_import(actor: Actor, report: ImportReport, *, source: str = "") -> dict[str, int]:
    """Write a clean plan in one transaction; with any error, or a clash, nothing changes."""
    if not report.ok:
        raise ImportRefused(_("Tệp còn %(n)d dòng lỗi: không có thay đổi nào được ghi.", n=len(report.error_rows)))
    now = clock.now()
    new = [dict(r.values, created_at=now, updated_at=now) for r in report.rows if r.action == "new"]
    changed = [r for r in report.rows if r.action == "updated"]
    try:
        if new:
            db.session.execute(insert(Person), new)
        if changed:
            db.session.execute(update(Person), [
                {"id": r.person_id, "updated_at": now, "left_at": None,
                 **{k: v for k, v in r.values.items() if k != "employee_code"}} for r in changed])
        counts = report.counts()
        audit(actor, "staff.import", "person", None, before={
            r.employee_code: r.before for r in changed},
            after={"source": source, "counts": counts,
                   "new": [r.employee_code for r in report.rows if r.action == "new"],
                   "updated": {r.employee_code: {k: _jsonable(r.values.get(k)) for k in r.before} for r in changed}})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ImportRefused(_("Dữ liệu cán bộ vừa bị thay đổi trong lúc nhập (trùng mã cán bộ); "
                              "không có thay đổi nào được ghi. Hãy xem trước và nhập lại."))
    staff_changed.send(None, employee_codes=[r.values["employee_code"] for r in report.rows
                                             if r.action in ("new", "updated")])
    return report.counts()

