"""A visitor opens the QR link of a demo certificate and sees it valid; the holder downloads the PDF."""
from __future__ import annotations


def test_visitor_opens_the_qr_link_of_the_learners_certificate(page, browser, live_server, login_as):
    login_as("learner")
    page.goto(live_server + "/profile")
    page.click("#my-certificates-link")
    row = page.locator("#my-certificates tbody tr").first
    number = row.locator("code").inner_text()
    assert number.startswith("CB-")
    row.locator("a").first.click()
    page.wait_for_selector("#verify-link")
    assert page.locator("img[alt='Mã QR xác minh']").count() == 1
    with page.expect_download() as download:
        page.click("#download-pdf")
    assert download.value.suggested_filename == f"{number}.pdf"
    qr_link = page.locator("#verify-link").get_attribute("href")
    assert f"/verify/{number}?p=" in qr_link

    visitor = browser.new_context(locale="vi-VN").new_page()   # no login: a stranger who scanned the code
    try:
        visitor.goto(qr_link)
        status = visitor.locator("#verify-status")
        assert status.get_attribute("data-status") == "valid"
        assert "Chứng chỉ còn hiệu lực" in status.inner_text() and "Chữ ký số hợp lệ" in status.inner_text()
        assert visitor.locator("#certificate-number").inner_text() == number
        assert visitor.locator("#certificate-modules tbody tr").count() == 6
        # an employer types a number into the search form instead
        visitor.goto(live_server + "/verify/")
        visitor.fill("input[name=number]", number)
        visitor.click("form[role=search] button")
        assert visitor.locator("#verify-status").get_attribute("data-status") == "valid"
    finally:
        visitor.context.close()
