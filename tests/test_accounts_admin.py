"""An admin creates users, edits roles and sets temporary passwords; every change is audited."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import TEST_PASSWORD


def test_admin_creates_user_with_temporary_password(app, client, login, db):
    from tinhoc.accounts.models import User
    from tinhoc.audit import AuditEntry
    login("admin")
    response = client.post("/admin/users/new", data={
        "username": "tran.binh", "full_name": "Trần Văn Bình", "email": "binh@ankhe.gov.vn",
        "roles": ["learner", "grader"], "password": "tam-thoi-123", "active": "y"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "tran.binh"))
    assert user.role_names == {"learner", "grader"} and user.must_change_password
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create",
                                                       AuditEntry.object_id == str(user.id)))
    assert entry.actor_id is not None and entry.after["roles"] == ["grader", "learner"]
    listing = client.get("/admin/users?q=bình").get_data(as_text=True)
    assert "tran.binh" in listing and "Chờ đổi mật khẩu" in listing

    other = app.test_client()
    other.post("/login", data={"username": "tran.binh", "password": "tam-thoi-123"})
    assert other.get("/").headers["Location"].endswith("/password")


def test_duplicate_username_and_missing_password_are_refused(client, login, make_user):
    login("admin")
    make_user("dung")
    page = client.post("/admin/users/new", data={"username": "DUNG", "full_name": "D", "password": "tam-thoi-123"})
    assert "đã được dùng" in page.get_data(as_text=True)
    page = client.post("/admin/users/new", data={"username": "moi", "full_name": "M"})
    assert page.status_code == 400 and "Cần đặt mật khẩu tạm thời" in page.get_data(as_text=True)
    page = client.post("/admin/users/new", data={"username": "có dấu", "full_name": "M", "password": "tam-thoi-123"})
    assert page.status_code == 400 and "Chỉ dùng chữ không dấu" in page.get_data(as_text=True)


def test_admin_edits_roles_and_deactivates(client, login, make_user, db):
    from tinhoc.audit import AuditEntry
    login("admin")
    user = make_user("hoa", roles=["learner"])
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="learner"', page)
    assert not re.search(r'<input checked[^>]*value="admin"', page)
    response = client.post(f"/admin/users/{user.id}", data={
        "full_name": "Lê Thị Hoa", "email": "", "roles": ["instructor"]})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role_names == {"instructor"} and user.full_name == "Lê Thị Hoa" and not user.active
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.update"))
    assert entry.before["roles"] == ["learner"] and entry.after["roles"] == ["instructor"]
    assert entry.before["active"] is True and entry.after["active"] is False


def test_admin_sets_temporary_password(app, client, login, make_user, db):
    login("admin")
    user = make_user("quen")
    response = client.post(f"/admin/users/{user.id}/password", data={"password": "tam-thoi-456"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.must_change_password
    other = app.test_client()
    assert other.post("/login", data={"username": "quen", "password": TEST_PASSWORD}).status_code == 401
    assert other.post("/login", data={"username": "quen", "password": "tam-thoi-456"}).status_code == 302
    short = client.post(f"/admin/users/{user.id}/password", data={"password": "123"}, follow_redirects=True)
    assert "ít nhất 8 ký tự" in short.get_data(as_text=True)


def test_unknown_user_is_404(client, login):
    login("admin")
    assert client.get("/admin/users/99999").status_code == 404


def test_create_admin_command(app):
    from tinhoc.accounts.services import find_by_username
    result = app.test_cli_runner().invoke(args=["tinhoc", "create-admin", "boss", "--password", "boss-pass-1"])
    assert result.exit_code == 0, result.output
    assert find_by_username("boss").role_names == {"admin"}
    again = app.test_cli_runner().invoke(args=["tinhoc", "create-admin", "boss", "--password", "boss-pass-1"])
    assert again.exit_code != 0 and "đã được dùng" in again.output


def test_admin_links_an_account_to_a_staff_record(client, login, db, make_org, make_person):
    from tinhoc.accounts.models import User
    login("admin")
    org = make_org("SO-NV", "Sở Nội vụ")
    person = make_person("CB100", org, full_name="Phạm Thị Lan")
    other = make_person("CB101", org)
    response = client.post("/admin/users/new", data={
        "username": "lan", "full_name": "Phạm Thị Lan", "roles": ["learner"], "password": "tam-thoi-123",
        "employee_code": "CB100"})
    assert response.status_code == 302
    lan = db.session.scalar(select(User).where(User.username == "lan"))
    assert lan.person_id == person.id
    # unknown code, or a person who already has an account: refused with the reason, nothing changes
    page = client.post("/admin/users/new", data={"username": "lan2", "full_name": "X", "roles": ["learner"],
                                                 "password": "tam-thoi-123", "employee_code": "CB100"})
    assert "Cán bộ CB100 đã gắn với tài khoản lan." in page.get_data(as_text=True)
    page = client.post(f"/admin/users/{lan.id}", data={"full_name": "Phạm Thị Lan", "roles": ["learner"],
                                                       "active": "y", "employee_code": "KHONG"})
    assert "Không có cán bộ nào mang mã KHONG." in page.get_data(as_text=True)
    db.session.expire_all()
    assert lan.person_id == person.id
    # moved to another record, then unlinked
    client.post(f"/admin/users/{lan.id}", data={"full_name": "Phạm Thị Lan", "roles": ["learner"],
                                                "active": "y", "employee_code": "CB101"})
    db.session.expire_all()
    assert lan.person_id == other.id
    assert 'value="CB101"' in client.get(f"/admin/users/{lan.id}").get_data(as_text=True)
    client.post(f"/admin/users/{lan.id}", data={"full_name": "Phạm Thị Lan", "roles": ["learner"], "active": "y",
                                                "employee_code": ""})
    db.session.expire_all()
    assert lan.person_id is None
