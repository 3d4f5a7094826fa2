"""Load training/catalogue.yaml: create the courses, sections, starter lessons and tracks that are
missing. Idempotent, and it never overwrites what a province edited in the browser (an existing
course or track is left as it is)."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select

from tinhoc import clock
from tinhoc.extensions import db

from . import lessons, rules
from .models import Course, Lesson, Section, Track, TrackCourse

CATALOGUE = Path(__file__).with_name("catalogue.yaml")


def _intro(code: str, title: str) -> str:
    return (f"<p><strong>{code}. {title}</strong></p>"
            "<p>Nội dung của mục kỹ năng này theo Thông tư 03/2014/TT-BTTTT. Giảng viên bổ sung bài giảng, "
            "tài liệu và video trong trang soạn khóa học.</p>")


def seed_catalogue(path: Path | str | None = None) -> dict[str, int]:
    """Create what is missing; return how many courses and tracks were added."""
    data = yaml.safe_load(Path(path or CATALOGUE).read_text(encoding="utf-8"))
    existing = {c.code: c for c in db.session.scalars(select(Course))}
    added_courses = 0
    for spec in data.get("courses", []):
        if spec["code"] in existing:
            continue
        course = Course(code=spec["code"], title=spec["title"], hours=int(spec.get("hours", 0)),
                        description=spec.get("description", ""), open_enrolment=bool(spec.get("open", False)),
                        created_at=clock.now())
        db.session.add(course)
        db.session.flush()
        for position, (code, title) in enumerate(spec.get("sections", []), start=1):
            section = Section(course_id=course.id, code=code, title=title, position=position)
            db.session.add(section)
            db.session.flush()
            db.session.add(Lesson(course_id=course.id, section_id=section.id, position=position, type="text",
                                  title=f"{code}. {title}", params={"html": _intro(code, title)}))
        existing[course.code] = course
        added_courses += 1
    tracks = set(db.session.scalars(select(Track.code)))
    added_tracks = 0
    for spec in data.get("tracks", []):
        if spec["code"] in tracks:
            continue
        rules.get(spec["rule"])  # an unknown rule fails here, before anything is written
        track = Track(code=spec["code"], title=spec["title"], rule=spec["rule"], rule_params=spec.get("params") or {},
                      certificate_kind=spec.get("certificate_kind"))
        db.session.add(track)
        db.session.flush()
        required = list(spec.get("required", []))
        codes = required + [c for c in spec.get("courses", []) if c not in required]
        for position, code in enumerate(codes, start=1):
            if code not in existing:
                raise ValueError(f"track {spec['code']}: unknown course {code}")
            db.session.add(TrackCourse(track_id=track.id, course_id=existing[code].id, position=position,
                                       required=spec["rule"] == "all_of" or code in required))
        added_tracks += 1
    db.session.commit()
    # `make demo` and a deployment's seeding stop here if the database holds a lesson type no class handles.
    lessons.check_types(set(db.session.scalars(select(Lesson.type).distinct())))
    return {"courses": added_courses, "tracks": added_tracks}
