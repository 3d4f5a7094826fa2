"""Browser journey: a learner's finished exam (theory auto-marked, a practical .docx) is set up by the
services on the live server's database; the organiser hands the practical part to the demo grader,
who marks it blind in the browser (downloading the file under its attempt code); the organiser
releases the results; the learner logs in and sees the scores, the verdict and the comment."""
from __future__ import annotations

import re

from playwright.sync_api import expect

SETUP = """
from tinhoc.accounts.services import find_by_username
from tests.exams_grading_helpers import DOCX, bank, finished_attempt, make_exam
learner = find_by_username("learner")
versions = bank()
exam = make_exam(learner.person.organisation, "Kỳ thi thử chấm bài trực tuyến")
theory, practical = exam.parts
finished_attempt(theory, learner, [(versions["choice"], 5, 0), (versions["choice2"], 5, 1)])
finished_attempt(practical, learner, [(versions["file"], 10, DOCX)], filename=learner.full_name + ".docx")
print(exam.id, practical.id, learner.full_name, sep="|")
"""


def test_grader_marks_organiser_releases_candidate_sees_result(page, live_server, login_as, run_in_live_app):
    exam_id, part_id, learner_name = run_in_live_app(SETUP).strip().split("|")

    # the organiser hands the practical part to the demo grader
    login_as("organiser")
    page.get_by_role("link", name="Chấm thi").click()
    page.goto(f"{live_server}/exams/grading/parts/{part_id}")
    page.get_by_label("Giám khảo").check()
    page.get_by_role("button", name="Chia bài chưa phân công").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã phân công 1 bài chấm vòng 1")
    page.locator("form[action='/logout'] button").click()

    # the grader marks it blind
    login_as("grader")
    page.get_by_role("link", name="Chấm thi").click()
    row = page.locator("#grading-queue tbody tr").filter(has_text="Kỳ thi thử chấm bài trực tuyến")
    code = row.locator("td").first.inner_text().strip()
    assert re.fullmatch(r"BT-[A-Z2-7]{7}", code)
    row.get_by_role("link", name="Chấm").click()
    expect(page.locator("h1")).to_contain_text(code)
    assert learner_name not in page.content()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Tải tệp bài làm")).click()
    assert download.value.suggested_filename == f"{code}-cau-1.docx"
    page.get_by_label(re.compile("Điểm")).fill("1.5")
    page.get_by_role("button", name="Lưu điểm").click()
    expect(page.locator(".alert-danger")).to_contain_text("từ 0 đến 1")
    page.get_by_label(re.compile("Điểm")).fill("0,8")
    page.get_by_label("Nhận xét cho thí sinh").fill("Đúng thể thức, thiếu số trang.")
    page.get_by_role("button", name="Lưu điểm").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu điểm")
    expect(row).to_contain_text("Đã chấm")
    page.locator("form[action='/logout'] button").click()

    # the organiser releases
    login_as("organiser")
    page.goto(f"{live_server}/exams/results/{exam_id}")
    expect(page.locator("#results-table")).to_contain_text(learner_name)
    page.get_by_role("button", name="Công bố kết quả").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã công bố kết quả; cấp 1 giấy chứng nhận đạt")
    page.locator("form[action='/logout'] button").click()

    # the candidate sees the result
    login_as("learner")
    page.get_by_role("link", name="Kết quả thi").click()
    page.get_by_role("link", name="Kỳ thi thử chấm bài trực tuyến").click()
    expect(page.locator("#exam-verdict")).to_contain_text("Đạt")
    parts = page.locator(".part-result")
    expect(parts.nth(0)).to_contain_text("Lý thuyết: 10 / 10")
    expect(parts.nth(1)).to_contain_text("Thực hành: 8 / 10")
    expect(parts.nth(1)).to_contain_text("Đúng thể thức, thiếu số trang.")
