"""`flask tinhoc seed-demo`: a demo province and one account per role; running it twice changes nothing."""
from __future__ import annotations

from sqlalchemy import func, select


def test_seed_demo_is_idempotent_and_every_demo_login_works(app, db):
    from tinhoc.demo import DEMO_PASSWORD, DEMO_USERS
    from tinhoc.orgs.models import Organisation, Person

    runner = app.test_cli_runner()
    first = runner.invoke(args=["tinhoc", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "admin, organiser, district, instructor, grader, learner, student, teacher, leader" in first.output
    counts = {kind: n for kind, n in db.session.execute(
        select(Organisation.kind, func.count()).group_by(Organisation.kind))}
    assert counts == {"province": 1, "department": 10, "district": 3, "commune": 30, "school": 6}
    staff = db.session.scalar(select(func.count(Person.id)))
    assert 250 <= staff <= 400
    positions = set(db.session.scalars(select(Person.position_id).distinct()))
    assert len(positions) == 7

    again = runner.invoke(args=["tinhoc", "seed-demo"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count(Person.id))) == staff
    assert db.session.scalar(select(func.count(Organisation.id))) == 50

    for username in DEMO_USERS:
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        home = client.get("/")
        assert home.status_code == 200, username
    admin = app.test_client()
    admin.post("/login", data={"username": "admin", "password": DEMO_PASSWORD})
    page = admin.get("/").get_data(as_text=True)
    assert f'id="fig-staff">{staff:,}'.replace(",", ".") in page or f'id="fig-staff">{staff}' in page
    assert "Lãnh đạo phụ trách CNTT" in page


def test_learner_home_shows_their_organisation(app, db):
    from tinhoc.demo import DEMO_PASSWORD
    app.test_cli_runner().invoke(args=["tinhoc", "seed-demo"])
    client = app.test_client()
    client.post("/login", data={"username": "learner", "password": DEMO_PASSWORD})
    page = client.get("/").get_data(as_text=True)
    assert "Đơn vị" in page and "Công chức" in page


def test_demo_district_organiser_sees_only_their_district(app, db):
    from tinhoc.demo import DEMO_PASSWORD, DISTRICT_CODE
    from tinhoc.orgs.models import Organisation, Person
    app.test_cli_runner().invoke(args=["tinhoc", "seed-demo"])
    district = db.session.scalar(select(Organisation).where(Organisation.code == DISTRICT_CODE))
    expected = db.session.scalar(select(func.count(Person.id)).join(Organisation, Organisation.id == Person.organisation_id)
                                 .where(Organisation.subtree_clause(district.path)))
    client = app.test_client()
    client.post("/login", data={"username": "district", "password": DEMO_PASSWORD})
    assert f'id="fig-staff">{expected}<' in client.get("/").get_data(as_text=True)
    page = client.get("/orgs/staff").get_data(as_text=True)
    assert f'id="staff-total">{expected}<' in page and "UBND huyện Tân Sơn" not in page


def test_readme_demo_table_matches_the_seed(app, db):
    """The README's demo logins, counts and linked staff records are what seed-demo creates."""
    from tinhoc import ROOT
    from tinhoc.accounts.services import find_by_username
    from tinhoc.demo import DEMO_USERS
    from tinhoc.orgs.models import Organisation, Person

    app.test_cli_runner().invoke(args=["tinhoc", "seed-demo"])
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    units, staff = db.session.scalar(select(func.count(Organisation.id))), db.session.scalar(select(func.count(Person.id)))
    assert f"{units} units" in readme and f"{staff} staff" in readme
    for username in DEMO_USERS:
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{username}` |"))
        person = find_by_username(username).person
        if person is None:
            assert row.endswith("| none |"), row
        else:
            assert f"{person.full_name}," in row and f"({person.position.name}) of {person.organisation.name} |" in row
