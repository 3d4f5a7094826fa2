"""Hardening: where `next` may lead, sessions that really end, HTTPS cookies and HSTS, the client's
address behind a proxy, and failed-login limits keyed by (account, address)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import TEST_PASSWORD


@pytest.mark.parametrize("target", [
    "/%09/evil.example",          # a tab the browser drops: //evil.example
    "/%5Cevil", "/\\evil",        # a backslash browsers read as a slash
    "https:evil", "https://evil.example/", "//evil", "///evil", "/%2F/evil",
    "/%0D%0ASet-Cookie:%20x=y",   # CR/LF: a 500 (header splitting refused by werkzeug) before
    "/%00x", "/%7Fx", "javascript:alert(1)", "",
])
def test_login_next_accepts_only_a_path_on_this_site(client, make_user, target):
    make_user("an")
    response = client.post(f"/login?next={target}", data={"username": "an", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_next_keeps_a_local_path_with_its_query(client, make_user):
    make_user("an")
    response = client.post("/login?next=/orgs/staff%3Fq%3Dan", data={"username": "an", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/orgs/staff?q=an"


def _logged_in(app, username: str, password: str = TEST_PASSWORD):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": password}).status_code == 302
    assert client.get("/profile").status_code == 200
    return client


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    """A new browser presenting an old session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/profile")


def test_logout_ends_every_earlier_session(app, make_user):
    make_user("lan")
    laptop, phone = _logged_in(app, "lan"), _logged_in(app, "lan")
    old = _cookie(laptop)
    assert _replay(app, old).status_code == 200  # the replay works while the session lives
    laptop.post("/logout")
    replayed = _replay(app, old)
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]
    assert phone.get("/profile").status_code == 302  # the other device's session ended too


def test_password_change_keeps_this_session_and_ends_the_others(app, make_user):
    make_user("lan")
    laptop, phone = _logged_in(app, "lan"), _logged_in(app, "lan")
    old = _cookie(laptop)
    response = laptop.post("/password", data={"current": TEST_PASSWORD, "new": "mat-khau-moi-1",
                                              "confirm": "mat-khau-moi-1"})
    assert response.status_code == 302
    assert laptop.get("/profile").status_code == 200
    assert phone.get("/profile").status_code == 302
    assert _replay(app, old).status_code == 302


@pytest.mark.parametrize("action", ["reset", "deactivate"])
def test_admin_reset_or_deactivation_ends_the_users_sessions(app, client, login, make_user, db, action):
    user = make_user("lan")
    victim = _logged_in(app, "lan")
    old = _cookie(victim)
    login("admin")
    if action == "reset":
        client.post(f"/admin/users/{user.id}/password", data={"password": "tam-thoi-123"})
    else:
        client.post(f"/admin/users/{user.id}", data={"full_name": "Lan", "roles": ["learner"]})  # active unticked
    response = victim.get("/profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _replay(app, old).status_code == 302


def test_the_user_is_loaded_with_one_small_query(app, client, make_user, db):
    """Each request loads the user row alone (no join), then the actor's grants in one query."""
    from sqlalchemy import event
    make_user("lan")
    client.post("/login", data={"username": "lan", "password": TEST_PASSWORD})
    statements = []

    def log(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", log)
    try:
        assert client.get("/profile").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
    user_query = next(s for s in statements if 'FROM "user"' in s or "FROM user" in s)
    assert "JOIN" not in user_query.upper()
    assert len(statements) <= 3, statements  # user, grants (actor), grants again for the role badges


def _second_app(tmp_path, **settings):
    from tinhoc import create_app
    from tinhoc.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/h.sqlite3", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", **settings})
    with app.app_context():
        db.create_all()
    return app


def test_https_setting_makes_cookies_secure_and_sends_hsts(tmp_path, monkeypatch, app):
    from tinhoc.access import SYSTEM
    from tinhoc.accounts import services
    from tinhoc.config import Config
    monkeypatch.setenv("HTTPS_ONLY", "true")
    config = Config(tmp_path)
    assert config.HTTPS and config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    secure = _second_app(tmp_path, HTTPS=True, SESSION_COOKIE_SECURE=True)
    with secure.app_context():
        services.create_user(SYSTEM, username="lan", full_name="Lan", password=TEST_PASSWORD)
    client = secure.test_client()
    response = client.post("/login", data={"username": "lan", "password": TEST_PASSWORD},
                           base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers  # plain HTTP default


def test_behind_a_proxy_limits_and_audit_see_the_client_address(tmp_path, app):
    from tinhoc.access import SYSTEM
    from tinhoc.accounts import services
    from tinhoc.audit import AuditEntry
    from tinhoc.extensions import db
    proxied = _second_app(tmp_path, PROXY_FIX_HOPS=1, LOGIN_LIMIT_PER_ADDRESS="3 per minute")
    with proxied.app_context():
        services.create_user(SYSTEM, username="boss", full_name="Boss", password=TEST_PASSWORD, roles=["admin"],
                             must_change_password=False)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    client = proxied.test_client()
    statuses = [client.post("/login", data={"username": f"x{i}", "password": "bad"}, environ_base=proxy,
                            headers={"X-Forwarded-For": "203.0.113.7"}).status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]  # the guessing client is limited ...
    ok = client.post("/login", data={"username": "boss", "password": TEST_PASSWORD}, environ_base=proxy,
                     headers={"X-Forwarded-For": "198.51.100.9"})
    assert ok.status_code == 302  # ... not everyone behind the same proxy
    client.post("/admin/users/new", data={"username": "moi", "full_name": "Mới", "password": "tam-thoi-123"},
                environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.9"})
    with proxied.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create",
                                                           AuditEntry.actor_id.is_not(None)))
        assert entry.address == "198.51.100.9"
        db.session.remove()


def test_audit_records_the_address_without_a_proxy(client, login, db):
    from tinhoc.audit import AuditEntry
    login("admin")
    client.post("/admin/users/new", data={"username": "moi", "full_name": "Mới", "password": "tam-thoi-123"},
                environ_base={"REMOTE_ADDR": "192.0.2.44"})
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create",
                                                       AuditEntry.actor_id.is_not(None)))
    assert entry.address == "192.0.2.44"


def test_a_classmate_cannot_lock_a_candidate_out_from_another_machine(app, make_user):
    make_user("thisinh")
    guesser = app.test_client()
    statuses = [guesser.post("/login", data={"username": "thisinh", "password": f"sai-{i}"},
                             environ_base={"REMOTE_ADDR": "10.1.1.5"}).status_code for i in range(11)]
    assert statuses == [401] * 10 + [429]
    candidate = app.test_client().post("/login", data={"username": "thisinh", "password": TEST_PASSWORD},
                                       environ_base={"REMOTE_ADDR": "10.1.1.6"})
    assert candidate.status_code == 302


def test_guessing_one_account_from_many_addresses_meets_the_per_account_ceiling(app, make_user):
    make_user("thisinh")
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "12 per minute"
    try:
        statuses = [app.test_client().post("/login", data={"username": "thisinh", "password": "sai"},
                                           environ_base={"REMOTE_ADDR": f"10.2.0.{i}"}).status_code
                    for i in range(13)]
    finally:
        app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "30 per minute;200 per hour"
    assert statuses == [401] * 12 + [429]
