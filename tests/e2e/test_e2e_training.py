"""Training in a real browser: the demo learner completes the assigned IU01 and sees 100 %, the
organiser sees it in the subtree report, an instructor builds a course with a rich-text lesson and a
PDF and reorders them."""
from __future__ import annotations

import re

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_learner_completes_iu01_and_the_organiser_sees_it(page, live_server, login_as):
    login_as("learner")
    iu01 = page.locator("#my-training [data-course=IU01]")
    assert "IU01. Hiểu biết về CNTT cơ bản" in iu01.inner_text() and "0%" in iu01.inner_text()
    iu01.locator("a").click()
    page.click("#next-lesson")
    lessons = 0
    while page.locator("#next-lesson").count():
        lessons += 1
        page.click("#next-lesson")
        assert lessons < 20
    assert "Bạn đã hoàn thành khóa học." in page.locator("#course-complete").inner_text()
    page.click("text=Trang chủ")
    assert "100%" in page.locator("#my-training [data-course=IU01]").inner_text()
    page.click("button:has-text('Đăng xuất')")

    login_as("organiser")
    page.click("nav >> text=Đào tạo")
    page.click("#training-report")
    page.click("#count-started")
    rows = page.locator("#report-people tbody tr")
    assert rows.count() == 1
    assert rows.locator(".courses-done").inner_text() == "1/6"
    assert int(page.locator("#count-started").inner_text()) == 1


def test_instructor_builds_a_course_and_reorders_lessons(page, live_server, login_as, tmp_path):
    pdf = tmp_path / "giao-trinh.pdf"
    pdf.write_bytes(PDF)
    login_as("instructor")
    page.click("nav >> text=Đào tạo")
    page.click("#manage-courses")
    page.click("#new-course")
    page.fill("input[name=code]", "E2E-TH")
    page.fill("input[name=title]", "Tin học thực hành E2E")
    page.fill("input[name=hours]", "4")
    page.click("#course-form button[type=submit]")
    assert "Đã lưu khóa học." in page.locator(".alert").first.inner_text()

    page.click("#new-lesson")
    page.select_option("select[name=type]", "text")
    page.fill("input[name=title]", "Bài mở đầu")
    page.click(".ql-editor")
    page.keyboard.type("Chào mừng học viên")
    page.keyboard.press("Control+b")
    page.keyboard.type(" in đậm")
    page.locator(".ql-editor strong").wait_for()
    page.click("#save-lesson")
    assert "Đã lưu bài học." in page.locator(".alert").first.inner_text()

    page.click("#new-lesson")
    page.select_option("select[name=type]", "file")
    page.fill("input[name=title]", "Giáo trình PDF")
    page.set_input_files("input[name=file]", str(pdf))
    page.click("#save-lesson")
    titles = page.locator("#manage-lessons .lesson-item")
    assert [titles.nth(i).get_attribute("data-title") for i in range(titles.count())] == ["Bài mở đầu", "Giáo trình PDF"]
    titles.nth(1).locator(".move-up").click()
    titles = page.locator("#manage-lessons .lesson-item")
    assert [titles.nth(i).get_attribute("data-title") for i in range(titles.count())] == ["Giáo trình PDF", "Bài mở đầu"]

    page.click("text=Xem như học viên")
    page.click("#lessons >> text=Bài mở đầu")
    body = page.locator(".rich-text")
    assert re.search(r"Chào mừng học viên", body.inner_text())
    assert body.locator("strong").inner_text().strip() == "in đậm"
