"""Contestant import from .xlsx (organiser; a school's teacher for their own school) with row errors,
all or nothing; and the registration window (Vietnam time typed, UTC stored, organisers exempt)."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from tests.contest_helpers import contest_world

HEAD = ["Họ và tên", "Ngày sinh", "Trường", "Lớp", "Cấp học", "Bảng", "Đội"]


def xlsx(rows, head=HEAD, title_rows=()) -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    for t in title_rows:
        ws.append(t)
    ws.append(head)
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def ew(db, frozen_clock, make_user, grant):
    from contests import services
    from tinhoc.access import SYSTEM
    from tinhoc.orgs import services as orgs
    cw = contest_world(db)
    cw["c1"] = services.add_division(SYSTEM, cw["contest"], code="C1", name="Bảng C1", school_levels=["upper_specialist"],
                                     min_grade=10, max_grade=12, team_entry=True, max_team_size=2)
    cw["other_school"] = orgs.create_organisation(SYSTEM, kind="school", code="H-AB-THPT", name="Trường THPT chuyên An Bình",
                                                  parent_id=cw["district_org"].id)
    teacher = make_user("teacher", roles=[])
    grant(teacher, "teacher", "H-AB-THCS")
    make_user("teacher2", roles=[])
    return cw


def _post(client, cw, data: bytes, name="thi-sinh.xlsx"):
    return client.post(f"/contests/{cw['contest'].id}/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _count(db, model):
    return db.session.scalar(select(func.count(model.id)))


def test_organiser_imports_pupils_and_a_team(client, login, ew, db):
    from contests.models import Entry, EntryMember
    before = _count(db, Entry)
    login("organiser")
    data = xlsx([("Phạm Minh Đức", "05/09/2013", "H-AB-THCS", 8, "", "B", ""),
                 ("Lê Thu Hà", date(2012, 1, 2), "Trường THCS An Bình", 9, "THCS", "b", None),
                 ("Vũ Hoàng An", "", "H-AB-THPT", 11, "THPT chuyên", "C1", "Đội Sao Mai"),
                 ("Đỗ Ngọc Bích", "", "H-AB-THPT", 10, "", "C1", "Đội Sao Mai")],
                title_rows=[("DANH SÁCH THÍ SINH",)])
    r = _post(client, ew, data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Đã nhập 4 thí sinh (3 bài dự thi)." in page
    assert _count(db, Entry) == before + 3
    duc = db.session.scalar(select(EntryMember).where(EntryMember.full_name == "Phạm Minh Đức"))
    assert duc.date_of_birth == date(2013, 9, 5) and duc.grade == 8 and duc.school_level == "lower"
    assert duc.entry.status == "approved" and duc.user.username.startswith("ts26b")
    assert "student" in duc.user.role_names
    team = db.session.scalar(select(Entry).where(Entry.name == "Đội Sao Mai"))
    assert [m.full_name for m in team.members] == ["Vũ Hoàng An", "Đỗ Ngọc Bích"]
    assert {m.school_level for m in team.members} == {"upper_specialist"}   # blank: the division's upper level
    # the accounts print on login slips as registered ones do
    slips = client.post(f"/contests/{ew['contest'].id}/slips.pdf", data={"school": ew["other_school"].id})
    from pypdf import PdfReader
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(slips.data)).pages)
    assert "Vũ Hoàng An" in text and "Mật khẩu:" in text
    from tinhoc.audit import AuditEntry
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contest.entry.import")).after == {
        "entries": 3, "pupils": 4, "approved": True}


def test_teacher_imports_for_their_school_pending_approval(client, login, ew, db):
    from contests.models import Entry
    login("teacher")
    r = _post(client, ew, xlsx([("Trịnh Quốc Khánh", "", "H-AB-THCS", 7, "", "B", "")]))
    assert r.status_code == 302
    entry = db.session.scalar(select(Entry).where(Entry.name == "Trịnh Quốc Khánh"))
    assert entry.status == "pending" and entry.teacher_id is not None


def test_teacher_cannot_import_for_another_school(client, login, ew, db):
    from contests.models import Entry
    before = _count(db, Entry)
    login("teacher")
    page = _post(client, ew, xlsx([("Trịnh Quốc Khánh", "", "H-AB-THCS", 7, "", "B", ""),
                                   ("Vũ Hoàng An", "", "H-AB-THPT", 11, "THPT chuyên", "C1", "")])).get_data(as_text=True)
    assert "Không nhập thí sinh nào" in page
    assert 'data-row="3"' in page and "Trường “H-AB-THPT” không có trong danh sách trường bạn phụ trách." in page
    assert 'data-row="2"' not in page
    assert _count(db, Entry) == before
    client.post("/logout")
    login("teacher2")   # a teacher without a school
    assert client.get(f"/contests/{ew['contest'].id}/import").status_code == 403


def test_bad_rows_reported_by_row_number_and_nothing_imported(client, login, ew, db):
    from contests.models import Entry
    from tinhoc.accounts.models import User
    before, users = _count(db, Entry), _count(db, User)
    login("organiser")
    rows = [("Phạm Minh Đức", "05/09/2013", "H-AB-THCS", 8, "", "B", ""),          # 2: fine
            ("", "", "H-AB-THCS", 8, "", "B", ""),                                   # 3: no name
            ("Lê Thu Hà", "31/02/2012", "H-AB-THCS", 8, "", "B", ""),                # 4: bad date
            ("Hồ Lan", "", "H-AB-THCS", 11, "THPT", "B", ""),                        # 5: grade too high
            ("Ngô Bảo", "", "H-AB-THCS", 8, "", "Z", ""),                            # 6: no such division
            ("Đặng Vy", "", "H-AB-THCS", 8, "", "B", "Đội 1"),                       # 7: team in B
            ("Phạm Minh Đức", "05/09/2013", "H-AB-THCS", 8, "", "B", ""),            # 8: duplicate of 2
            ("A1", "", "H-AB-THPT", 11, "THPT chuyên", "C1", "Đội Ba"),              # 9-11: team of 3
            ("A2", "", "H-AB-THPT", 11, "THPT chuyên", "C1", "Đội Ba"),
            ("A3", "", "H-AB-THPT", 11, "THPT chuyên", "C1", "Đội Ba"),
            ("Bùi Nam", "", "H-AB-THCS", "tám", "", "B", ""),                        # 12: grade not a number
            ("Nguyễn Thị An", "", "H-AB-THCS", 8, "", "B", ""),                      # 13: already registered
            ("Cao Minh", "", "Trường không có", 8, "", "B", "")]                     # 14: unknown school
    page = _post(client, ew, xlsx(rows)).get_data(as_text=True)
    expected = {3: "Thiếu họ và tên.", 4: "Ngày sinh không hợp lệ", 5: "Lớp 11 cao hơn quy định của bảng B",
                6: "Bảng “Z” không có trong hội thi.", 7: "Bảng B thi cá nhân; hãy để trống cột Đội.",
                8: "Trùng với dòng 2", 9: "Đội “Đội Ba” có 3 thí sinh; bảng C1 nhận tối đa 2.",
                11: "Đội “Đội Ba” có 3 thí sinh", 12: "Lớp phải là số từ 1 đến 12.",
                13: "Nguyễn Thị An đã được đăng ký ở bảng B.", 14: "Trường “Trường không có” không có"}
    for row, message in expected.items():
        assert f'data-row="{row}"' in page, row
        cell = page.split(f'data-row="{row}"')[1].split("</tr>")[0]
        assert message in cell, (row, cell)
    assert 'data-row="2"' not in page and "Lớp (cột D)" in page
    assert _count(db, Entry) == before and _count(db, User) == users


@pytest.mark.parametrize("data,message", [
    (b"not a workbook", "Tệp không đọc được như một bảng tính Excel .xlsx"),
    (None, "thiếu cột: Bảng"),
    (b"", "Hãy chọn tệp Excel (.xlsx)."),
])
def test_unreadable_files_refused(client, login, ew, data, message):
    login("organiser")
    if data is None:
        data = xlsx([("Phạm Minh Đức", "", "H-AB-THCS", 8)], head=HEAD[:4])
    page = client.post(f"/contests/{ew['contest'].id}/import", data={"file": (io.BytesIO(data), "x.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert message in page


def test_import_template_has_the_columns(client, login, ew):
    from openpyxl import load_workbook
    login("teacher")
    r = client.get(f"/contests/{ew['contest'].id}/import/template.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    head = next(wb.active.iter_rows(values_only=True))
    assert list(head) == HEAD
    guide = list(wb["Hướng dẫn"].iter_rows(values_only=True))
    assert ("B", "Bảng B", "6–9", None) in guide and ("C1", "Bảng C1", "10–12", 2) in guide
    assert ("H-AB-THCS", "Trường THCS An Bình") in [g[:2] for g in guide]
    assert "H-AB-THPT" not in [g[0] for g in guide]     # not the teacher's school


def _register(client, cw, name="Phạm Minh Đức"):
    data = {"division": cw["division"].id, "school": cw["school"].id, "name1": name, "grade1": 8,
            "level1": "lower", "name2": "", "grade2": "", "level2": "lower", "team_name": ""}
    return client.post(f"/contests/{cw['contest'].id}/register", data=data)


def test_registration_window_typed_in_vietnam_time(client, login, ew, db, frozen_clock):
    from contests.models import Entry
    login("organiser")
    url = f"/contests/{ew['contest'].id}/registration-window"
    assert client.get(url).status_code == 200
    page = client.post(url, data={"opens_at": "2026-03-05T08:00", "closes_at": "2026-03-01T08:00"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Thời gian đóng đăng ký phải sau thời gian mở." in page
    r = client.post(url, data={"opens_at": "2026-03-02T08:00", "closes_at": "2026-03-09T17:00"})
    assert r.status_code == 302
    db.session.expire_all()
    from tinhoc import clock
    assert clock.as_utc(ew["contest"].registration_opens_at) == datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
    assert clock.as_utc(ew["contest"].registration_closes_at) == datetime(2026, 3, 9, 10, 0, tzinfo=timezone.utc)
    assert "02/03/2026 08:00" in client.get(r.headers["Location"]).get_data(as_text=True)
    # the frozen clock is 2026-03-01 08:00 UTC: before the window. The organiser may still add.
    assert _register(client, ew, "Người Ban Tổ Chức Thêm").status_code == 302
    client.post("/logout")
    login("teacher")
    before = _count(db, Entry)
    page = _register(client, ew).get_data(as_text=True)
    assert "Chưa đến thời gian đăng ký: đăng ký mở từ 02/03/2026 08:00." in page
    page = _post(client, ew, xlsx([("Trịnh Quốc Khánh", "", "H-AB-THCS", 7, "", "B", "")])).get_data(as_text=True)
    assert "Chưa đến thời gian đăng ký" in page
    assert _count(db, Entry) == before
    frozen_clock.freeze(datetime(2026, 3, 5, 3, 0, tzinfo=timezone.utc))
    assert _register(client, ew).status_code == 302
    frozen_clock.freeze(datetime(2026, 3, 9, 10, 0, tzinfo=timezone.utc))   # 17:00 in Vietnam: closed
    page = _register(client, ew, "Muộn Một Phút").get_data(as_text=True)
    assert "Đã hết thời gian đăng ký (đóng lúc 09/03/2026 17:00)." in page


def test_window_page_is_the_organisers(client, login, ew):
    login("teacher")
    assert client.get(f"/contests/{ew['contest'].id}/registration-window").status_code == 403
    client.post("/logout")
    login("district")   # does not manage a province contest
    assert client.get(f"/contests/{ew['contest'].id}/registration-window").status_code == 404
