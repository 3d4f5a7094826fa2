"""Browser journey: the demo juror (`juror`) opens the creative-product queue of division D1, grades
an entry blind (codes only, the product downloaded under its code), is refused a score out of range,
saves valid scores; the demo chair (`grader`) sees the flagged entry and records a decision."""
from __future__ import annotations

import re

from playwright.sync_api import expect

TEAM_WORDS = ["Đội Mầm Xanh", "Đội Cầu Vồng", "Đội Ong Vàng", "Đội Sao Mai", "Nguyễn Minh Khoa", "Phạm Ngọc Vy",
              "Trần Bảo An", "Lê Thị Hà", "Hoàng Gia Linh", "Đỗ Quang Phúc", "Vũ Thu Giang", "Trường"]


def _blind(page):
    html = page.content()
    for word in TEAM_WORDS:
        assert word not in html, word


def test_juror_grades_a_division_d_entry(page, live_server, login_as):
    login_as("juror")
    page.get_by_role("link", name="Chấm sản phẩm").click()
    expect(page.locator("h1")).to_contain_text("Chấm sản phẩm sáng tạo")
    _blind(page)
    row = page.locator("#jury-queue tbody tr").filter(has_text="chưa chấm").first
    code = row.locator("td").first.inner_text().strip()
    assert re.fullmatch(r"D1-\d{3}", code)
    row.get_by_role("link", name="Chấm").click()
    expect(page.locator("h1")).to_contain_text(code)
    _blind(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Tải sản phẩm")).click()
    assert download.value.suggested_filename == f"{code}.zip"
    page.get_by_label(re.compile("Ý tưởng, tính sáng tạo")).fill("11")
    page.get_by_label(re.compile("Tính ứng dụng thực tế")).fill("8")
    page.get_by_label(re.compile("Kỹ thuật thực hiện")).fill("7,5")
    page.get_by_label(re.compile("Trình bày, thuyết minh")).fill("9")
    page.get_by_role("button", name="Lưu điểm").click()
    expect(page.locator(".alert-danger")).to_contain_text("phải từ 0 đến 10")
    page.get_by_label(re.compile("Ý tưởng, tính sáng tạo")).fill("9")
    page.get_by_label("Nhận xét").fill("Ý tưởng hay, trình bày rõ ràng.")
    page.get_by_role("button", name="Lưu điểm").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu điểm")
    expect(page.locator("#my-total")).to_have_text("84")     # 3·9 + 3·8 + 2·7.5 + 2·9
    _blind(page)
    page.get_by_role("link", name="Danh sách sản phẩm").click()
    expect(page.locator("#jury-queue tbody tr").filter(has_text=code)).to_contain_text("84")
    page.locator("form[action='/logout'] button").click()

    # the chair settles the demo's flagged entry
    login_as("grader")
    page.get_by_role("link", name="Chấm sản phẩm").click()
    page.locator("#chaired a").first.click()
    flagged = page.locator("#flagged tbody tr").first
    flagged_code = flagged.get_attribute("data-code")
    _blind(page)
    flagged.get_by_placeholder("Điểm cuối").fill("72")
    flagged.get_by_placeholder("Lý do").fill("Đã xem lại video: phần cứng chạy đúng.")
    flagged.get_by_role("button", name="Ghi quyết định").click()
    expect(page.locator(".alert-success")).to_contain_text(f"Đã ghi quyết định của trưởng ban cho {flagged_code}")
