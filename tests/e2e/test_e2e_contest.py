"""The contest journey: the school's teacher registers two pupils in division B, the organiser
approves them, the teacher prints their login slips, a pupil logs in during the round, submits a
C++ solution to the demo problem, sees AC, and the scoreboard shows it."""
from __future__ import annotations

import io
import re

from tests.helpers import needs_sandbox

pytestmark = needs_sandbox()

CPP_AB = "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}\n"
SLOW_PY = "import sys, time\na, b = map(int, sys.stdin.read().split())\ntime.sleep(0.6)\nprint(a + b)\n"
PUPILS = ("Lý Thu Hằng", "Mạc Đăng Khoa")


def _register(page, live_server, name):
    page.goto(live_server + "/contests/1/register")
    page.select_option("select[name=division]", label="B · Bảng B – Lập trình, học sinh THCS")
    page.fill("input[name=name1]", name)
    page.fill("input[name=grade1]", "8")
    page.select_option("select[name=level1]", "lower")
    page.click("#register-form button[type=submit]")
    page.wait_for_url(re.compile(r"/contests/1/entries$"))
    assert name in page.inner_text("#entries")


def _organiser_adds_a_problem(page, live_server, tmp_path):
    """The package is verified off the request: the page follows it, then shows the problem."""
    from tests.contest_helpers import zip_package
    package = tmp_path / "tong.zip"
    package.write_bytes(zip_package("kattis_aplusb"))
    page.goto(live_server + "/contests/1")
    page.locator("#divisions tr", has_text="Bảng B").locator("a").first.click()
    page.click("text=Thêm bài")
    page.fill("input[name=letter]", "Z")
    page.fill("input[name=title]", "Tổng lần hai")
    page.fill("textarea[name=statement]", "Tính $a+b$.")
    page.set_input_files("input[name=package]", str(package))
    page.click("button:has-text('Kiểm tra và thêm')")
    page.wait_for_url(re.compile(r"/contests/problem-uploads/\d+$"))
    assert "Trình chấm đang chạy các lời giải mẫu" in page.inner_text("main")
    page.wait_for_url(re.compile(r"/contests/problems/\d+$"), timeout=180_000)   # polled, then reloaded
    assert "Đã thêm bài Z" in page.inner_text("main") and "Tổng lần hai" in page.inner_text("h1")


def test_school_registers_organiser_approves_pupil_submits_and_scores(page, live_server, login_as, tmp_path):
    from pypdf import PdfReader
    login_as("teacher")
    for name in PUPILS:
        _register(page, live_server, name)
    row = page.locator("#entries tr", has_text=PUPILS[0])
    assert "Chờ duyệt" in row.inner_text()

    page.context.clear_cookies()
    login_as("organiser")
    page.goto(live_server + "/contests/1/entries")
    for name in PUPILS:
        page.locator("#entries tr", has_text=name).locator("button", has_text="Duyệt").click()
        page.wait_for_load_state()
        assert "Đã duyệt" in page.locator("#entries tr", has_text=name).inner_text()
    _organiser_adds_a_problem(page, live_server, tmp_path)

    page.context.clear_cookies()
    login_as("teacher")
    page.goto(live_server + "/contests/1/entries")
    with page.expect_download() as download:
        page.click("text=In phiếu đăng nhập (PDF)")
    pdf = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    block = text[text.index(PUPILS[0]):]
    username = block.split("Tên đăng nhập:")[1].split()[0]
    password = block.split("Mật khẩu:")[1].split()[0]

    page.context.clear_cookies()
    login_as(username, password)
    page.goto(live_server + "/contests/1")
    page.locator("#divisions tr", has_text="Bảng B").locator("a").first.click()
    page.locator("#problems a").first.click()
    assert "Tổng hai số" in page.inner_text("h1")
    # the statement's formulas ($a + b$) are typeset by the vendored KaTeX as MathML, with no raw $…$ left
    page.wait_for_selector("#statement math")
    assert page.locator("#statement math").count() >= 3 and "$" not in page.inner_text("#statement")
    page.select_option("select[name=language]", "cpp17")
    page.fill("textarea[name=source]", CPP_AB)
    page.click("#submit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/contests/submissions/\d+$"))
    assert "Đã nhận bài nộp" in page.inner_text("main")
    page.wait_for_selector("#tests", timeout=180_000)   # the page polls, then reloads with the result
    assert page.inner_text("#verdict").strip() == "AC"
    # a slower solution (0.6 s a test) lets the page show the judge at work, with a bar
    page.go_back()
    page.select_option("select[name=language]", "python3")
    page.fill("textarea[name=source]", SLOW_PY)
    page.click("#submit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/contests/submissions/\d+$"))
    # past the sample, the round (hidden rows not shown) does not tell which hidden test is running
    page.locator("#progress", has_text=re.compile(r"^Đang chấm các test ẩn…$")).wait_for(timeout=60_000)
    assert page.is_visible("#progress-bar") and page.inner_text("#verdict").strip() == "Đang chấm"
    assert page.get_attribute("#progress-bar", "value") is None      # an endless bar, no count
    # the sample test, finished first, is listed while the hidden ones are still being judged
    page.locator("#live-tests tbody tr", has_text="sample").first.wait_for(timeout=60_000)
    assert "AC" in page.inner_text("#live-tests") and "secret" not in page.inner_text("#live-tests")
    page.wait_for_selector("#tests", timeout=180_000)
    assert page.inner_text("#verdict").strip() == "AC"

    page.goto(live_server + "/contests/1/scoreboard")
    board = page.locator("table.scoreboard[data-division=B]")
    mine = board.locator("tr", has_text=PUPILS[0]).inner_text()
    total = float(mine.split()[-1].replace(",", "."))
    assert total > 0
    other = board.locator("tr", has_text=PUPILS[1]).inner_text()
    assert other.split()[-1] in ("0", "0.0")

