"""Targets in a real browser: the demo `leader` (leader in charge of IT of the one department without a
CIO-trained leader) completes the CIO track, and the organiser's dashboard shows that department's CIO
figure turn complete (province table and drill-down); a visitor opens the new certificate's QR link."""
from __future__ import annotations

CIO_COURSES = [f"CIO0{i}" for i in range(1, 8)]


def _cio_cell(page):
    return page.locator("#targets-children tr[data-unit=SO-KHDT] td[data-metric=cio_leader]")


def test_leader_completes_the_cio_track_and_the_dashboard_turns_complete(page, browser, live_server, login_as):
    login_as("organiser")
    page.click("nav >> text=Chỉ tiêu")
    assert "Kế hoạch chuyển đổi số tỉnh An Khê giai đoạn 2026–2030" in page.locator("select[name=period]").inner_text()
    cell = _cio_cell(page)
    assert (cell.get_attribute("data-numerator"), cell.get_attribute("data-denominator")) == ("0", "1")
    province_before = int(page.locator("#metric-cio_leader").get_attribute("data-numerator"))
    page.click("button:has-text('Đăng xuất')")

    login_as("leader")
    for code in CIO_COURSES:
        page.goto(live_server + "/")
        page.locator(f"#my-training [data-course={code}] a").first.click()
        steps = 0
        while page.locator("#next-lesson").count():
            page.click("#next-lesson")
            steps += 1
            assert steps < 30, code
        assert "Bạn đã hoàn thành khóa học." in page.locator("#course-complete").inner_text(), code
    page.goto(live_server + "/certificates/mine")
    row = page.locator("#my-certificates tbody tr", has_text="CIO").first
    number = row.locator("code").inner_text()
    assert number.startswith("CIO-")
    row.locator("a").first.click()
    qr_link = page.locator("#verify-link").get_attribute("href")
    page.click("button:has-text('Đăng xuất')")

    login_as("organiser")
    page.click("nav >> text=Chỉ tiêu")
    cell = _cio_cell(page)
    assert (cell.get_attribute("data-numerator"), cell.get_attribute("data-denominator")) == ("1", "1")
    assert "text-success" in cell.get_attribute("class")
    assert int(page.locator("#metric-cio_leader").get_attribute("data-numerator")) == province_before + 1
    page.click("#targets-children tr[data-unit=SO-KHDT] a.drill")
    assert page.locator("#targets-unit").inner_text() == "Sở Kế hoạch và Đầu tư"
    figure = page.locator("#metric-cio_leader")
    assert (figure.get_attribute("data-numerator"), figure.get_attribute("data-denominator")) == ("1", "1")
    assert "table-success" in figure.get_attribute("class")
    assert page.locator("#metric-cio_leader .metric-value").inner_text().startswith("100")
    page.click("#targets-up")
    assert page.locator("#targets-unit").inner_text() == "UBND tỉnh An Khê"

    visitor = browser.new_context(locale="vi-VN").new_page()   # no login: someone who scanned the QR code
    try:
        visitor.goto(qr_link)
        status = visitor.locator("#verify-status")
        assert status.get_attribute("data-status") == "valid"
        assert visitor.locator("#certificate-number").inner_text() == number
        assert "Giám đốc CNTT" in visitor.content()
    finally:
        visitor.context.close()
