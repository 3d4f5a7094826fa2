"""The shell every page shares: Vietnamese by default, English on request, headers, errors, clock."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone


def test_vietnamese_by_default_and_english_on_request(client, login):
    login("learner")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in page and "Trang chủ" in page and "Đăng xuất" in page
    response = client.get("/lang/en", headers={"Referer": "http://localhost/profile"})
    assert response.status_code == 302 and response.headers["Location"] == "http://localhost/profile"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Home" in page and "Log out" in page and "Trang chủ" not in page
    client.get("/lang/vi")
    assert "Trang chủ" in client.get("/").get_data(as_text=True)


def test_language_switch_ignores_foreign_referrer_and_unknown_language(client):
    response = client.get("/lang/fr", headers={"Referer": "http://evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="vi">' in client.get("/login").get_data(as_text=True)


def test_security_headers_and_no_inline_script(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = response.get_data(as_text=True)
    assert "<script>" not in page and " style=" not in page and "onclick" not in page
    assert "/static/vendor/bootstrap/bootstrap.min.css" in page and "cdn" not in page.lower()


def test_csrf_protects_every_form(app, make_user):
    from tests.conftest import TEST_PASSWORD
    make_user("an")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/login", data={"username": "an", "password": TEST_PASSWORD})
        assert response.status_code == 400
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/login", data={"username": "an", "password": TEST_PASSWORD, "csrf_token": token})
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_error_pages_speak_vietnamese(client, login):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404 and "Không tìm thấy trang" in response.get_data(as_text=True)


def test_server_error_page():
    from tinhoc import create_app
    from tinhoc.config import TestConfig
    app = create_app(TestConfig)

    @app.get("/_boom")
    def _boom():
        raise RuntimeError("boom")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/_boom")
    assert response.status_code == 500 and "Lỗi hệ thống" in response.get_data(as_text=True)


def test_dates_are_dd_mm_yyyy_in_vietnam_time():
    from tinhoc.i18n import format_date, format_datetime
    assert format_date(date(2026, 3, 9)) == "09/03/2026"
    # 20:30 UTC on 31 Dec is already New Year in Hanoi (UTC+7).
    assert format_datetime(datetime(2025, 12, 31, 20, 30, tzinfo=timezone.utc)) == "01/01/2026 03:30"
    assert format_date(datetime(2025, 12, 31, 20, 30, tzinfo=timezone.utc)) == "01/01/2026"


def test_clock_freezes_and_database_keeps_utc(frozen_clock, make_user, db):
    start = frozen_clock.now()
    frozen_clock.advance(timedelta(minutes=5))
    assert frozen_clock.now() - start == timedelta(minutes=5)
    user = make_user("gio")
    db.session.expire_all()
    assert user.created_at == start + timedelta(minutes=5) and user.created_at.tzinfo is not None


def test_sanitize_html_strips_scripts():
    from tinhoc.security import sanitize_html
    cleaned = sanitize_html('<p onclick="x()">Chào <script>alert(1)</script><a href="javascript:x">l</a></p>')
    assert "<script" not in cleaned and "onclick" not in cleaned and "javascript:" not in cleaned
    assert cleaned.startswith("<p>Chào")


def test_secret_key_generated_once_and_kept(tmp_path, monkeypatch):
    from tinhoc.config import Config
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = Config(tmp_path).SECRET_KEY
    assert len(first) >= 32 and (tmp_path / "secret_key").exists()
    assert Config(tmp_path).SECRET_KEY == first
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert Config(tmp_path).SECRET_KEY == "from-env"


def test_session_cookie_flags_follow_environment(tmp_path, monkeypatch):
    from tinhoc.config import Config
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    config = Config(tmp_path)
    assert config.SESSION_COOKIE_SECURE and config.SESSION_COOKIE_HTTPONLY and config.PREFERRED_URL_SCHEME == "https"


def test_importing_the_package_does_nothing(tmp_path):
    """Nothing happens at import time: no instance folder, no database, no secret written."""
    import subprocess
    import sys
    code = "import tinhoc, tinhoc.config, tinhoc.extensions; import os; print(os.listdir('.'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
