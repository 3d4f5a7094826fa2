"""A session's candidate list from an .xlsx: one row per candidate, by employee code or username.

Shares the staff import's pieces: the workbook is opened by `workbook_reading` (zip sizes capped,
header found under title rows, hidden sheets never read), the upload waits between its preview
and "apply" in `pending` (bound to its uploader and to this session), and the apply is all or
nothing: every bad row is listed with its row number and nothing is added unless all are good.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tinhoc import text
from tinhoc.access import Actor
from tinhoc.accounts.models import User
from tinhoc.extensions import db
from tinhoc.orgs import pending
from tinhoc.orgs.models import Person
from tinhoc.orgs.staff_import import ImportRefused
from tinhoc.orgs.workbook_reading import UnreadableWorkbook, cell_text, header_key, read_table

from .models import ExamCandidate, ExamSession
from .sessions import add_candidates, candidate_scope_problem

MAX_ROWS = 5000
HEADERS = {"employee_code": ("Mã cán bộ", "ma can bo", "employee code", "employee_code", "ma cb"),
           "username": ("Tên đăng nhập", "ten dang nhap", "username", "tai khoan", "login")}
LABELS = {"employee_code": _l("Mã cán bộ"), "username": _l("Tên đăng nhập")}


@dataclass
class CandidateRow:
    row: int
    key: str                         # what the row gave: the code or the username
    full_name: str = ""
    user_id: int | None = None
    person_id: int | None = None
    status: str = "error"            # new | present | error
    error: str = ""


@dataclass
class CandidatePlan:
    rows: list[CandidateRow] = field(default_factory=list)
    file_error: str = ""
    sheet: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_error and bool(self.rows) and not any(r.status == "error" for r in self.rows)

    @property
    def new_rows(self) -> list[CandidateRow]:
        return [r for r in self.rows if r.status == "new"]

    @property
    def error_rows(self) -> list[CandidateRow]:
        return [r for r in self.rows if r.status == "error"]


def _read(data: bytes):
    wanted = {header_key(name): key for key, names in HEADERS.items() for name in names}
    messages = []
    for required in ("employee_code", "username"):
        try:
            return read_table(io.BytesIO(data), wanted, {required: str(LABELS[required])}, max_rows=MAX_ROWS)
        except UnreadableWorkbook as exc:
            messages.append(str(exc))
    if messages[0] != messages[1]:   # each names its own missing column: the header has neither
        raise UnreadableWorkbook(_("Không thấy dòng tiêu đề có cột “Mã cán bộ” hoặc “Tên đăng nhập”."))
    raise UnreadableWorkbook(messages[0])   # unreadable, too long or empty, whichever column is asked


def plan_candidates(actor: Actor, session: ExamSession, data: bytes) -> CandidatePlan:
    """Check every row (in a few queries for the whole file) without writing anything."""
    plan = CandidatePlan()
    try:
        table = _read(data)
    except UnreadableWorkbook as exc:
        plan.file_error = str(exc)
        return plan
    plan.sheet = table.sheet
    wanted = []
    for number, values in table.rows:
        code, username = cell_text(values.get("employee_code")), cell_text(values.get("username"))
        if not code and not username:
            continue
        wanted.append((number, code, username))
    codes = {text.code_key(c) for _n, c, _u in wanted if c}
    names = {text.code_key(u) for _n, c, u in wanted if u and not c}
    people = {p.code_key: p for p in db.session.scalars(select(Person).where(Person.code_key.in_(codes)))} \
        if codes else {}
    users_by_person = {u.person_id: u for u in db.session.scalars(
        select(User).where(User.person_id.in_([p.id for p in people.values()])))} if people else {}
    users = {u.username_key: u for u in db.session.scalars(select(User).where(User.username_key.in_(names)))} \
        if names else {}
    user_people = {p.id: p for p in db.session.scalars(select(Person).where(
        Person.id.in_([u.person_id for u in users.values() if u.person_id])))}
    present = set(db.session.scalars(select(ExamCandidate.user_id).where(ExamCandidate.session_id == session.id)))
    seen: dict[int, int] = {}
    for number, code, username in wanted:
        row = CandidateRow(row=number, key=code or username)
        plan.rows.append(row)
        if code:
            person = people.get(text.code_key(code))
            user = users_by_person.get(person.id) if person else None
            if person is None:
                row.error = _("không có cán bộ mã %(c)s", c=code)
                continue
            if user is None:
                row.error = _("cán bộ %(c)s chưa có tài khoản", c=code)
                continue
        else:
            user = users.get(text.code_key(username))
            if user is None:
                row.error = _("không có tài khoản %(u)s", u=username)
                continue
            person = user_people.get(user.person_id)
        row.full_name, row.user_id, row.person_id = user.full_name, user.id, person.id if person else None
        if not user.active:
            row.error = _("tài khoản đã bị khóa")
        elif problem := candidate_scope_problem(actor, session, person):
            row.error = problem
        elif user.id in seen:
            row.error = _("trùng với dòng %(r)d", r=seen[user.id])
        else:
            seen[user.id] = number
            row.status = "present" if user.id in present else "new"
    if not plan.rows:
        plan.file_error = _("Tệp không có dòng thí sinh nào.")
    return plan


def _kind(session: ExamSession) -> str:
    return f"exam_candidates:{session.id}"


def preview(actor: Actor, session: ExamSession, data: bytes, filename: str) -> tuple[CandidatePlan, str | None]:
    """The plan, and the token of the kept upload when it may be applied."""
    plan = plan_candidates(actor, session, data)
    token = pending.keep_upload(actor, data, filename, kind=_kind(session)) if plan.ok else None
    return plan, token


def apply(actor: Actor, session: ExamSession, token: str) -> int:
    """Check the kept upload again and add its candidates, in one transaction with the claim of the
    upload (a second "apply" finds nothing). ImportRefused when any row is now bad."""
    kept = pending.claim(actor, token, _kind(session))
    plan = plan_candidates(actor, session, kept.data)
    if not plan.ok:
        db.session.rollback()
        raise ImportRefused(plan.file_error or _("Tệp có %(n)d dòng lỗi; không thí sinh nào được thêm.",
                                                 n=len(plan.error_rows)))
    return add_candidates(actor, session, [(r.user_id, r.person_id) for r in plan.new_rows],
                          source=f"xlsx:{kept.filename}")
