"""No silent data changes and errors a person can act on: the last admin, concurrent edits, people of
archived units, one preview applied once, out-of-range ids and pages, translated form errors and
site-styled error pages in both languages."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tinhoc.access import SYSTEM

from tests.helpers import build_xlsx


def _person_form(person, **changes):
    data = {"employee_code": person.employee_code, "full_name": person.full_name,
            "organisation_id": person.organisation_id, "position_id": person.position_id,
            "version": person.version}
    data.update(changes)
    return data


# --- the last admin --------------------------------------------------------------------------

def test_the_last_active_admin_cannot_lose_the_role_or_be_deactivated(client, login, db):
    from tinhoc.accounts.models import User
    login("admin")
    me = db.session.scalar(select(User).where(User.username == "admin"))
    base = {"username": "admin", "full_name": "Quản trị", "roles": ["admin"], "active": "y"}
    for data in (dict(base, roles=["learner"]), {k: v for k, v in base.items() if k != "active"}):
        page = client.post(f"/admin/users/{me.id}", data=data).get_data(as_text=True)
        assert "quản trị viên đang hoạt động duy nhất" in page
        db.session.expire_all()
        assert me.active and "admin" in me.role_names
    # with a second admin, the first may step down
    login("admin2", roles=["admin"])
    assert client.post(f"/admin/users/{me.id}", data=dict(base, roles=["learner"])).status_code == 302
    db.session.expire_all()
    assert not "admin" in me.role_names


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, db, make_user, monkeypatch):
    """The race the plain count would lose: each sees the other still admin and both step down. With the
    admins' rows locked, the second waits for the first, counts again and is refused. PostgreSQL only:
    SQLite has one writer at a time and refuses the second transaction's stale write outright."""
    import threading
    import time

    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers")
    from tinhoc.access import load_actor
    from tinhoc.accounts import services
    first, second = make_user("admin_a", roles=["admin"]), make_user("admin_b", roles=["admin"])
    ids = {"admin_a": first.id, "admin_b": second.id}
    db.session.commit()
    real_audit = services.audit
    in_first = threading.Event()

    def slow_audit(actor, *args, **kwargs):
        real_audit(actor, *args, **kwargs)
        if actor.user_id == ids["admin_a"]:
            in_first.set()
            time.sleep(0.8)          # admin_a holds its transaction open before committing

    monkeypatch.setattr(services, "audit", slow_audit)
    outcomes: dict[str, str] = {}

    def demote(actor_name: str, target_name: str):
        with app.app_context():
            try:
                services.update_user(load_actor(ids[actor_name]), ids[target_name], full_name=target_name,
                                     email=None, roles=["learner"], active=True)
                outcomes[actor_name] = "done"
            except services.LastAdmin:
                outcomes[actor_name] = "refused"
            finally:
                db.session.remove()

    a = threading.Thread(target=demote, args=("admin_a", "admin_b"))
    a.start()
    assert in_first.wait(5)
    b = threading.Thread(target=demote, args=("admin_b", "admin_a"))
    b.start()
    a.join(10), b.join(10)
    assert outcomes == {"admin_a": "done", "admin_b": "refused"}
    db.session.expire_all()
    from tinhoc.accounts.models import User
    admins = [u.username for u in db.session.scalars(select(User)) if "admin" in u.role_names and u.active]
    assert admins == ["admin_a"]


# --- concurrent edits ------------------------------------------------------------------------

def test_the_second_of_two_concurrent_edits_is_refused(client, login, db, staff_setup, make_person):
    person = make_person("CB1", staff_setup["department"], full_name="Lê Văn Một")
    login("admin")
    assert 'name="version" type="hidden" value="1"' in client.get(f"/orgs/staff/{person.id}").get_data(as_text=True)
    first = _person_form(person, full_name="Lê Văn Một Sửa")
    second = _person_form(person, title="Chuyên viên")      # opened before the first was saved
    assert client.post(f"/orgs/staff/{person.id}", data=first).status_code == 302
    response = client.post(f"/orgs/staff/{person.id}", data=second)
    assert response.status_code == 409 and "vừa được người khác sửa" in response.get_data(as_text=True)
    db.session.expire_all()
    assert person.full_name == "Lê Văn Một Sửa" and person.title is None and person.version == 2


def test_an_import_planned_before_an_edit_is_refused(db, staff_setup, make_person):
    from tinhoc.orgs import staff, staff_import
    person = make_person("CB1", staff_setup["department"], full_name="Lê Văn Một")
    report = staff_import.plan_import(io.BytesIO(build_xlsx(
        [("CB1", "Lê Văn Một", None, None, "SO-TT", "Công chức", "Chuyên viên")])), SYSTEM)
    staff.save_person(SYSTEM, person.id, employee_code="CB1", full_name="Lê Văn Khác", date_of_birth=None,
                      email=None, organisation_id=person.organisation_id, position_id=person.position_id,
                      title=None, version=person.version)
    with pytest.raises(staff_import.ImportRefused):
        staff_import.apply_import(SYSTEM, report)
    db.session.expire_all()
    assert person.full_name == "Lê Văn Khác" and person.title is None


# --- archived units --------------------------------------------------------------------------

def test_editing_a_person_of_an_archived_unit_keeps_the_unit(client, login, db, staff_setup, make_person):
    from tinhoc.orgs import services
    person = make_person("CB1", staff_setup["commune"], full_name="Lê Văn Một")
    commune = staff_setup["commune"]
    person.left_at = None
    db.session.commit()
    # archiving needs no active staff: the person left, the unit was archived, the person is edited
    from tinhoc.orgs import staff
    staff.mark_left(SYSTEM, person.id)
    services.archive_organisation(SYSTEM, commune.id)
    login("admin")
    page = client.get(f"/orgs/staff/{person.id}").get_data(as_text=True)
    assert f'<option selected value="{commune.id}">' in page and "đã ngừng hoạt động" in page
    db.session.expire_all()
    response = client.post(f"/orgs/staff/{person.id}", data=_person_form(person, full_name="Lê Văn Một Sửa"))
    assert response.status_code == 302
    db.session.expire_all()
    assert person.organisation_id == commune.id and person.full_name == "Lê Văn Một Sửa"
    # but nobody is moved into an archived unit
    other = make_person("CB2", staff_setup["department"])
    response = client.post(f"/orgs/staff/{other.id}", data=_person_form(other, organisation_id=commune.id))
    assert response.status_code == 400 and "đã ngừng hoạt động" in response.get_data(as_text=True)


# --- one preview, one import -----------------------------------------------------------------

def test_applying_one_preview_twice_imports_and_audits_once(client, login, db, staff_setup):
    from tinhoc.audit import AuditEntry
    login("admin")
    rows = [("CB1", "Lê Văn Một", None, None, "SO-TT", "Công chức", None)]
    page = client.post("/orgs/staff/import", data={"file": (io.BytesIO(build_xlsx(rows)), "a.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    client.post("/orgs/staff/import/apply", data={"token": token})
    again = client.post("/orgs/staff/import/apply", data={"token": token}, follow_redirects=True)
    assert "không còn" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "staff.import")) == 1


# --- out-of-range ids and pages --------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/orgs/staff/9223372036854775808", "/orgs/staff/99999999999999999999999", "/orgs/2147483648",
    "/admin/users/9223372036854775807", "/orgs/staff?org=9223372036854775808",
    "/orgs/staff?position=99999999999999999999", "/orgs/staff?page=9223372036854775808",
    "/admin/users?page=-5", "/orgs/staff?page=abc",
])
def test_huge_ids_and_pages_are_404_or_a_page_never_500(client, login, staff_setup, url):
    login("admin")
    response = client.get(url)
    assert response.status_code in (200, 404), (url, response.status_code)


def test_huge_ids_in_forms_are_not_a_500(client, login, db, staff_setup, make_person):
    person = make_person("CB1", staff_setup["department"])
    login("admin")
    for field in ("organisation_id", "position_id"):
        response = client.post(f"/orgs/staff/{person.id}", data=_person_form(person, **{field: "9223372036854775808"}))
        assert response.status_code in (400, 404), field


def test_a_page_past_the_end_shows_the_last_page(client, login, db, staff_setup, make_person):
    for i in range(3):
        make_person(f"CB{i}", staff_setup["department"])
    login("organiser")
    page = client.get("/orgs/staff?page=999999").get_data(as_text=True)
    assert "Không có cán bộ nào khớp bộ lọc" not in page and "CB2" in page


# --- errors a person can act on --------------------------------------------------------------

def test_form_errors_are_vietnamese_and_english_on_request(client, login, staff_setup):
    login("admin")
    page = client.post("/orgs/staff/new", data={"employee_code": "", "full_name": "x" * 201}).get_data(as_text=True)
    assert "Mục này không được để trống." in page and "Dài quá: tối đa 200 ký tự." in page
    assert "This field is required." not in page
    client.get("/lang/en")
    page = client.post("/orgs/staff/new", data={"employee_code": "", "full_name": "x" * 201}).get_data(as_text=True)
    assert "This field is required." in page and "Too long: at most 200 characters." in page


@pytest.mark.parametrize("lang, text", [("vi", "Biểu mẫu thiếu mã bảo vệ"), ("en", "The form lacks its security token")])
def test_a_missing_csrf_token_gets_a_styled_page_in_the_visitors_language(app, client, lang, text):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client.get(f"/lang/{lang}")
        response = client.post("/login", data={"username": "an", "password": "x"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and text in page and '<nav' in page and f'<html lang="{lang}">' in page


@pytest.mark.parametrize("lang, text", [("vi", "Tệp quá lớn"), ("en", "File too large")])
def test_an_upload_over_the_limit_gets_a_styled_413(app, client, login, lang, text):
    login("admin")
    client.get(f"/lang/{lang}")
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = client.post("/orgs/staff/import", data={"file": (io.BytesIO(b"x" * 5000), "big.xlsx")},
                               content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    assert response.status_code == 413 and text in response.get_data(as_text=True)
    assert '<nav' in response.get_data(as_text=True)


@pytest.mark.parametrize("lang, text", [("vi", "Không tìm thấy trang"), ("en", "Page not found")])
def test_404_is_styled_in_both_languages(client, lang, text):
    client.get(f"/lang/{lang}")
    response = client.get("/khong-co")
    assert response.status_code == 404 and text in response.get_data(as_text=True)
