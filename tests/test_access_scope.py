"""A district-scoped organiser: 404 for what lies outside their subtree, and lists, exports, imports and
home figures that count only their subtree. Admins grant and revoke scoped roles on the account page."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.helpers import build_xlsx


def _upload(client, data: bytes, name="can-bo.xlsx"):
    return client.post("/orgs/staff/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _token(page: str) -> str:
    marker = 'name="token" type="hidden" value="'
    start = page.index(marker) + len(marker)
    return page[start:page.index('"', start)]


@pytest.fixture
def two_districts(db, staff_setup, make_org, make_person, make_user, grant):
    """H-AB (with commune X-01) and H-TS (with commune X-02), staff in each, an organiser for H-AB."""
    province, ab, x01 = staff_setup["province"], staff_setup["district"], staff_setup["commune"]
    ts = make_org("H-TS", "UBND huyện Tân Sơn", kind="district", parent=province)
    x02 = make_org("X-02", "UBND xã Hòa Bình", kind="commune", parent=ts)
    mine = [make_person("AB1", ab), make_person("AB2", x01), make_person("AB3", x01, position_code="leader")]
    theirs = [make_person("TS1", ts), make_person("TS2", x02)]
    make_person("SO1", staff_setup["department"])
    district = make_user("district", roles=[])
    grant(district, "organiser", "H-AB")
    return {"ab": ab, "x01": x01, "ts": ts, "x02": x02, "mine": mine, "theirs": theirs}


def _subtree_staff(db, org) -> set[str]:
    from tinhoc.orgs.models import Organisation, Person
    return set(db.session.scalars(select(Person.employee_code).join(Organisation, Organisation.id == Person.organisation_id)
                                  .where(Organisation.subtree_clause(org.path), Person.left_at.is_(None))))


def test_district_organiser_gets_404_for_another_districts_unit_person_and_account(
        client, login, make_user, db, two_districts):
    other_person = two_districts["theirs"][1]
    other_account = make_user("ts-clerk", person_id=other_person.id)
    province_account = make_user("so-clerk")
    own_account = make_user("ab-clerk", person_id=two_districts["mine"][1].id)
    login("district")
    ts = two_districts["ts"].id
    assert client.get(f"/orgs/staff?org={ts}").status_code == 404
    assert client.get(f"/orgs/staff/export.xlsx?org={ts}").status_code == 404
    assert client.get(f"/orgs/staff/{other_person.id}").status_code == 404
    assert client.post(f"/orgs/staff/{other_person.id}/leave").status_code == 404
    assert client.get(f"/admin/users/{other_account.id}/view").status_code == 404
    assert client.get(f"/admin/users/{province_account.id}/view").status_code == 404
    # and what is theirs they reach
    assert client.get(f"/orgs/staff?org={two_districts['x01'].id}").status_code == 200
    assert client.get(f"/orgs/staff/{two_districts['mine'][0].id}").status_code == 200
    assert client.get(f"/admin/users/{own_account.id}/view").status_code == 200
    users = client.get("/admin/users").get_data(as_text=True)
    assert "ab-clerk" in users and "ts-clerk" not in users and "so-clerk" not in users


def test_district_organiser_gets_404_for_another_officers_pending_import(app, client, login, make_user, db,
                                                                         two_districts, grant):
    other = make_user("district2", roles=[])
    grant(other, "organiser", "H-TS")
    their_client = app.test_client()
    their_client.post("/login", data={"username": "district2", "password": "mat-khau-123"})
    page = _upload(their_client, build_xlsx([("TS9", "Phạm Văn Chín", None, None, "X-02", "Công chức", None)]))
    token = _token(page.get_data(as_text=True))
    login("district")
    assert client.post("/orgs/staff/import/apply", data={"token": token}).status_code == 404
    assert their_client.post("/orgs/staff/import/apply", data={"token": token}).status_code == 302


def test_list_export_tree_and_home_figures_count_only_the_subtree(client, login, db, two_districts):
    from tinhoc.orgs.models import Organisation
    login("district")
    expected = _subtree_staff(db, two_districts["ab"])
    assert expected == {"AB1", "AB2", "AB3"}
    page = client.get("/orgs/staff").get_data(as_text=True)
    assert re.search(r'id="staff-total">\s*3\s*<', page)
    assert all(code in page for code in expected) and "TS1" not in page and "SO1" not in page
    sheet = load_workbook(io.BytesIO(client.get("/orgs/staff/export.xlsx").data), read_only=True).worksheets[0]
    assert {row[0] for row in list(sheet.iter_rows(values_only=True))[1:]} == expected
    units = db.session.scalar(select(func.count(Organisation.id))
                              .where(Organisation.subtree_clause(two_districts["ab"].path)))
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'id="fig-staff">\s*3\s*<', home)
    assert re.search(rf'id="fig-orgs">\s*{units}\s*<', home)
    tree = client.get("/orgs/").get_data(as_text=True)
    assert "UBND xã Tân Lập" in tree and "Tân Sơn" not in tree and "Sở Thông tin" not in tree


def test_province_organiser_still_sees_everything(client, login, db, two_districts):
    login("organiser")
    page = client.get("/orgs/staff").get_data(as_text=True)
    assert re.search(r'id="staff-total">\s*6\s*<', page)


def test_district_import_refuses_rows_outside_the_subtree(client, login, db, two_districts):
    from tinhoc.orgs.models import Person
    login("district")
    rows = [("AB9", "Nguyễn Văn Chín", None, None, "X-01", "Công chức", None),     # fine
            ("TS8", "Trần Văn Tám", None, None, "X-02", "Công chức", None),        # unit of another district
            ("TS1", "Lê Văn Một", None, None, "X-01", "Công chức", None)]          # a person of another district
    response = _upload(client, build_xlsx(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "X-02 nằm ngoài phạm vi bạn quản lý" in page
    assert "TS1 đã được dùng ở một đơn vị ngoài phạm vi" in page
    assert "Cán bộ TS1" not in page  # the other district's person is not named
    assert db.session.scalar(select(func.count(Person.id)).where(Person.employee_code == "AB9")) == 0
    ok = _upload(client, build_xlsx(rows[:1])).get_data(as_text=True)
    assert client.post("/orgs/staff/import/apply", data={"token": _token(ok)}).status_code == 302
    assert db.session.scalar(select(Person).where(Person.employee_code == "AB9")).organisation_id == \
        two_districts["x01"].id


def test_district_person_form_offers_only_the_subtree(client, login, db, two_districts):
    from tinhoc.orgs.models import Person
    login("district")
    page = client.get("/orgs/staff/new").get_data(as_text=True)
    assert "UBND xã Tân Lập" in page and "Hòa Bình" not in page
    person = two_districts["mine"][0]
    response = client.post(f"/orgs/staff/{person.id}", data={
        "employee_code": "AB1", "full_name": "Cán bộ AB1", "organisation_id": two_districts["x02"].id,
        "position_id": person.position_id})
    assert response.status_code == 400  # not a choice: a unit outside the subtree
    db.session.expire_all()
    assert db.session.get(Person, person.id).organisation_id == two_districts["ab"].id


def test_template_lists_only_the_subtree_units(client, login, two_districts):
    login("district")
    guide = load_workbook(io.BytesIO(client.get("/orgs/staff/import/template.xlsx").data)).worksheets[1]
    codes = {row[0] for row in guide.iter_rows(values_only=True)}
    assert {"H-AB", "X-01"} <= codes and not {"H-TS", "X-02", "SO-TT", "T01"} & codes


def test_admin_grants_and_revokes_a_scoped_role_on_the_account_page(client, login, make_user, db, staff_setup):
    from tinhoc.audit import AuditEntry
    from tinhoc.accounts.models import RoleGrant
    officer = make_user("can-bo-huyen", roles=["learner"])
    login("admin")
    response = client.post(f"/admin/users/{officer.id}/grants", data={"role": "organiser", "org_code": "h-ab"},
                           follow_redirects=True)
    assert "Đã cấp vai trò theo đơn vị." in response.get_data(as_text=True)
    table = response.get_data(as_text=True).split('id="scoped-grants"')[1].split("</table>")[0]
    assert "Ban tổ chức" in table and "UBND huyện An Bình" in table and "H-AB" in table
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.organisation_id.is_not(None)))
    assert grant.user_id == officer.id and grant.organisation_id == staff_setup["district"].id
    again = client.post(f"/admin/users/{officer.id}/grants", data={"role": "organiser", "org_code": "H-AB"},
                        follow_redirects=True)
    assert "đã có vai trò này" in again.get_data(as_text=True)
    refused = client.post(f"/admin/users/{officer.id}/grants", data={"role": "admin", "org_code": "H-AB"},
                          follow_redirects=True)
    assert refused.status_code == 200
    assert db.session.scalar(select(func.count(RoleGrant.id)).where(RoleGrant.organisation_id.is_not(None))) == 1
    # saving the form (province-wide roles) keeps the scoped grant
    client.post(f"/admin/users/{officer.id}", data={"full_name": "Cán bộ huyện", "roles": ["learner"],
                                                    "active": "y"})
    assert db.session.scalar(select(func.count(RoleGrant.id)).where(RoleGrant.organisation_id.is_not(None))) == 1
    client.post(f"/admin/users/{officer.id}/grants/{grant.id}/revoke")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(RoleGrant.id)).where(RoleGrant.organisation_id.is_not(None))) == 0
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions.count("user.grant") == 1 and actions.count("user.revoke") == 1
    revoke = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.revoke"))
    assert revoke.before["scoped_roles"] == ["organiser@H-AB"] and revoke.after["scoped_roles"] == []


def test_a_scoped_grant_follows_its_unit_when_the_unit_moves(db, two_districts):
    """The actor reads the unit's current path: moving X-01 under H-TS takes it out of H-AB's scope."""
    from tinhoc.access import SYSTEM, load_actor
    from tinhoc.accounts.services import find_by_username
    from tinhoc.orgs import services
    district = find_by_username("district")
    assert load_actor(district.id).covers(two_districts["x01"].path, "organiser")
    services.move_organisation(SYSTEM, two_districts["x01"].id, two_districts["ts"].id)
    db.session.expire_all()
    x01 = services.get_organisation(two_districts["x01"].id)
    assert not load_actor(district.id).covers(x01.path, "organiser")
