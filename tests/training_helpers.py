"""Shared pieces of the training tests: the seeded catalogue and a learner who completes courses."""
from __future__ import annotations

import pytest


@pytest.fixture
def catalogue(db):
    """The real catalogue (training/catalogue.yaml): {"courses": code -> Course, "tracks": code -> Track}."""
    from sqlalchemy import select

    from training.catalogue import seed_catalogue
    from training.models import Course, Track
    seed_catalogue()
    return {"courses": {c.code: c for c in db.session.scalars(select(Course))},
            "tracks": {t.code: t for t in db.session.scalars(select(Track))}}


def actor_of(user):
    from tinhoc.access import load_actor
    return load_actor(user.id)


def complete_course(actor, course) -> None:
    """Open every lesson of the course as the learner (text lessons complete when viewed)."""
    from training import services
    for lesson in list(course.lessons):
        services.open_lesson(actor, lesson.id)


def training_world(db) -> dict:
    """For the role × route table: an open course owned by `instructor`, belonging to the demo district
    (so its organiser may edit it), with a PDF lesson, and a rule over that district."""
    from sqlalchemy import select

    from tinhoc.access import SYSTEM
    from tinhoc.accounts.services import find_by_username
    from tinhoc.orgs.models import JobPosition, Organisation
    from training import files
    from training.assignment import create_rule
    from training.lessons import Upload
    from training.models import Course, Lesson, Track, TrackAssignment, TrackCourse

    district = db.session.scalar(select(Organisation).where(Organisation.code == "H-AB"))
    course = Course(code="KH-1", title="Khóa học thử", hours=4, open_enrolment=True,
                    owner_id=find_by_username("instructor").id, organisation_id=district.id)
    db.session.add(course)
    db.session.flush()
    lesson = Lesson(course_id=course.id, type="file", title="Tài liệu", position=1,
                    params=files.store(Upload("tai-lieu.pdf", b"%PDF-1.4\n%%EOF\n"), {".pdf": (b"%PDF-",)}))
    track = Track(code="TR-1", title="Lộ trình thử", rule="all_of", rule_params={})
    db.session.add_all([lesson, track])
    db.session.flush()
    db.session.add(TrackCourse(track_id=track.id, course_id=course.id, position=1))
    db.session.commit()
    position = db.session.scalar(select(JobPosition).where(JobPosition.code == "civil_servant"))
    rule = create_rule(SYSTEM, position_id=position.id, organisation_id=district.id, track_id=track.id, due_date=None)
    assignment = db.session.scalar(select(TrackAssignment))  # the civil servant CB-1 of the commune X-01
    return {"course_id": course.id, "lesson_id": lesson.id, "rule_id": rule.id, "assignment_id": assignment.id}
