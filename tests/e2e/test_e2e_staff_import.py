"""Main journey in a real browser: the admin imports a staff file with one bad row, sees the row
error, uploads the corrected file and imports it."""
from __future__ import annotations

from tests.helpers import build_xlsx


def test_staff_import_shows_the_bad_row_then_imports_the_fixed_file(page, live_server, login_as, tmp_path):
    rows = [("E2E-001", "Nguyễn Thị Thu", "12/03/1988", "thu@ankhe.gov.vn", "SO-TTTT", "Công chức", "Chuyên viên"),
            ("E2E-002", "Trần Văn Khoa", "30/02/1990", None, "SO-TTTT", "Cán bộ chuyên trách CNTT", None)]
    bad = tmp_path / "can-bo.xlsx"
    bad.write_bytes(build_xlsx(rows))
    login_as("admin")
    page.click("text=Cán bộ")
    page.click("text=Nhập từ Excel")
    with page.expect_download() as download:
        page.click("#download-template")
    assert download.value.suggested_filename == "mau-nhap-can-bo.xlsx"

    page.set_input_files("input[name=file]", str(bad))
    page.click("button[type=submit]:has-text('Xem trước')")
    error = page.locator("#import-errors tbody tr")
    assert error.count() == 1
    assert error.locator("td").nth(0).inner_text() == "3"
    assert error.locator("td").nth(1).inner_text() == "Ngày sinh (cột C)"
    assert "Ngày sinh không hợp lệ: “30/02/1990”" in error.locator("td").nth(2).inner_text()
    assert page.locator("#apply-import").count() == 0

    rows[1] = rows[1][:2] + ("28/02/1990",) + rows[1][3:]
    fixed = tmp_path / "can-bo-da-sua.xlsx"
    fixed.write_bytes(build_xlsx(rows))
    page.set_input_files("input[name=file]", str(fixed))
    page.click("button[type=submit]:has-text('Tải lên tệp đã sửa')")
    assert "Mới: 2" in page.locator("#import-summary").inner_text()
    page.click("#apply-import")
    assert "Đã nhập: 2 cán bộ mới, 0 cập nhật, 0 không đổi." in page.locator(".alert-success").inner_text()
    page.fill("input[name=q]", "E2E-002")
    page.click("button:has-text('Lọc')")
    assert page.locator("#staff tbody tr").count() == 1
    assert "Trần Văn Khoa" in page.locator("#staff").inner_text()
