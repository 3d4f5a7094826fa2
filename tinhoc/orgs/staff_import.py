"""Staff import from .xlsx: read (openpyxl, read-only), check every row, preview, apply all-or-nothing.

`plan_import(stream, actor)` reads the file and says, for every row, whether it would be new, updated or
unchanged, and every error by row number and column. `apply_import` writes a plan that has no
error in one transaction. The web page and `flask tinhoc import-staff` share both.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl.utils import get_column_letter
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from .. import clock, text
from ..access import STAFF_ROLES, Actor
from ..audit import record as audit
from ..extensions import db
from .models import JobPosition, Organisation, Person
from .rules import birth_date_problem
from .signals import staff_changed
from .workbook_reading import UnreadableWorkbook, cell_text, header_key, parse_date, read_table


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
    version: int | None = None      # the person's version when planned: a later change refuses the apply
    before: dict | None = None


@dataclass
class ImportReport:
    rows: list[RowReport] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    sheet: str = ""          # the sheet that was read (the report says it: never a hidden one)
    header_row: int = 0

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


# --- reading (workbook_reading.py: sheet, header row, cell values) ---------------------------

def _wanted_headers() -> dict[str, str]:
    wanted = {}
    for col in COLUMNS:
        for name in (col.header, col.key, *col.aliases):
            wanted[header_key(name)] = col.key
    return wanted


# --- planning --------------------------------------------------------------------------------

class _Lookups:
    """Everything a row is checked against, loaded in a few queries for the whole file."""

    def __init__(self, code_keys: list[str], actor: Actor):
        self.actor = actor
        self.orgs = {o.code_key: o for o in db.session.scalars(select(Organisation))}
        positions = list(db.session.scalars(select(JobPosition)))
        self.positions = positions
        self._by_key: dict[str, list[JobPosition]] | None = None
        self._by_fold: dict[str, list[JobPosition]] = {}
        self.position_names = ", ".join(p.name for p in sorted(positions, key=lambda p: p.sort_order))
        # Existing people as plain rows (id, the compared fields, their unit's path for the scope check):
        # no ORM objects.
        self.people: dict[str, dict] = {}
        unique = sorted(set(code_keys))
        columns = ([Person.id, Person.code_key, Person.left_at, Person.version, Organisation.path.label("org_path")]
                   + [getattr(Person, f) for f in PERSON_FIELDS])
        people = select(*columns).join(Organisation, Organisation.id == Person.organisation_id)
        if len(unique) > 2000:  # a big file: one scan of the table beats many long IN lists
            wanted = set(unique)
            for row in db.session.execute(people).mappings():
                if row["code_key"] in wanted:
                    self.people[row["code_key"]] = row
            return
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            for row in db.session.execute(people.where(Person.code_key.in_(chunk))).mappings():
                self.people[row["code_key"]] = row

    def position(self, typed: str) -> tuple[JobPosition | None, list[JobPosition]]:
        """The position a cell names (by code or name, case and Unicode form ignored); when only a
        match without accents is possible and several names fold alike, none: (None, candidates)."""
        if self._by_key is None:
            self._by_key, self._by_fold = {}, {}
            for p in self.positions:
                for key in {p.code_key, text.code_key(p.name)}:
                    self._by_key.setdefault(key, []).append(p)
                self._by_fold.setdefault(text.fold(p.name), []).append(p)
        exact = self._by_key.get(text.code_key(typed), [])
        alike = exact or self._by_fold.get(text.fold(typed), [])
        if len(alike) == 1:
            return alike[0], []
        return None, alike


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
        error("employee_code", _("Mã cán bộ dài %(n)d ký tự; tối đa 32.", n=len(code)))
    elif text.code_key(code) in first_seen:
        error("employee_code", _("Mã cán bộ %(c)s trùng với dòng %(r)d trong tệp.", c=code,
                                 r=first_seen[text.code_key(code)]))
    else:
        first_seen[text.code_key(code)] = report.row

    name = report.full_name
    if not name:
        error("full_name", _("Thiếu họ và tên."))
    elif len(name) > 200:
        error("full_name", _("Họ và tên dài %(n)d ký tự; tối đa 200.", n=len(name)))

    born = None
    try:
        born = parse_date(raw.get("date_of_birth"))
    except (ValueError, OverflowError):
        error("date_of_birth", _("Ngày sinh không hợp lệ: “%(v)s” (hãy ghi theo dạng dd/mm/yyyy).",
                                 v=cell_text(raw.get("date_of_birth"))))
    if problem := birth_date_problem(born):
        error("date_of_birth", problem)
        born = None

    email = cell_text(raw.get("email")) or None
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            error("email", _("Email không hợp lệ: “%(v)s”.", v=email))
        if email and len(email) > 255:
            error("email", _("Email dài quá 255 ký tự."))

    org = None
    org_code = cell_text(raw.get("org_code"))
    if not org_code:
        error("org_code", _("Thiếu mã đơn vị."))
    else:
        org = look.orgs.get(text.code_key(org_code))
        if org is None:
            error("org_code", _("Không có đơn vị nào mang mã “%(c)s”.", c=org_code))
        elif not look.actor.covers(org.path, *STAFF_ROLES):
            error("org_code", _("Đơn vị %(c)s nằm ngoài phạm vi bạn quản lý.", c=org.code))
        elif org.is_archived:
            error("org_code", _("Đơn vị %(c)s (%(n)s) đã ngừng hoạt động.", c=org.code, n=org.name))

    position = None
    position_text = cell_text(raw.get("position"))
    if not position_text:
        error("position", _("Thiếu vị trí việc làm."))
    else:
        position, candidates = look.position(position_text)
        if candidates:
            error("position", _("“%(v)s” có thể là nhiều vị trí việc làm chỉ khác nhau ở dấu hoặc chữ hoa: "
                                "%(list)s; hãy ghi đúng tên hoặc mã.", v=position_text,
                                list=", ".join(f"“{p.name}” ({p.code})" for p in candidates)))
        elif position is None:
            error("position", _("Không có vị trí việc làm “%(v)s”; dùng một trong: %(list)s.",
                                v=position_text, list=look.position_names))

    title = cell_text(raw.get("title")) or None
    if title and len(title) > 120:
        error("title", _("Chức danh dài %(n)d ký tự; tối đa 120.", n=len(title)))

    person = look.people.get(text.code_key(code))
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
    report.version = person["version"]
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
    required = {c.key: str(c.label) for c in COLUMNS if c.required}
    try:
        table = read_table(stream, _wanted_headers(), required, max_rows=MAX_ROWS)
    except UnreadableWorkbook as exc:
        report.file_errors.append(str(exc))
        return report
    report.sheet, report.header_row = table.sheet, table.header_row
    if not table.rows:
        report.file_errors.append(_("Trang “%(s)s” chỉ có dòng tiêu đề, không có cán bộ nào.", s=table.sheet))
        return report
    look = _Lookups([text.code_key(cell_text(raw.get("employee_code"))) for _, raw in table.rows], actor)
    first_seen: dict[str, int] = {}
    for number, raw in table.rows:
        row = RowReport(row=number, employee_code=cell_text(raw.get("employee_code")),
                        full_name=cell_text(raw.get("full_name")))
        _check_row(row, raw, table.columns, look, first_seen)
        report.rows.append(row)
    return report


def apply_import(actor: Actor, report: ImportReport, *, source: str = "") -> dict[str, int]:
    """Write a clean plan in one transaction; with any error, or a clash, nothing changes.
    Updates bump each person's version and only apply to the version that was planned, so a person
    edited in between is not silently overwritten."""
    if not report.ok:
        raise ImportRefused(_("Tệp còn %(n)d dòng lỗi: không có thay đổi nào được ghi.", n=len(report.error_rows)))
    now = clock.now()
    new = [dict(r.values, **Person.derived(r.values["employee_code"], r.values["full_name"]),
                created_at=now, updated_at=now, version=1) for r in report.rows if r.action == "new"]
    changed = [r for r in report.rows if r.action == "updated"]
    table = Person.__table__
    try:
        if new:
            db.session.execute(insert(Person), new)
        if changed:
            fields = [*PERSON_FIELDS, "search_text"]
            statement = (update(table).where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
                         .values(updated_at=now, left_at=None, version=table.c.version + 1,
                                 **{f: bindparam(f"b_{f}") for f in fields}))
            params = [{"b_id": r.person_id, "b_version": r.version,
                       "b_search_text": Person.derived(r.values["employee_code"], r.values["full_name"])["search_text"],
                       **{f"b_{f}": r.values[f] for f in PERSON_FIELDS}} for r in changed]
            result = db.session.execute(statement, params)
            if db.engine.dialect.supports_sane_multi_rowcount and result.rowcount != len(changed):
                raise _Changed()
        counts = report.counts()
        audit(actor, "staff.import", "person", None, before={
            r.employee_code: r.before for r in changed},
            after={"source": source, "counts": counts, "sheet": report.sheet,
                   "new": [r.employee_code for r in report.rows if r.action == "new"],
                   "updated": {r.employee_code: {k: _jsonable(r.values.get(k)) for k in r.before} for r in changed}})
        db.session.commit()
    except (IntegrityError, _Changed):
        db.session.rollback()
        raise ImportRefused(_("Dữ liệu cán bộ vừa bị thay đổi trong lúc nhập (trùng mã cán bộ hoặc hồ sơ vừa "
                              "được sửa); không có thay đổi nào được ghi. Hãy xem trước và nhập lại."))
    staff_changed.send(None, employee_codes=[r.values["employee_code"] for r in report.rows
                                             if r.action in ("new", "updated")])
    return report.counts()


class _Changed(Exception):
    """A planned update found its person at another version: someone saved in between."""
