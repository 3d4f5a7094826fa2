"""Vietnamese text cases end to end: one normal form, codes by key, folded search, Vietnamese order,
unambiguous name matching, and Excel files that round-trip (nasty values, hidden sheets, titles).

Each case goes through HTTP (and the CLI where there is one); the database tests run again on
PostgreSQL, where sorting is ICU's and the unique keys are PostgreSQL's."""
from __future__ import annotations

import io
import unicodedata
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from tests.helpers import STAFF_HEADER, build_xlsx


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


def _upload(client, data: bytes, name="can-bo.xlsx"):
    return client.post("/orgs/staff/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _apply(client, page: str):
    marker = 'name="token" type="hidden" value="'
    start = page.index(marker) + len(marker)
    return client.post("/orgs/staff/import/apply", data={"token": page[start:page.index('"', start)]})


def _import(client, rows, **kw):
    page = _upload(client, build_xlsx(rows, **kw)).get_data(as_text=True)
    assert "Lỗi: 0" in page, page[page.find("import-errors"):][:1500]
    assert _apply(client, page).status_code == 302
    return page


def _total(page: str) -> int:
    return int(page.split('id="staff-total">')[1].split("<")[0].replace(".", "").replace(",", ""))


def _names_in_order(page: str) -> list[str]:
    body = page.split('<table class="table table-sm table-hover" id="staff">')[1].split("</table>")[0]
    return [row.split("<td>")[2].split("<")[0].strip() for row in body.split("<tr>")[2:] if row.count("<td>") > 2]


# --- the rule itself -------------------------------------------------------------------------

@pytest.mark.parametrize("typed, stored", [
    (nfd("Đặng Văn Ánh"), "Đặng Văn Ánh"),                 # NFD in, NFC stored
    ("  Nguyễn   Thị\tLan  ", "Nguyễn Thị Lan"),           # trimmed, inner whitespace collapsed
    ("Lê\u202eVăn\u202c Tư", "LêVăn Tư"),                   # bidi override stripped
    ("Trần\u200b Bình\x00", "Trần Bình"),                   # zero width and control characters
])
def test_clean_gives_one_normal_form(typed, stored):
    from tinhoc import text
    assert text.clean(typed) == stored and unicodedata.is_normalized("NFC", text.clean(typed))


def test_keys_fold_and_literal_patterns():
    from tinhoc import text
    assert text.code_key("QA-Ư") == text.code_key(nfd("qa-ư")) != text.code_key("QA-Ễ")
    assert text.fold("Đặng Văn Ánh") == text.fold(nfd("ĐẶNG văn ánh")) == "dang van anh"
    assert text.search_pattern("50%_x") == "%50\\%\\_x%" and text.search_pattern("  ") is None


SORTED = ["Bùi Thị Lan", "Dương Văn Hải", "Đặng Thị Bình", "Đỗ Minh Châu", "Ha Văn Ân", "Hà Văn Ân",
          "Hạ Văn Ân", "Hai Văn Ân", "Ngô Thị Hà", "Nguyễn Văn Dũng", "Ông Văn Ba", "Ơn Thị Bé", "Phạm Văn Út",
          "Ưng Thị Ba", "Vũ Văn An"]


def test_sort_key_is_vietnamese_alphabetical_order():
    from tinhoc import text
    assert sorted(reversed(SORTED), key=text.sort_key) == SORTED


# --- search and sort through the staff list --------------------------------------------------

@pytest.fixture
def vietnamese_staff(db, staff_setup, make_person):
    org = staff_setup["department"]
    people = [make_person(f"VN{i:03d}", org, full_name=name) for i, name in enumerate(reversed(SORTED))]
    make_person("QI_001", org, full_name="Lý Thị Gạch")
    return people


def test_staff_list_is_in_vietnamese_order(client, login, vietnamese_staff, staff_setup):
    login("organiser")
    page = client.get(f"/orgs/staff?org={staff_setup['department'].id}").get_data(as_text=True)
    names = [n for n in _names_in_order(page) if n in SORTED]
    assert names == SORTED


@pytest.mark.parametrize("query, expected", [
    ("Đặng", {"Đặng Thị Bình"}), (nfd("Đặng"), {"Đặng Thị Bình"}), ("dang", {"Đặng Thị Bình"}),
    ("ĐẶNG THỊ", {"Đặng Thị Bình"}), ("Văn Ân", {"Ha Văn Ân", "Hà Văn Ân", "Hạ Văn Ân", "Hai Văn Ân", "Vũ Văn An"}),
    ("hạ văn", {"Hạ Văn Ân", "Hà Văn Ân", "Ha Văn Ân"}),               # tones ignored when searching
    ("ưng", {"Ưng Thị Ba", "Nguyễn Văn Dũng"}),                        # accent-insensitive: "Dũng" too
    ("%", set()), ("_", {"Lý Thị Gạch"}), ("qi_0", {"Lý Thị Gạch"}),
])
def test_search_ignores_case_accents_and_form_and_takes_wildcards_literally(client, login, vietnamese_staff,
                                                                            query, expected):
    login("organiser")
    page = client.get("/orgs/staff", query_string={"q": query}).get_data(as_text=True)
    found = set(_names_in_order(page)) - {""}
    assert found == expected, (query, found)


def test_users_list_uses_the_same_search(client, login, make_user):
    make_user("dang", full_name="Đặng Thị Hoa")
    make_user("hoa", full_name="Hoà Bình")
    login("admin")
    page = client.get("/admin/users", query_string={"q": nfd("đặng")}).get_data(as_text=True)
    assert "Đặng Thị Hoa" in page and "Hoà Bình" not in page
    assert "Đặng Thị Hoa" not in client.get("/admin/users?q=%25").get_data(as_text=True)


# --- codes -----------------------------------------------------------------------------------

def test_unit_codes_differing_by_case_or_form_are_one_code(client, login, db, staff_setup):
    from sqlalchemy.exc import IntegrityError

    from tinhoc.orgs.models import Organisation
    login("admin")
    response = client.post("/orgs/new", data={"kind": "department", "code": "qa-ư", "name": "Sở A"})
    assert response.status_code == 302
    for code in ("QA-Ư", nfd("QA-Ư"), " qa-ư "):
        response = client.post("/orgs/new", data={"kind": "department", "code": code, "name": "Sở B"})
        assert response.status_code == 400 and "đã được dùng cho Sở A" in response.get_data(as_text=True)
    assert client.post("/orgs/new", data={"kind": "department", "code": "QA-Ễ", "name": "Sở C"}).status_code == 302
    db.session.add(Organisation(kind="department", code=nfd("QA-Ư"), name="x", path="/x/"))  # past the service
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # an import row with the code in another case and form lands in that unit
    _import(client, [("CB1", "Lê Văn Một", None, None, nfd("Qa-Ư"), "Công chức", None)])
    from tinhoc.orgs.models import Person
    assert db.session.scalar(select(Person).where(Person.employee_code == "CB1")).organisation.name == "Sở A"


def test_employee_codes_with_spaces_or_case_are_one_person(client, login, db, staff_setup):
    from tinhoc.orgs.models import Person
    login("admin")
    _import(client, [(" QI00051 ", "Lê Văn Một", None, None, "SO-TT", "Công chức", None)])
    page = _upload(client, build_xlsx([("qi00051", "Lê Văn Hai", None, None, "SO-TT", "Công chức", None)]))
    assert "Cập nhật: 1" in page.get_data(as_text=True)
    page = _upload(client, build_xlsx([("QI00051", "A", None, None, "SO-TT", "Công chức", None),
                                       ("qi00051", "B", None, None, "SO-TT", "Công chức", None)]))
    assert "trùng với dòng 2" in page.get_data(as_text=True)
    assert [p.employee_code for p in db.session.scalars(select(Person))] == ["QI00051"]
    response = client.post("/orgs/staff/new", data={"employee_code": "qi00051", "full_name": "Khác",
                                                   "organisation_id": staff_setup["department"].id,
                                                   "position_id": db.session.scalar(select(Person)).position_id})
    assert response.status_code == 400 and "Mã cán bộ QI00051 đã thuộc về Lê Văn Một" in response.get_data(as_text=True)


def test_usernames_differing_by_case_are_one_login(client, login):
    login("admin")
    data = {"username": "Lan", "full_name": "Lan", "password": "mat-khau-123", "roles": ["learner"]}
    assert client.post("/admin/users/new", data=data).status_code == 302
    response = client.post("/admin/users/new", data=dict(data, username="LAN"))
    assert "Tên đăng nhập LAN đã được dùng" in response.get_data(as_text=True)


# --- names in imports --------------------------------------------------------------------------

def test_nfd_reimport_changes_nothing_and_stays_searchable(client, login, db, staff_setup):
    login("admin")
    _import(client, [("CB1", "Đặng Văn Ánh", None, None, "SO-TT", "Công chức", None)])
    page = _upload(client, build_xlsx([("CB1", nfd("Đặng  Văn Ánh"), None, None, "SO-TT",
                                        nfd("Công chức"), None)])).get_data(as_text=True)
    assert "Không đổi: 1" in page and "Cập nhật: 0" in page
    assert _total(client.get("/orgs/staff", query_string={"q": "Đặng"}).get_data(as_text=True)) == 1


def test_lookalike_positions_are_refused_or_reported_never_merged(client, login, db, staff_setup, make_position):
    from tinhoc.orgs.models import JobPosition, Person
    login("admin")
    _import(client, [("GV1", "Lê Thị Một", None, None, "SO-TT", "Giáo viên", None),
                     ("GV2", "Lê Thị Hai", None, None, "SO-TT", "giáo viên", None)])
    # the page refuses a lookalike position …
    response = client.post("/orgs/positions", data={"code": "gv", "name": "Giao vien", "sort_order": "1"})
    assert "chỉ khác “Giao vien” ở dấu hoặc chữ hoa" in response.get_data(as_text=True)
    # … and where one exists anyway (older data), an export re-imported keeps everyone where they were
    make_position("gv", "Giao vien")
    export = client.get("/orgs/staff/export.xlsx").data
    page = _upload(client, export).get_data(as_text=True)
    assert "Không đổi: 2" in page
    teacher = db.session.scalar(select(JobPosition).where(JobPosition.code == "teacher"))
    assert {p.position_id for p in db.session.scalars(select(Person))} == {teacher.id}
    # a name that could be either is refused with the row and both candidates
    page = _upload(client, build_xlsx([("GV1", "Lê Thị Một", None, None, "SO-TT", "Giáo vien", None)]))
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "“Giáo viên” (teacher)" in text and "“Giao vien” (gv)" in text


# --- Excel -----------------------------------------------------------------------------------

NASTY = [
    ("=1+1", '=HYPERLINK("http://evil.example/","Bấm vào đây")', "01/02/1990", None, "SO-TT", "Công chức",
     "+84 912 345 678"),
    ("-CB2", "@Lan", None, None, "SO-TT", "Công chức", "-1"),
    ("0012", "Nguyễn Văn  Bảy", None, None, "SO-TT", "Công chức", "TRUE"),
    ("CB4", "Trần Thị Tám", "01/01/1900", None, "SO-TT", "Công chức", "01/02/2003"),
]


def _text_xlsx(rows) -> bytes:
    """Like build_xlsx, but every string is a text cell (as typed after a quote in Excel)."""
    from openpyxl.cell import WriteOnlyCell
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Cán bộ")
    sheet.append(list(STAFF_HEADER))
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_nasty_values_export_as_text_and_round_trip(client, login, db, staff_setup, tmp_path, app):
    from tinhoc.orgs.models import Person
    login("admin")
    page = _upload(client, _text_xlsx(NASTY)).get_data(as_text=True)
    assert f"Mới: {len(NASTY)}" in page, page[page.find("import-errors"):][:1500]
    _apply(client, page)
    exported = client.get("/orgs/staff/export.xlsx").data
    sheet = load_workbook(io.BytesIO(exported)).worksheets[0]   # not data_only: formulas would show
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
    assert cells and all(c.data_type != "f" for c in cells)
    assert sheet["B2"].value.startswith(("=", "@", "N", "T"))
    page = _upload(client, exported).get_data(as_text=True)
    assert f"Không đổi: {len(NASTY)}" in page
    path = tmp_path / "export.xlsx"
    path.write_bytes(exported)
    result = app.test_cli_runner().invoke(args=["tinhoc", "import-staff", str(path), "--dry-run"])
    assert result.exit_code == 0 and f"{len(NASTY)} không đổi" in result.output and "trang “Cán bộ”" in result.output
    names = {p.employee_code: p.full_name for p in db.session.scalars(select(Person))}
    assert names["=1+1"] == '=HYPERLINK("http://evil.example/","Bấm vào đây")' and names["0012"] == "Nguyễn Văn Bảy"


def _workbook(*sheets, active=0) -> bytes:
    """sheets: (title, rows, hidden, merged title) tuples."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows, hidden, merged_title in sheets:
        sheet = workbook.create_sheet(title)
        if merged_title:
            sheet.append([merged_title])
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(STAFF_HEADER))
            sheet.append([])
        sheet.append(list(STAFF_HEADER))
        for row in rows:
            sheet.append(list(row))
        if hidden:
            sheet.sheet_state = "hidden"
    workbook.active = active
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


OLD = [("OLD1", "Người Cũ", None, None, "SO-TT", "Công chức", None)]
NEW = [("NEW1", "Người Mới", None, None, "SO-TT", "Công chức", None)]


@pytest.mark.parametrize("active", [0, 1])
def test_a_hidden_sheet_is_never_read_and_the_sheet_read_is_named(client, login, staff_setup, tmp_path, app, active):
    login("admin")
    data = _workbook(("Cũ", OLD, True, None), ("Cán bộ 2026", NEW, False, None), active=active)
    page = _upload(client, data).get_data(as_text=True)
    assert "Đã đọc trang “Cán bộ 2026”" in page and "NEW1" in page and "OLD1" not in page
    path = tmp_path / "hidden.xlsx"
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["tinhoc", "import-staff", str(path), "--dry-run"])
    assert "Đã đọc trang “Cán bộ 2026”" in result.output and "OLD1" not in result.output


def test_the_active_visible_sheet_is_read(client, login, staff_setup):
    login("admin")
    data = _workbook(("Năm trước", OLD, False, None), ("Năm nay", NEW, False, None), active=1)
    page = _upload(client, data).get_data(as_text=True)
    assert "Đã đọc trang “Năm nay”" in page and "NEW1" in page and "OLD1" not in page


def test_header_below_a_merged_title_row(client, login, db, staff_setup, tmp_path, app):
    from tinhoc.orgs.models import Person
    login("admin")
    data = _workbook(("Cán bộ", NEW, False, "DANH SÁCH CÁN BỘ SỞ THÔNG TIN VÀ TRUYỀN THÔNG"))
    page = _upload(client, data).get_data(as_text=True)
    assert "dòng tiêu đề là dòng 3" in page and "Mới: 1" in page
    path = tmp_path / "title.xlsx"
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["tinhoc", "import-staff", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Person.full_name)) == "Người Mới"


# --- birth dates: one rule for the form and the import ----------------------------------------

@pytest.mark.parametrize("born", ["1800-05-01", "2100-01-01", "0001-01-01"])
def test_implausible_birth_dates_are_refused_by_form_and_import_alike(client, login, db, staff_setup, born):
    from tinhoc.orgs.models import JobPosition
    login("admin")
    position = db.session.scalar(select(JobPosition.id).where(JobPosition.code == "civil_servant"))
    response = client.post("/orgs/staff/new", data={"employee_code": "CB9", "full_name": "Lê Chín",
                                                   "date_of_birth": born, "organisation_id": staff_setup["department"].id,
                                                   "position_id": position})
    assert response.status_code == 400 and "nằm ngoài khoảng hợp lý" in response.get_data(as_text=True)
    year, month, day = (int(x) for x in born.split("-"))
    page = _upload(client, build_xlsx([("CB9", "Lê Chín", date(year, month, day) if year >= 1000 else born, None,
                                        "SO-TT", "Công chức", None)])).get_data(as_text=True)
    assert "Lỗi: 1" in page and ("nằm ngoài khoảng hợp lý" in page or "không hợp lệ" in page)


# --- the migration normalises what is stored --------------------------------------------------

def test_migration_normalises_stored_text_and_renames_colliding_codes(tmp_path):
    from flask_migrate import upgrade
    from sqlalchemy import text as sql

    from tinhoc import create_app
    from tinhoc.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.sqlite3"})
    with app.app_context():
        upgrade(revision="4423dc2b4756")
        with db.engine.begin() as conn:
            conn.execute(sql("INSERT INTO organisation (id, parent_id, path, depth, kind, code, name, created_at) "
                             "VALUES (1, NULL, '/00000001/', 0, 'province', :c, :n, '2026-01-01')"),
                         {"c": "T01", "n": nfd("  UBND tỉnh   Thử ")})
            conn.execute(sql("INSERT INTO job_position (id, code, name, sort_order) VALUES (1, 'cs', :n, 1)"),
                         {"n": nfd("Công chức")})
            for pid, code, name in ((1, " QI00051 ", nfd("Đặng Văn Ánh")), (2, "qi00051", "Lê\u202e Văn")):
                conn.execute(sql("INSERT INTO person (id, employee_code, full_name, organisation_id, position_id, "
                                 "created_at, updated_at) VALUES (:i, :c, :n, 1, 1, '2026-01-01', '2026-01-01')"),
                             {"i": pid, "c": code, "n": name})
        upgrade()
        with db.engine.connect() as conn:
            people = conn.execute(sql("SELECT employee_code, code_key, full_name, search_text, version "
                                      "FROM person ORDER BY id")).all()
            org = conn.execute(sql("SELECT name, code_key FROM organisation")).one()
            renamed = conn.execute(sql("SELECT action, object_id FROM audit_entry")).all()
        db.engine.dispose()
    assert people[0] == ("QI00051", "qi00051", "Đặng Văn Ánh", "dang van anh\nqi00051", 1)
    assert people[1][0] == "qi00051~2" and people[1][2] == "Lê Văn"
    assert org == ("UBND tỉnh Thử", "t01") and renamed == [("migration.code_renamed", "2")]


def test_keys_of_the_longest_values_fit_their_columns(client, login, db, staff_setup):
    """Case folding can lengthen text ("ﬃ" → "ffi", "ß" → "ss"): the longest code and name a form
    accepts still fit their key and search columns, on PostgreSQL too."""
    from tinhoc.orgs.models import JobPosition, Person
    login("admin")
    position = db.session.scalar(select(JobPosition.id).where(JobPosition.code == "civil_servant"))
    response = client.post("/orgs/staff/new", data={"employee_code": "ﬃ" * 32, "full_name": "ß" * 200,
                                                   "organisation_id": staff_setup["department"].id,
                                                   "position_id": position})
    assert response.status_code == 302
    assert db.session.scalar(select(Person.code_key)) == "ffi" * 32
    assert _total(client.get("/orgs/staff?q=ssss").get_data(as_text=True)) == 1
    assert client.post("/orgs/new", data={"kind": "department", "code": "ﬃ" * 32, "name": "Sở"}).status_code == 302
