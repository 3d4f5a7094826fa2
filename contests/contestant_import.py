"""Contestants from an .xlsx (an organiser for any school of the contest, a school's teacher for
their own): one row per pupil; rows with the same team name (same division and school) form a team.

All or nothing, like the staff import: every row is checked first (school, grade against the
division as registration checks it, teams, duplicates in the file and against entries already
registered) and any error (named by row number and column) means nothing is written. The whole
file is then written in one transaction through registration.register, which makes the accounts
as registration does (login slips print their passwords). An organiser's rows are approved at
once; a teacher's wait for the organiser, as registered ones do. Reuses the staff import's
workbook reading (tinhoc/orgs/workbook_reading.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from tinhoc import clock, text
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.rules import birth_date_problem
from tinhoc.orgs.staff_import import CellError, Column
from tinhoc.orgs.workbook_reading import UnreadableWorkbook, cell_text, header_key, parse_date, read_table

from . import board, registration
from .models import Contest, Division, Entry, EntryMember, Round
from .registration_window import closed_reason
from .services import ContestError, may_manage

COLUMNS = (
    Column("full_name", _l("Họ và tên"), "Họ và tên", ("ho ten", "ho va ten thi sinh", "full name"), True, 28),
    Column("date_of_birth", _l("Ngày sinh"), "Ngày sinh", ("date of birth",), False, 12),
    Column("school", _l("Trường"), "Trường", ("ma truong", "ten truong", "school"), True, 30),
    Column("grade", _l("Lớp"), "Lớp", ("khoi", "khoi lop", "grade"), True, 6),
    Column("level", _l("Cấp học"), "Cấp học", ("cap", "school level"), False, 14),
    Column("division", _l("Bảng"), "Bảng", ("bang thi", "division"), True, 8),
    Column("team", _l("Đội"), "Đội", ("ten doi", "team"), False, 20),
)
LEVEL_WORDS = {"tieu hoc": "primary", "th": "primary", "primary": "primary", "thcs": "lower", "lower": "lower",
               "thpt": "upper", "upper": "upper", "thpt chuyen": "upper_specialist", "chuyen": "upper_specialist",
               "upper_specialist": "upper_specialist"}
MAX_ROWS = 2000


@dataclass
class ContestantRow:
    row: int
    full_name: str = ""
    errors: list[CellError] = field(default_factory=list)
    pupil: registration.Pupil | None = None
    division: Division | None = None
    school_id: int | None = None
    team: str = ""


@dataclass
class ContestantReport:
    rows: list[ContestantRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    sheet: str = ""
    entries: list[Entry] = field(default_factory=list)   # written (only when ok)

    @property
    def ok(self) -> bool:
        return not self.file_errors and bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def error_rows(self) -> list[ContestantRow]:
        return [r for r in self.rows if r.errors]


def _wanted() -> dict[str, str]:
    return {header_key(name): col.key for col in COLUMNS for name in (col.header, col.key, *col.aliases)}


def _label(key: str, columns: dict[str, int]) -> str:
    col = next(c for c in COLUMNS if c.key == key)
    if key in columns:
        return _("%(label)s (cột %(letter)s)", label=col.label, letter=get_column_letter(columns[key] + 1))
    return str(col.label)


def _level(typed: str, grade: int, division: Division | None) -> str | None:
    """The school level typed, else the one the grade implies (grades 10–12: the division's upper level)."""
    if typed:
        return LEVEL_WORDS.get(text.fold(typed))
    if 1 <= grade <= 5:
        return "primary"
    if 6 <= grade <= 9:
        return "lower"
    upper = [lv for lv in (division.school_levels if division else []) if lv in ("upper", "upper_specialist")]
    return upper[0] if len(upper) == 1 else "upper"


def _check(report: ContestantRow, raw: dict, columns: dict, contest: Contest, schools: dict, divisions: dict) -> None:
    def error(key: str, message: str) -> None:
        report.errors.append(CellError(_label(key, columns), message))

    name = cell_text(raw.get("full_name"))
    report.full_name = name
    if not name:
        error("full_name", _("Thiếu họ và tên."))
    elif len(name) > 200:
        error("full_name", _("Họ và tên dài quá 200 ký tự."))
    born = None
    try:
        born = parse_date(raw.get("date_of_birth"))
    except ValueError:
        error("date_of_birth", _("Ngày sinh không hợp lệ (dd/mm/yyyy)."))
    if born is not None and (problem := birth_date_problem(born)):
        error("date_of_birth", problem)
    typed_school = cell_text(raw.get("school"))
    school = schools.get(text.code_key(typed_school)) or schools.get(text.fold(typed_school))
    if not typed_school:
        error("school", _("Thiếu trường."))
    elif school is None:
        error("school", _("Trường “%(s)s” không có trong danh sách trường bạn phụ trách.", s=typed_school))
    elif contest.organisation is not None and not school.path.startswith(contest.organisation.path):
        error("school", _("Trường này không thuộc phạm vi của hội thi."))
    division = divisions.get(text.code_key(cell_text(raw.get("division"))))
    if division is None:
        error("division", _("Bảng “%(d)s” không có trong hội thi.", d=cell_text(raw.get("division"))))
    grade = 0
    try:
        grade = int(float(cell_text(raw.get("grade")) or "x"))
    except ValueError:
        pass
    if not 1 <= grade <= 12:
        error("grade", _("Lớp phải là số từ 1 đến 12."))
        return
    level = _level(cell_text(raw.get("level")), grade, division)
    if level is None:
        error("level", _("Cấp học phải là Tiểu học, THCS, THPT hoặc THPT chuyên."))
        return
    team = cell_text(raw.get("team"))[:120]
    if team and division is not None and not division.team_entry:
        error("team", _("Bảng %(d)s thi cá nhân; hãy để trống cột Đội.", d=division.code))
    report.pupil = registration.Pupil(name, grade, level, born)
    report.division, report.school_id, report.team = division, school.id if school else None, team
    if division is not None and name and (why := registration.eligibility_error(division, report.pupil)):
        error("grade", why)


def _cross_checks(rows: list[ContestantRow], columns: dict, contest: Contest) -> None:
    """Duplicates (in the file, and against entries already registered) and team sizes."""
    existing = {(div_id, school_id, text.fold(name)) for div_id, school_id, name in db.session.execute(
        select(Entry.division_id, Entry.school_id, EntryMember.full_name).join(EntryMember.entry)
        .join(Division, Division.id == Entry.division_id).where(Division.contest_id == contest.id))}
    seen: dict[tuple, int] = {}
    teams: dict[tuple, list[ContestantRow]] = {}
    for r in rows:
        if r.pupil is None or r.division is None or r.school_id is None:
            continue
        key = (r.division.id, r.school_id, text.fold(r.full_name), r.pupil.date_of_birth)
        if key in seen:
            r.errors.append(CellError(_label("full_name", columns),
                                      _("Trùng với dòng %(n)s (cùng bảng, trường, họ tên, ngày sinh).", n=seen[key])))
        seen.setdefault(key, r.row)
        if (r.division.id, r.school_id, text.fold(r.full_name)) in existing:
            r.errors.append(CellError(_label("full_name", columns),
                                      _("%(n)s đã được đăng ký ở bảng %(d)s.", n=r.full_name, d=r.division.code)))
        if r.team:
            teams.setdefault((r.division.id, r.school_id, text.fold(r.team)), []).append(r)
    for group in teams.values():
        most = group[0].division.max_team_size
        if len(group) > most:
            for r in group:
                r.errors.append(CellError(_label("team", columns),
                                          _("Đội “%(t)s” có %(n)s thí sinh; bảng %(d)s nhận tối đa %(m)s.", t=r.team,
                                            n=len(group), d=r.division.code, m=most)))


def plan(actor: Actor, contest: Contest, stream: IO[bytes]) -> ContestantReport:
    report = ContestantReport()
    if (closed := closed_reason(contest)) and not may_manage(actor, contest):
        report.file_errors.append(closed)
        return report
    try:
        table = read_table(stream, _wanted(), {c.key: str(c.label) for c in COLUMNS if c.required}, max_rows=MAX_ROWS)
    except UnreadableWorkbook as exc:
        report.file_errors.append(str(exc))
        return report
    report.sheet = table.sheet
    schools = {}
    for s in registration.teacher_schools(actor):
        schools[s.code_key] = s
        schools.setdefault(text.fold(s.name), s)
    divisions = {text.code_key(d.code): d for d in contest.divisions}
    for number, raw in table.rows:
        row = ContestantRow(number)
        _check(row, raw, table.columns, contest, schools, divisions)
        report.rows.append(row)
    _cross_checks(report.rows, table.columns, contest)
    if not report.rows:
        report.file_errors.append(_("Tệp không có dòng thí sinh nào."))
    return report


def import_contestants(actor: Actor, contest: Contest, stream: IO[bytes]) -> ContestantReport:
    """Check the file and, when every row is right, write it all in one transaction."""
    report = plan(actor, contest, stream)
    if not report.ok:
        return report
    manager = may_manage(actor, contest)
    groups: dict[tuple, list[ContestantRow]] = {}
    for r in report.rows:
        key = (r.division.id, r.school_id, text.fold(r.team)) if r.team else ("row", r.row)
        groups.setdefault(key, []).append(r)
    now = clock.now()
    try:
        for group in groups.values():
            first = group[0]
            entry = registration.register(actor, contest, division_id=first.division.id, school_id=first.school_id,
                                          pupils=[r.pupil for r in group], team_name=first.team, commit=False)
            if manager:
                entry.status, entry.approved_at = "approved", now
            report.entries.append(entry)
    except ContestError as exc:   # checked above; the database changed in between
        db.session.rollback()
        report.entries = []
        report.file_errors.append(str(exc))
        return report
    if manager:
        board.touch(*db.session.scalars(select(Round.id).where(
            Round.division_id.in_({e.division_id for e in report.entries}))))
    audit(actor, "contest.entry.import", "contest", contest.id,
          after={"entries": len(report.entries), "pupils": len(report.rows), "approved": manager})
    db.session.commit()
    return report


def template_xlsx(actor: Actor, contest: Contest) -> bytes:
    """The empty sheet with the expected headers, and a guide listing the divisions of the contest
    and the schools the actor may import for (their codes), so nobody has to guess them."""
    from openpyxl import Workbook

    from tinhoc.orgs.spreadsheets import header_cells, text_cell, workbook_bytes
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Thí sinh")
    sheet.append(header_cells(sheet, [c.header for c in COLUMNS]))
    guide = workbook.create_sheet("Hướng dẫn")
    guide.append(header_cells(guide, ["Bảng", "Tên bảng", "Lớp", "Thi theo đội"]))
    for d in contest.divisions:
        guide.append([text_cell(guide, d.code), text_cell(guide, d.name), f"{d.min_grade}–{d.max_grade}",
                      d.max_team_size if d.team_entry else None])
    guide.append([])
    guide.append(header_cells(guide, ["Mã trường", "Tên trường"]))
    for school in registration.teacher_schools(actor):
        if contest.organisation is None or school.path.startswith(contest.organisation.path):
            guide.append([text_cell(guide, school.code), text_cell(guide, school.name)])
    return workbook_bytes(workbook)


__all__ = ["COLUMNS", "ContestantReport", "import_contestants", "plan", "template_xlsx"]
