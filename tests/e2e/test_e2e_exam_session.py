"""Browser journey of a session (ca thi): a candidate finds the demo session on the home page, enters
the waiting room; the room's proctor opens the session from the proctor page; the waiting page
notices by itself and starts the attempt; the proctor sees the candidate working."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD


def test_waiting_room_starts_when_the_proctor_opens(page, browser, live_server, login_as):
    login_as("thisinh1")
    page.click("#my-sessions-panel a")
    expect(page).to_have_url(re.compile(r"/exams/sessions/\d+/wait$"))
    page.click("#check-in")
    expect(page.locator("#start")).to_be_disabled()
    session_path = re.search(r"/exams/sessions/\d+", page.url).group(0)

    proctor = browser.new_context(locale="vi-VN").new_page()
    proctor.goto(live_server + "/login")
    proctor.fill("input[name=username]", "grader")
    proctor.fill("input[name=password]", DEMO_PASSWORD)
    proctor.click("button[type=submit]")
    proctor.wait_for_url(lambda url: "/login" not in url)
    proctor.goto(live_server + session_path + "/proctor")
    expect(proctor.locator("#board")).to_contain_text("đang chờ")
    proctor.click("#open-session")
    expect(proctor.locator("#session-state")).to_contain_text("Đã mở lúc")

    # the waiting page polls the status and starts by itself: no click by the candidate
    expect(page).to_have_url(re.compile(r"/exams/attempts/\d+$"), timeout=20_000)
    expect(page.locator(".attempt-item").first).to_be_visible()
    proctor.reload()
    expect(proctor.locator("#board")).to_contain_text("đang làm bài")
    proctor.context.close()
