"""Login, logout, rate limits, temporary passwords and password changes, driven through HTTP."""
from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD


def test_anonymous_home_sends_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert "Đăng nhập" in page and 'name="username"' in page


def test_login_then_logout(client, make_user):
    make_user("lan", roles=["learner"], full_name="Nguyễn Thị Lan")
    response = client.post("/login", data={"username": "lan", "password": TEST_PASSWORD})
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Xin chào, Nguyễn Thị Lan" in home
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_username_is_case_insensitive_and_last_login_recorded(client, make_user, db):
    user = make_user("Hung", roles=["learner"])
    assert client.post("/login", data={"username": "hung", "password": TEST_PASSWORD}).status_code == 302
    db.session.refresh(user)
    assert user.last_login_at is not None


@pytest.mark.parametrize("username,password", [("lan", "sai-mat-khau"), ("khong-ai", TEST_PASSWORD)])
def test_failed_login_does_not_say_which_part_was_wrong(client, make_user, username, password):
    make_user("lan")
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in page


def test_inactive_user_cannot_log_in(client, make_user, db):
    user = make_user("locked")
    user.active = False
    db.session.commit()
    assert client.post("/login", data={"username": "locked", "password": TEST_PASSWORD}).status_code == 401


def test_next_parameter_only_goes_to_this_site(client, make_user):
    make_user("an")
    response = client.post("/login?next=//evil.example/x", data={"username": "an", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/profile", data={"username": "an", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/profile"


def test_exam_room_of_45_behind_one_address_all_log_in(app, make_user):
    """45 identical computers behind one NAT address log in within a minute: none is refused."""
    for i in range(45):
        make_user(f"thisinh{i:02d}", roles=["learner"])
    for i in range(45):
        client = app.test_client()
        response = client.post("/login", data={"username": f"thisinh{i:02d}", "password": TEST_PASSWORD},
                               environ_base={"REMOTE_ADDR": "10.20.30.40"})
        assert response.status_code == 302, f"candidate {i} refused with {response.status_code}"


def test_guessing_one_account_is_stopped_and_others_still_log_in(app, make_user):
    make_user("target")
    make_user("other")
    client = app.test_client()
    statuses = [client.post("/login", data={"username": "target", "password": f"wrong-{i}"},
                            environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code for i in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    refused = client.post("/login", data={"username": "target", "password": TEST_PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert refused.status_code == 429
    assert "Vui lòng đợi" in refused.get_data(as_text=True)
    ok = client.post("/login", data={"username": "other", "password": TEST_PASSWORD},
                     environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert ok.status_code == 302


def test_flood_from_one_address_is_limited(app, make_user):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "5 per minute"
    try:
        client = app.test_client()
        statuses = [client.post("/login", data={"username": f"u{i}", "password": "x"},
                                environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code for i in range(6)]
        assert statuses == [401] * 5 + [429]
    finally:
        app.config["LOGIN_LIMIT_PER_ADDRESS"] = "300 per minute;3000 per hour"


def test_temporary_password_must_be_changed_first(client, make_user):
    make_user("moi", must_change_password=True)
    client.post("/login", data={"username": "moi", "password": TEST_PASSWORD})
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/password")
    assert client.get("/profile").headers["Location"].endswith("/password")
    page = client.get("/password").get_data(as_text=True)
    assert "mật khẩu tạm thời" in page
    response = client.post("/password", data={"current": TEST_PASSWORD, "new": "mat-khau-moi-1",
                                              "confirm": "mat-khau-moi-1"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.post("/login", data={"username": "moi", "password": TEST_PASSWORD}).status_code == 401
    assert client.post("/login", data={"username": "moi", "password": "mat-khau-moi-1"}).status_code == 302


@pytest.mark.parametrize("form,message", [
    ({"current": "sai", "new": "mat-khau-moi-1", "confirm": "mat-khau-moi-1"}, "Mật khẩu hiện tại không đúng."),
    ({"current": TEST_PASSWORD, "new": "ngan", "confirm": "ngan"}, "at least 8"),
    ({"current": TEST_PASSWORD, "new": "mat-khau-moi-1", "confirm": "khac-nhau-1"}, "Hai mật khẩu không khớp."),
    ({"current": TEST_PASSWORD, "new": TEST_PASSWORD, "confirm": TEST_PASSWORD}, "phải khác mật khẩu hiện tại"),
])
def test_change_password_refusals(client, login, form, message):
    login("learner")
    response = client.post("/password", data=form)
    assert response.status_code in (200, 400)
    page = response.get_data(as_text=True)
    assert message in page or (message == "at least 8" and "8" in page)
    client.post("/logout")
    assert client.post("/login", data={"username": "learner", "password": TEST_PASSWORD}).status_code == 302


def test_password_hash_uses_configured_method_and_upgrades_old_hashes(app, client, make_user, db):
    from werkzeug.security import generate_password_hash
    user = make_user("cu")
    assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    user.password_hash = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:500")
    db.session.commit()
    client.post("/login", data={"username": "cu", "password": TEST_PASSWORD})
    db.session.refresh(user)
    assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")


@pytest.mark.skipif(not __import__("os").environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL not set")
def test_rate_limit_counters_live_in_redis_when_configured(tmp_path):
    """With REDIS_URL the counters are shared by every web process: a second app sees the first's."""
    import os
    import uuid

    from tinhoc import create_app
    from tinhoc.accounts import services
    from tinhoc.access import SYSTEM
    from tinhoc.extensions import db, limiter

    url = os.environ["TEST_REDIS_URL"]
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/r.sqlite3", "WTF_CSRF_ENABLED": False,
                "RATELIMIT_STORAGE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute"}
    first, second = create_app(dict(settings)), create_app(dict(settings))
    username = f"redis-{uuid.uuid4().hex[:8]}"
    with first.app_context():
        db.create_all()
        services.create_user(SYSTEM, username=username, full_name="R", password=TEST_PASSWORD)
    try:
        statuses = [first.test_client().post("/login", data={"username": username, "password": "bad"}).status_code
                    for _ in range(3)]
        assert statuses == [401, 401, 401]
        blocked = second.test_client().post("/login", data={"username": username, "password": TEST_PASSWORD})
        assert blocked.status_code == 429
    finally:
        with first.app_context():
            limiter.reset()
