"""Assignment by job position: on rule creation, on staff import, on a change of position or unit;
removing a rule keeps progress; manual assignment within the organiser's scope."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from tests.helpers import build_xlsx
from tests.training_helpers import actor_of, catalogue, complete_course  # noqa: F401


def _assigned(db, track_code=None) -> set[tuple[str, str]]:
    from tinhoc.orgs.models import Person
    from training.models import Track, TrackAssignment
    db.session.expire_all()
    rows = db.session.execute(select(Person.employee_code, Track.code).join(TrackAssignment, TrackAssignment.person_id == Person.id)
                              .join(Track, Track.id == TrackAssignment.track_id)).all()
    return {(c, t) for c, t in rows if track_code is None or t == track_code}


def _position(db, code):
    from tinhoc.orgs.models import JobPosition
    return db.session.scalar(select(JobPosition).where(JobPosition.code == code))


def _rule(db, catalogue, position, track, org=None, due=date(2026, 12, 31)):
    from tinhoc.access import SYSTEM
    from training.assignment import create_rule
    return create_rule(SYSTEM, position_id=_position(db, position).id, organisation_id=org.id if org else None,
                       track_id=catalogue["tracks"][track].id, due_date=due)


def test_rule_assigns_matching_people_in_its_subtree(db, catalogue, staff_setup, make_person):
    make_person("A1", staff_setup["department"])
    make_person("A2", staff_setup["commune"])
    make_person("A3", staff_setup["commune"], position_code="it_leader")
    _rule(db, catalogue, "civil_servant", "BASIC", org=staff_setup["district"])
    _rule(db, catalogue, "it_leader", "CIO")
    assert _assigned(db) == {("A2", "BASIC"), ("A3", "CIO")}
    _rule(db, catalogue, "civil_servant", "BASIC")  # province-wide: adds A1, A2 unchanged (no duplicate)
    assert _assigned(db) == {("A1", "BASIC"), ("A2", "BASIC"), ("A3", "CIO")}


def test_import_assigns_by_position(client, login, db, catalogue, staff_setup):
    _rule(db, catalogue, "it_staff", "IT-STAFF")
    _rule(db, catalogue, "civil_servant", "BASIC")
    login("admin")
    rows = [("N1", "Nguyễn Văn An", None, None, "SO-TT", "civil_servant", None),
            ("N2", "Trần Thị Bình", None, None, "X-01", "it_staff", None),
            ("N3", "Lê Văn Cường", None, None, "X-01", "teacher", None)]
    page = client.post("/orgs/staff/import", data={"file": (io.BytesIO(build_xlsx(rows)), "a.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    marker = 'name="token" type="hidden" value="'
    token = page[page.index(marker) + len(marker):].split('"', 1)[0]
    assert client.post("/orgs/staff/import/apply", data={"token": token}).status_code == 302
    assert _assigned(db) == {("N1", "BASIC"), ("N2", "IT-STAFF")}


def test_change_of_position_or_unit_assigns(db, catalogue, staff_setup, make_person):
    from tinhoc.access import SYSTEM
    from tinhoc.orgs.staff import save_person
    person = make_person("P1", staff_setup["department"], position_code="teacher")
    _rule(db, catalogue, "it_leader", "CIO")
    _rule(db, catalogue, "civil_servant", "BASIC", org=staff_setup["district"])
    assert _assigned(db) == set()

    def save(org, position):
        save_person(SYSTEM, person.id, employee_code="P1", full_name="Cán bộ P1", date_of_birth=None, email=None,
                    organisation_id=org.id, position_id=_position(db, position).id, title=None)
    save(staff_setup["department"], "it_leader")
    assert _assigned(db) == {("P1", "CIO")}
    save(staff_setup["department"], "civil_servant")  # outside the district: no BASIC yet, CIO kept
    assert _assigned(db) == {("P1", "CIO")}
    save(staff_setup["commune"], "civil_servant")     # moved into the district
    assert _assigned(db) == {("P1", "CIO"), ("P1", "BASIC")}


def test_removing_a_rule_keeps_assignment_and_progress(db, catalogue, staff_setup, make_person, make_user):
    from tinhoc.access import SYSTEM
    from training.assignment import delete_rule
    from training.models import Enrolment, TrackAssignment
    person = make_person("P1", staff_setup["department"])
    rule = _rule(db, catalogue, "civil_servant", "BASIC")
    complete_course(actor_of(make_user("hv", person_id=person.id)), catalogue["courses"]["IU01"])
    delete_rule(SYSTEM, rule.id)
    assignment = db.session.scalar(select(TrackAssignment))
    assert assignment.rule_id is None and assignment.started_at is not None
    assert db.session.scalar(select(Enrolment.completed_at)) is not None


def test_district_organiser_rules_and_assignments_stay_in_scope(db, catalogue, staff_setup, make_person,
                                                                make_user, grant):
    from training import assignment
    from training.services import NotFound, TrainingError
    outside = make_person("O1", staff_setup["department"])
    inside = make_person("I1", staff_setup["commune"])
    officer = make_user("district", roles=[])
    grant(officer, "organiser", "H-AB")
    actor = actor_of(officer)
    track = catalogue["tracks"]["BASIC"].id
    position = _position(db, "civil_servant").id
    with pytest.raises(TrainingError):  # province-wide rule: not for a district officer
        assignment.create_rule(actor, position_id=position, organisation_id=None, track_id=track, due_date=None)
    with pytest.raises(NotFound):
        assignment.create_rule(actor, position_id=position, organisation_id=staff_setup["department"].id,
                               track_id=track, due_date=None)
    with pytest.raises(NotFound):
        assignment.assign_track(actor, person_id=outside.id, track_id=track, due_date=None)
    assignment.assign_track(actor, person_id=inside.id, track_id=track, due_date=None)
    province_rule = _rule(db, catalogue, "it_leader", "CIO")
    with pytest.raises(NotFound):
        assignment.delete_rule(actor, province_rule.id)
    assert [r.id for r in assignment.list_rules(actor)] == []


def test_demo_assigns_basic_to_the_learner(db):
    from tinhoc.demo import seed_demo
    from tinhoc.accounts.services import find_by_username
    from training.models import Track, TrackAssignment
    seed_demo()
    learner = find_by_username("learner")
    codes = set(db.session.scalars(select(Track.code).join(TrackAssignment, TrackAssignment.track_id == Track.id)
                                   .where(TrackAssignment.person_id == learner.person_id)))
    assert codes == {"BASIC"}
    assert ("CIO" in {c for _, c in _assigned(db)}) and ("IT-STAFF" in {c for _, c in _assigned(db)})


def test_changing_a_rule_moves_open_due_dates_and_reapplies(client, login, db, catalogue, staff_setup, make_person):
    from training.models import TrackAssignment
    make_person("P1", staff_setup["department"])
    rule = _rule(db, catalogue, "civil_servant", "BASIC")
    make_person("P2", staff_setup["commune"])  # added behind the signals' back (e.g. a direct insert)
    login("organiser")
    assert client.post(f"/training/rules/{rule.id}", data={"due_date": "2027-06-30"}).status_code == 302
    db.session.expire_all()
    assert {a.due_date for a in db.session.scalars(select(TrackAssignment))} == {date(2027, 6, 30)}
    assert _assigned(db) == {("P1", "BASIC"), ("P2", "BASIC")}
    rules_page = client.get("/training/rules").get_data(as_text=True)
    assert 'value="2027-06-30"' in rules_page


def test_organiser_assigns_by_hand_and_adds_a_rule_in_the_browser_forms(client, login, db, catalogue, staff_setup,
                                                                       make_person):
    make_person("M1", staff_setup["commune"], position_code="teacher")
    make_person("M2", staff_setup["department"], position_code="it_staff")
    login("organiser")
    page = client.get("/training/rules").get_data(as_text=True)
    assert 'name="assign-employee_code"' in page
    response = client.post("/training/assignments", data={"assign-employee_code": "M1",
                                                          "assign-track_id": catalogue["tracks"]["OSS"].id,
                                                          "assign-due_date": "2026-10-01"}, follow_redirects=True)
    assert "Đã giao lộ trình." in response.get_data(as_text=True)
    response = client.post("/training/rules", data={"track_id": catalogue["tracks"]["IT-STAFF"].id,
                                                   "position_id": _position(db, "it_staff").id,
                                                   "organisation_id": "", "due_date": ""}, follow_redirects=True)
    assert "Đã thêm quy tắc giao" in response.get_data(as_text=True)
    assert _assigned(db) == {("M1", "OSS"), ("M2", "IT-STAFF")}
    response = client.post("/training/assignments", data={"assign-employee_code": "KHONG-CO",
                                                          "assign-track_id": catalogue["tracks"]["OSS"].id},
                           follow_redirects=True)
    assert "Không tìm thấy cán bộ." in response.get_data(as_text=True)


def test_a_person_back_at_work_gets_the_rules_made_while_away(db, catalogue, staff_setup, make_person):
    from tinhoc.access import SYSTEM
    from tinhoc.orgs.staff import mark_left, mark_returned
    person = make_person("R1", staff_setup["department"])
    mark_left(SYSTEM, person.id)
    _rule(db, catalogue, "civil_servant", "BASIC")
    assert _assigned(db) == set()
    mark_returned(SYSTEM, person.id)
    assert _assigned(db) == {("R1", "BASIC")}
