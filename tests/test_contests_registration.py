"""Registration by a school's teacher (grade checked against the division), approval, login slips."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.contest_helpers import contest_world


@pytest.fixture
def cw(db, frozen_clock, make_user, grant):
    cw = contest_world(db)
    from contests import services
    from tinhoc.access import SYSTEM
    cw["c1"] = services.add_division(SYSTEM, cw["contest"], code="C1", name="Bảng C1", school_levels=["upper_specialist"],
                                     min_grade=10, max_grade=12, team_entry=True, max_team_size=2)
    cw["c2"] = services.add_division(SYSTEM, cw["contest"], code="C2", name="Bảng C2", school_levels=["upper"],
                                     min_grade=10, max_grade=12)
    teacher = make_user("teacher", roles=[])
    grant(teacher, "teacher", "H-AB-THCS")
    make_user("teacher2", roles=[])
    return cw


def _register(client, cw, division, **data):
    base = {"division": division.id, "school": cw["school"].id, "name1": "Phạm Minh Đức", "grade1": 8,
            "level1": "lower", "name2": "", "grade2": "", "level2": "lower", "team_name": ""}
    return client.post(f"/contests/{cw['contest'].id}/register", data={**base, **data})


def _entries(db):
    from contests.models import Entry
    return db.session.scalar(select(func.count(Entry.id)))


def test_teacher_registers_a_pupil_who_gets_an_account(client, login, cw, db):
    from contests.models import Entry
    login("teacher")
    r = _register(client, cw, cw["division"])
    assert r.status_code == 302
    entry = db.session.scalar(select(Entry).where(Entry.name == "Phạm Minh Đức"))
    assert entry.status == "pending" and entry.school_id == cw["school"].id
    member = entry.members[0]
    assert member.grade == 8 and member.user.username.startswith("ts26b") and "student" in member.user.role_names
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Phạm Minh Đức" in page and "Chờ duyệt" in page and "Duyệt</button>" not in page


def test_grade_checked_against_the_division(client, login, cw, db):
    login("teacher")
    before = _entries(db)
    page = _register(client, cw, cw["division"], grade1=11, level1="upper").get_data(as_text=True)
    assert "Lớp 11 cao hơn quy định của bảng B" in page
    page = _register(client, cw, cw["c2"], grade1=11, level1="upper_specialist").get_data(as_text=True)
    assert "không thuộc đối tượng của bảng C2" in page     # specialist-class pupils may not enter C2
    assert _entries(db) == before
    # a primary pupil may register above their level
    assert _register(client, cw, cw["division"], grade1=5, level1="primary").status_code == 302


def test_teams_up_to_the_division_size(client, login, cw, db):
    from contests.models import Entry
    login("teacher")
    page = _register(client, cw, cw["division"], name2="Hồ Thị Lan", grade2=8).get_data(as_text=True)
    assert "Bảng B nhận từ 1 đến 1 thí sinh" in page
    r = _register(client, cw, cw["c1"], name1="Vũ An", grade1=11, level1="upper_specialist",
                  name2="Đỗ Bình", grade2=10, level2="upper_specialist", team_name="Đội Sao Mai")
    assert r.status_code == 302
    entry = db.session.scalar(select(Entry).where(Entry.name == "Đội Sao Mai"))
    assert [m.full_name for m in entry.members] == ["Vũ An", "Đỗ Bình"]


def test_teacher_of_another_school_cannot_register_or_see(client, login, cw, db):
    login("teacher2")   # no school
    r = client.get(f"/contests/{cw['contest'].id}/register")
    assert r.status_code == 403
    client.post("/logout")
    login("teacher")
    page = client.get(f"/contests/{cw['contest'].id}/entries").get_data(as_text=True)
    assert "Nguyễn Thị An" in page   # the world's pupils are of the teacher's school
    from tinhoc.access import SYSTEM
    from tinhoc.orgs import services as orgs
    other = orgs.create_organisation(SYSTEM, kind="school", code="H-AB-THPT", name="Trường THPT khác",
                                     parent_id=cw["district_org"].id)
    r = _register(client, cw, cw["division"], school=other.id)
    assert r.status_code == 200 and _entries(db) == 3


def test_organiser_approves_and_the_pupil_can_enter(client, login, cw, db):
    from contests.models import Entry
    login("teacher")
    _register(client, cw, cw["division"])
    entry = db.session.scalar(select(Entry).where(Entry.name == "Phạm Minh Đức"))
    assert client.post(f"/contests/entries/{entry.id}/approve").status_code == 403   # a teacher may not
    client.post("/logout")
    login("district")   # an organiser of the district: the province contest is not theirs
    assert client.post(f"/contests/entries/{entry.id}/approve").status_code == 404
    client.post("/logout")
    login("organiser")
    assert client.post(f"/contests/entries/{entry.id}/approve").status_code == 302
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == "approved"
    board = client.get(f"/api/contests/{cw['contest'].id}/scoreboard").get_json()["boards"][0]
    assert "Phạm Minh Đức" in [r["name"] for r in board["rows"]]


def test_login_slips_carry_working_passwords(client, login, cw, db):
    from pypdf import PdfReader
    login("teacher")
    _register(client, cw, cw["division"])
    r = client.post(f"/contests/{cw['contest'].id}/slips.pdf", data={"school": cw["school"].id})
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    assert "Phạm Minh Đức" in text and "Trường THCS An Bình" in text
    line = next(l for l in text.splitlines() if "ts26b" in l and "Tên đăng nhập" in l)
    username = line.split(":")[1].strip()
    block = text[text.index(username):]
    password = block.split("Mật khẩu:")[1].split()[0]
    client.post("/logout")
    ok = client.post("/login", data={"username": username, "password": password})
    assert ok.status_code == 302 and "/login" not in ok.headers["Location"]


def test_a_district_contest_takes_only_that_districts_schools(client, login, db, cw):
    from contests import services
    from tinhoc.access import SYSTEM
    from tinhoc.orgs import services as orgs
    other_district = orgs.create_organisation(SYSTEM, kind="district", code="H-TS", name="Huyện Tân Sơn",
                                              parent_id=cw["district_org"].parent_id)
    contest = services.create_contest(SYSTEM, year=2026, level="district", title="Hội thi huyện Tân Sơn",
                                      organisation_id=other_district.id)
    division = services.add_division(SYSTEM, contest, code="B", name="Bảng B", school_levels=["lower"],
                                     min_grade=6, max_grade=9)
    login("teacher")
    r = client.post(f"/contests/{contest.id}/register",
                    data={"division": division.id, "school": cw["school"].id, "name1": "Phạm Minh Đức",
                          "grade1": 8, "level1": "lower", "level2": "lower"})
    assert "không thuộc phạm vi của hội thi" in r.get_data(as_text=True)
    assert _entries(db) == 3


def test_a_username_taken_a_moment_ago_by_another_registration_is_skipped(client, login, cw, db, monkeypatch):
    """Two teachers registering in the same division at once both pick the next free name; the second
    INSERT breaks the unique index. It used to be a 500 that lost the form; now the next name is used."""
    from contests import registration
    from contests.models import Entry
    login("teacher")
    assert _register(client, cw, cw["division"]).status_code == 302          # takes ts26b0001
    real, calls = registration._username, []

    def raced(contest, division):      # the first pick is what the other request saw before it committed
        calls.append(1)
        return "ts26b0001" if len(calls) == 1 else real(contest, division)
    monkeypatch.setattr(registration, "_username", raced)
    r = _register(client, cw, cw["division"], name1="Lê Văn Tám")
    assert r.status_code == 302 and len(calls) == 2
    tam = db.session.scalar(select(Entry).where(Entry.name == "Lê Văn Tám")).members[0].user
    assert tam.username == "ts26b0002" and "student" in tam.role_names
    first = db.session.scalar(select(Entry).where(Entry.name == "Phạm Minh Đức")).members[0].user
    assert first.username == "ts26b0001" and first.full_name == "Phạm Minh Đức"


def test_a_registered_pupil_cannot_log_in_before_the_slip_and_import_hashes_cheaply(client, login, cw, db):
    """The account starts with the one-round hash of a random secret nobody holds: nobody logs in with
    it (the slip gives the password), and registering a thousand pupils spends no minute on pbkdf2."""
    from contests.models import Entry
    login("teacher")
    assert _register(client, cw, cw["division"]).status_code == 302
    user = db.session.scalar(select(Entry).where(Entry.name == "Phạm Minh Đức")).members[0].user
    assert user.password_hash.startswith("pbkdf2:sha256:1$")
    client.post("/logout")
    for guess in ("", "None", user.username, "pbkdf2:sha256:1"):
        r = client.post("/login", data={"username": user.username, "password": guess})
        assert r.status_code in (200, 401) and 'name="password"' in r.get_data(as_text=True), guess   # refused
