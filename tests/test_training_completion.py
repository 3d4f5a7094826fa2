"""Completion rules: basic (all six), advanced (basic + any three of nine), CIO; course and track
completion at once, recorded once for certification; video at 90 %, file on download."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.training_helpers import actor_of, catalogue, complete_course  # noqa: F401
from training import rules


def test_rules_registry_refuses_duplicates_and_unknown():
    with pytest.raises(ValueError):
        rules.register("all_of")(lambda items, done, params: True)
    with pytest.raises(ValueError):
        rules.get("nightly_job")


def test_lesson_type_registry_refuses_duplicates_and_unknown():
    from training import lessons
    with pytest.raises(ValueError):
        @lessons.register
        class Again(lessons.LessonType):
            name = "text"
    with pytest.raises(lessons.LessonError):
        lessons.get("scorm")
    assert set(lessons.all_types()) >= {"text", "file", "video", "link", "quiz"}


BASIC = [(f"IU0{i}", True) for i in range(1, 7)]
ADVANCED = BASIC + [(f"IU{i:02d}", False) for i in range(7, 16)]


@pytest.mark.parametrize("done,expected", [
    ({"IU01", "IU02", "IU03", "IU04", "IU05"}, False),
    ({"IU01", "IU02", "IU03", "IU04", "IU05", "IU06"}, True),
])
def test_basic_needs_all_six(done, expected):
    assert rules.is_complete("all_of", {}, BASIC, done) is expected


@pytest.mark.parametrize("extra,expected", [
    (set(), False), ({"IU07", "IU08"}, False), ({"IU07", "IU10", "IU14"}, True), ({"IU09", "IU11", "IU12", "IU15"}, True),
])
def test_advanced_is_basic_plus_any_three(extra, expected):
    basic = {c for c, _ in BASIC}
    assert rules.is_complete("required_plus_any", {"n": 3}, ADVANCED, basic | extra) is expected
    assert rules.is_complete("required_plus_any", {"n": 3}, ADVANCED, (basic - {"IU03"}) | extra) is False


def test_learner_completes_basic_track_at_once(db, catalogue, make_user, make_org, make_person, frozen_clock):
    from training import services
    from training.models import TrackAssignment, TrackCompletion
    from training.assignment import assign_track
    from tinhoc.access import SYSTEM
    org = make_org("SO-1")
    person = make_person("CB1", org)
    user = make_user("hoc-vien", person_id=person.id)
    actor = actor_of(user)
    assign_track(SYSTEM, person_id=person.id, track_id=catalogue["tracks"]["BASIC"].id, due_date=date(2026, 12, 31))
    for code in ("IU01", "IU02", "IU03", "IU04", "IU05"):
        complete_course(actor, catalogue["courses"][code])
    assignment = db.session.scalar(select(TrackAssignment))
    assert assignment.started_at is not None and assignment.completed_at is None
    assert db.session.scalar(select(func.count(TrackCompletion.id))) == 0
    complete_course(actor, catalogue["courses"]["IU06"])
    completion = db.session.scalar(select(TrackCompletion))
    assert completion.person_id == person.id and completion.certificate_kind == "basic_ict"
    assert sorted(completion.course_codes) == ["IU01", "IU02", "IU03", "IU04", "IU05", "IU06"]
    assert completion.hours == sum(catalogue["courses"][c].hours for c in completion.course_codes)
    assert completion.completed_at == frozen_clock.now()
    db.session.refresh(assignment)
    assert assignment.completed_at == frozen_clock.now()
    complete_course(actor, catalogue["courses"]["IU06"])  # again: nothing new
    assert db.session.scalar(select(func.count(TrackCompletion.id))) == 1


def test_completing_a_track_issues_its_certificate_once(db, catalogue, make_user, make_org, make_person,
                                                        frozen_clock):
    """The hand-over: the moment the basic track completes, certification issues the basic ICT
    certificate (automatic, its source the completion), with the six modules, their date and the hours."""
    from tinhoc.access import SYSTEM
    from tinhoc.certification.models import Certificate
    from training.assignment import assign_track
    from training.models import TrackCompletion
    org = make_org("SO-1")
    person = make_person("CB1", org)
    actor = actor_of(make_user("hoc-vien", person_id=person.id))
    assign_track(SYSTEM, person_id=person.id, track_id=catalogue["tracks"]["BASIC"].id, due_date=None)
    for code in ("IU01", "IU02", "IU03", "IU04", "IU05", "IU06"):
        complete_course(actor, catalogue["courses"][code])
    completion = db.session.scalar(select(TrackCompletion))
    cert = db.session.scalar(select(Certificate))
    assert cert is not None and cert.kind == "basic_ict" and cert.person_id == person.id
    assert cert.source == f"training.track_completion:{completion.id}" and cert.issued_by is None
    assert [m["code"] for m in cert.details["modules"]] == ["IU01", "IU02", "IU03", "IU04", "IU05", "IU06"]
    assert cert.details["hours"] == completion.hours
    vietnam_day = frozen_clock.now().astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    assert {m["completed_on"] for m in cert.details["modules"]} == {vietnam_day}
    complete_course(actor, catalogue["courses"]["IU06"])      # again: no second certificate
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_advanced_track_after_three_of_nine(db, catalogue, make_user, make_org, make_person):
    from training.models import Track, TrackCompletion
    org = make_org("SO-1")
    user = make_user("hv", person_id=make_person("CB1", org).id)
    actor = actor_of(user)
    courses = catalogue["courses"]
    for code in ("IU07", "IU08", "IU09", "IU01"):  # not assigned: they are open to nobody, so enrol by hand
        courses[code].open_enrolment = True
    for code in ("IU02", "IU03", "IU04", "IU05", "IU06"):
        courses[code].open_enrolment = True
    db.session.commit()
    from training import services

    def enrol_and_complete(code):
        services.self_enrol(actor, courses[code].id)
        complete_course(actor, courses[code])

    for code in ("IU07", "IU08", "IU09"):
        enrol_and_complete(code)
    assert db.session.scalar(select(func.count(TrackCompletion.id))) == 0
    for code in ("IU01", "IU02", "IU03", "IU04", "IU05", "IU06"):
        enrol_and_complete(code)
    kinds = set(db.session.scalars(select(Track.code).join(TrackCompletion, TrackCompletion.track_id == Track.id)))
    assert kinds == {"BASIC", "ADVANCED"}


def test_cio_track(db, catalogue, make_user, make_org, make_person):
    from tinhoc.access import SYSTEM
    from training.assignment import assign_track
    from training.models import TrackCompletion
    org = make_org("SO-1")
    person = make_person("CB1", org, position_code="it_leader")
    actor = actor_of(make_user("lanh-dao", person_id=person.id))
    assign_track(SYSTEM, person_id=person.id, track_id=catalogue["tracks"]["CIO"].id, due_date=None)
    for i in range(1, 7):
        complete_course(actor, catalogue["courses"][f"CIO0{i}"])
    assert db.session.scalar(select(func.count(TrackCompletion.id))) == 0
    complete_course(actor, catalogue["courses"]["CIO07"])
    assert db.session.scalar(select(TrackCompletion.certificate_kind)) == "cio_track"


def test_catalogue_is_idempotent_and_complete(db, catalogue):
    from training.catalogue import seed_catalogue
    assert seed_catalogue() == {"courses": 0, "tracks": 0}
    codes = set(catalogue["courses"])
    assert {f"IU{i:02d}" for i in range(1, 16)} <= codes
    assert {"CIO01", "CIO07", "ITS01", "ITS04", "OSS01", "OSS04"} <= codes
    iu01 = catalogue["courses"]["IU01"]
    assert [s.code for s in iu01.sections][:2] == ["IU01.1", "IU01.2"]
    advanced = catalogue["tracks"]["ADVANCED"]
    assert sum(1 for i in advanced.items if i.required) == 6 and len(advanced.items) == 15


def test_seeding_fails_on_a_lesson_type_no_class_handles(db, catalogue):
    from training.catalogue import seed_catalogue
    from training.models import Lesson
    db.session.add(Lesson(course_id=catalogue["courses"]["IU01"].id, type="scorm", title="Chưa có", params={}))
    db.session.commit()
    with pytest.raises(RuntimeError, match="scorm"):
        seed_catalogue()
