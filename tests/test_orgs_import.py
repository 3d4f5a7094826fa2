"""Staff import from .xlsx through the pages: template, preview with row errors, all-or-nothing apply."""
from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.helpers import STAFF_HEADER, build_xlsx


def _upload(client, data: bytes, name="can-bo.xlsx"):
    return client.post("/orgs/staff/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _people(db):
    from tinhoc.orgs.models import Person
    db.session.expire_all()
    return {p.employee_code: p for p in db.session.scalars(select(Person))}


def _token(page: str) -> str:
    marker = 'name="token" type="hidden" value="'
    start = page.index(marker) + len(marker)
    return page[start:page.index('"', start)]


GOOD = [
    ("CB001", "Nguyễn Văn An", "05/09/1985", "an@ankhe.gov.vn", "SO-TT", "Công chức", "Chuyên viên"),
    ("CB002", "Trần Thị Bình", datetime(1990, 1, 2), "", "X-01", "it_staff", None),
    ("CB003", "Lê Hoàng Châu", None, None, "h-ab", "lãnh đạo", "Chủ tịch"),
]


def test_template_has_the_columns_and_lists_codes(client, login, staff_setup):
    login("admin")
    response = client.get("/orgs/staff/import/template.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    staff, guide = workbook.worksheets
    assert next(staff.iter_rows(values_only=True)) == STAFF_HEADER
    guide_text = [v for row in guide.iter_rows(values_only=True) for v in row if v]
    assert "X-01" in guide_text and "Lãnh đạo phụ trách CNTT" in guide_text


def test_preview_then_apply_creates_people(client, login, db, staff_setup):
    login("admin")
    response = _upload(client, build_xlsx(GOOD))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
    assert "Mới: 3" in page and "Lỗi: 0" in page
    assert _people(db) == {}  # a preview writes nothing
    response = client.post("/orgs/staff/import/apply", data={"token": _token(page), "filename": "can-bo.xlsx"})
    assert response.status_code == 302
    people = _people(db)
    assert set(people) == {"CB001", "CB002", "CB003"}
    an = people["CB001"]
    assert an.date_of_birth == date(1985, 9, 5) and an.organisation.code == "SO-TT" and an.position.code == "civil_servant"
    assert people["CB002"].date_of_birth == date(1990, 1, 2) and people["CB002"].email is None
    assert people["CB003"].organisation.code == "H-AB" and people["CB003"].position.code == "leader"
    flash = client.get("/orgs/staff").get_data(as_text=True)
    assert "Đã nhập: 3 cán bộ mới, 0 cập nhật, 0 không đổi." in flash and "Nguyễn Văn An" in flash
    # the same token cannot be applied twice
    again = client.post("/orgs/staff/import/apply", data={"token": _token(page)}, follow_redirects=True)
    assert "không còn" in again.get_data(as_text=True)


def test_upsert_reports_new_updated_unchanged(client, login, db, staff_setup):
    login("admin")
    page = _upload(client, build_xlsx(GOOD)).get_data(as_text=True)
    client.post("/orgs/staff/import/apply", data={"token": _token(page)})
    rows = [GOOD[0], ("CB002", "Trần Thị Bình", "02/01/1990", "binh@ankhe.gov.vn", "SO-TT", "it_staff", None),
            ("CB004", "Phạm Minh Đức", "1999-12-31", None, "T01", "teacher", None)]
    page = _upload(client, build_xlsx(rows)).get_data(as_text=True)
    assert "Mới: 1" in page and "Cập nhật: 1" in page and "Không đổi: 1" in page
    assert "Email, Đơn vị" in page  # what the update changes
    client.post("/orgs/staff/import/apply", data={"token": _token(page)})
    people = _people(db)
    assert people["CB002"].email == "binh@ankhe.gov.vn" and people["CB002"].organisation.code == "SO-TT"
    assert len(people) == 4


def test_every_kind_of_bad_row_is_reported_and_nothing_is_written(client, login, db, staff_setup):
    from tinhoc.orgs.models import Person
    login("admin")
    client.post(f"/orgs/{staff_setup['commune'].id}/archive")
    rows = [
        GOOD[0],
        ("CB010", "", "01/01/1980", None, "SO-TT", "Công chức", None),          # row 3: missing name
        ("CB011", "Ngô Văn Tư", "31/02/1980", None, "SO-TT", "Công chức", None),  # row 4: bad date
        ("CB012", "Đỗ Thị Năm", None, None, "KHONG-CO", "Công chức", None),       # row 5: unknown unit
        ("CB001", "Trùng Mã", None, None, "SO-TT", "Công chức", None),            # row 6: duplicate code
        ("CB013", "Vũ Văn Sáu", None, "khong-phai-email", "SO-TT", "Công chức", None),  # row 7: bad email
        ("CB014", "Hồ Thị Bảy", None, None, "SO-TT", "Phi hành gia", None),       # row 8: unknown position
        ("CB015", "Bùi Văn Tám", None, None, "X-01", "Công chức", None),          # row 9: archived unit
        ("", "Không Mã", None, None, "SO-TT", "Công chức", None),                 # row 10: missing code
    ]
    response = _upload(client, build_xlsx(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    expected = [
        ("3", "Họ và tên (cột B)", "Thiếu họ và tên."),
        ("4", "Ngày sinh (cột C)", "Ngày sinh không hợp lệ: “31/02/1980” (hãy ghi theo dạng dd/mm/yyyy)."),
        ("5", "Mã đơn vị (cột E)", "Không có đơn vị nào mang mã “KHONG-CO”."),
        ("6", "Mã cán bộ (cột A)", "Mã cán bộ CB001 trùng với dòng 2 trong tệp."),
        ("7", "Email (cột D)", "Email không hợp lệ: “khong-phai-email”."),
        ("8", "Vị trí việc làm (cột F)", "Không có vị trí việc làm “Phi hành gia”"),
        ("9", "Mã đơn vị (cột E)", "Đơn vị X-01 (UBND xã Tân Lập) đã ngừng hoạt động."),
        ("10", "Mã cán bộ (cột A)", "Thiếu mã cán bộ."),
    ]
    for row, column, message in expected:
        assert f'<tr class="row-error"><td>{row}</td><td>{column}</td><td>{message}' in page, (row, message)
    assert "Có 8 dòng lỗi" in page and 'id="apply-import"' not in page
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_apply_is_refused_when_the_data_changed_since_the_preview(client, login, db, staff_setup):
    """The plan is checked again on apply: a unit archived in between stops the whole import."""
    from tinhoc.access import SYSTEM
    from tinhoc.orgs import services
    from tinhoc.orgs.models import Person
    login("admin")
    page = _upload(client, build_xlsx(GOOD)).get_data(as_text=True)
    services.archive_organisation(SYSTEM, staff_setup["commune"].id)
    response = client.post("/orgs/staff/import/apply", data={"token": _token(page)}, follow_redirects=True)
    assert "dòng lỗi: không có thay đổi nào được ghi" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_files_that_are_not_a_staff_sheet_are_refused_clearly(client, login, staff_setup):
    login("admin")
    page = _upload(client, b"PK\x03\x04 not really a zip").get_data(as_text=True)
    assert "Tệp không đọc được như một bảng tính Excel .xlsx" in page
    page = _upload(client, build_xlsx([("a", "b")], header=("Mã", "Tên"))).get_data(as_text=True)
    assert "Trang “Sheet”: dòng tiêu đề (dòng 1) thiếu cột: Mã cán bộ, Họ và tên, Mã đơn vị, Vị trí việc làm" in page
    page = _upload(client, build_xlsx([])).get_data(as_text=True)
    assert "Trang “Sheet” chỉ có dòng tiêu đề" in page
    response = _upload(client, b"a,b,c", name="can-bo.csv")
    assert response.status_code == 400 and "Chỉ nhận tệp .xlsx" in response.get_data(as_text=True)


def test_headers_in_another_order_and_without_diacritics_blank_rows_keep_numbers(client, login, db, staff_setup):
    login("admin")
    header = ("Vi tri viec lam", "Ma don vi", "Ho va ten", "Ma can bo")
    rows = [("Công chức", "SO-TT", "Nguyễn Văn An", "CB001"), (None, None, None, None),
            ("Công chức", "SO-TT", "", "CB002")]
    page = _upload(client, build_xlsx(rows, header=header)).get_data(as_text=True)
    assert '<tr class="row-error"><td>4</td><td>Họ và tên (cột C)</td>' in page


def test_export_round_trips_through_import(client, login, db, staff_setup):
    login("admin")
    page = _upload(client, build_xlsx(GOOD)).get_data(as_text=True)
    client.post("/orgs/staff/import/apply", data={"token": _token(page)})
    client.post("/logout")
    login("organiser")
    assert "Nhập từ Excel" in client.get("/orgs/staff").get_data(as_text=True)  # organisers keep their staff
    response = client.get(f"/orgs/staff/export.xlsx?org={staff_setup['district'].id}")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == STAFF_HEADER
    assert sorted(r[0] for r in rows[1:]) == ["CB002", "CB003"]  # the district's subtree only
    everything = client.get("/orgs/staff/export.xlsx").data
    client.post("/logout")
    login("admin")
    page = _upload(client, everything).get_data(as_text=True)
    assert "Không đổi: 3" in page and "Mới: 0" in page and "Cập nhật: 0" in page


def test_import_is_audited(client, login, db, staff_setup):
    from tinhoc.audit import AuditEntry
    login("admin")
    page = _upload(client, build_xlsx(GOOD)).get_data(as_text=True)
    client.post("/orgs/staff/import/apply", data={"token": _token(page), "filename": "can-bo.xlsx"})
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "staff.import"))
    assert entry.after["counts"]["new"] == 3 and entry.after["source"] == "can-bo.xlsx"
    assert sorted(entry.after["new"]) == ["CB001", "CB002", "CB003"]


def test_a_preview_can_be_applied_only_by_its_uploader_and_within_a_day(app, client, login, make_user, db,
                                                                        staff_setup, frozen_clock):
    from datetime import timedelta

    from tinhoc.orgs.models import PendingImport, Person
    login("admin")
    token = _token(_upload(client, build_xlsx(GOOD)).get_data(as_text=True))
    other = app.test_client()
    make_user("admin2", roles=["admin"])
    other.post("/login", data={"username": "admin2", "password": "mat-khau-123"})
    assert other.post("/orgs/staff/import/apply", data={"token": token}).status_code == 404  # not theirs
    frozen_clock.advance(timedelta(hours=25))
    page = client.post("/orgs/staff/import/apply", data={"token": token}, follow_redirects=True)
    assert "không còn" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Person.id))) == 0
    _upload(client, build_xlsx(GOOD))  # a new upload clears the expired one
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 1
