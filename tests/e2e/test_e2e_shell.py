"""Main journey in a real browser: the demo admin logs in, sees Vietnamese figures, switches to English."""
from __future__ import annotations

import re


def test_admin_home_in_vietnamese_then_english(page, live_server, login_as):
    page.goto(live_server + "/")
    assert page.url.endswith("/login")
    assert page.locator("h1").inner_text() == "Đăng nhập"
    login_as("admin")
    assert "Xin chào, Quản trị hệ thống" in page.locator("h1").inner_text()
    staff_total = int(re.sub(r"\D", "", page.locator("#fig-staff").inner_text()))
    assert 250 <= staff_total <= 400
    assert page.locator("#staff-by-position").get_by_text("Lãnh đạo phụ trách CNTT").count() == 1
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=en]")
    assert "Hello, Quản trị hệ thống" in page.locator("h1").inner_text()
    assert page.get_by_role("button", name="Log out").count() == 1
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=vi]")
    assert page.get_by_role("button", name="Đăng xuất").count() == 1


def test_wrong_password_is_refused_without_detail(page, live_server):
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "sai-mat-khau")
    page.click("button[type=submit]")
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in page.locator(".alert").inner_text()
