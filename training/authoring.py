"""Instructors and organisers edit courses: the course, its sections, lessons and their order.

`course_for_editing` is the one place that decides who may edit a course: its owner (an instructor),
or an organiser whose scope covers the course's unit (a province course: a province-wide organiser).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from tinhoc import clock
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation

from . import files, lessons
from .lessons import LessonError, Upload
from .models import Course, Lesson, Section
from .services import EDITOR_ROLES, NotFound, TrainingError, may_edit


def course_for_editing(actor: Actor, course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not may_edit(actor, course):
        raise NotFound(_("Không tìm thấy khóa học."))
    return course


def lesson_for_editing(actor: Actor, lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound(_("Không tìm thấy bài học."))
    course_for_editing(actor, lesson.course_id)
    return lesson


def editable_courses(actor: Actor) -> list[Course]:
    """The courses the actor may edit, filtered in SQL."""
    query = select(Course).outerjoin(Organisation, Organisation.id == Course.organisation_id)
    conditions = []
    if actor.user_id is not None and actor.may("instructor", *EDITOR_ROLES):
        conditions.append(Course.owner_id == actor.user_id)
    if actor.may(*EDITOR_ROLES):
        if actor.province_wide(*EDITOR_ROLES):
            conditions.append(Course.id.is_not(None))
        else:
            conditions.append(actor.scope_clause(*EDITOR_ROLES) & Course.organisation_id.is_not(None))
    if not conditions:
        return []
    return list(db.session.scalars(query.where(or_(*conditions)).order_by(Course.code)))


def _clean_course(code: str, title: str, course_id: int | None) -> tuple[str, str]:
    code, title = (code or "").strip().upper(), " ".join((title or "").split())
    if not code or len(code) > 32 or not title:
        raise TrainingError(_("Khóa học cần mã (tối đa 32 ký tự) và tên."))
    clash = db.session.scalar(select(Course.id).where(Course.code == code))
    if clash is not None and clash != course_id:
        raise TrainingError(_("Mã khóa học %(c)s đã được dùng.", c=code))
    return code, title


def _home_unit(actor: Actor) -> int | None:
    """Where a new course of an organiser with a scoped grant belongs: their (first) unit."""
    if not actor.may(*EDITOR_ROLES) or actor.province_wide(*EDITOR_ROLES):
        return None
    paths = actor.paths(*EDITOR_ROLES)
    return db.session.scalar(select(Organisation.id).where(Organisation.path == paths[0])) if paths else None


def save_course(actor: Actor, course_id: int | None, *, code: str, title: str, hours: int | None,
                description: str, open_enrolment: bool) -> Course:
    if course_id is None:
        if not actor.may("instructor", *EDITOR_ROLES):
            raise NotFound(_("Không tìm thấy khóa học."))
        course = Course(owner_id=actor.user_id, organisation_id=_home_unit(actor), created_at=clock.now())
    else:
        course = course_for_editing(actor, course_id)
    course.code, course.title = _clean_course(code, title, course_id)
    db.session.add(course)
    course.hours = max(int(hours or 0), 0)
    course.description = (description or "").strip()
    course.open_enrolment = bool(open_enrolment)
    db.session.flush()
    audit(actor, "course.create" if course_id is None else "course.update", "course", course.id,
          after={"code": course.code, "title": course.title, "hours": course.hours})
    db.session.commit()
    return course


def add_section(actor: Actor, course_id: int, *, code: str, title: str) -> Section:
    course = course_for_editing(actor, course_id)
    title = " ".join((title or "").split())
    if not title:
        raise TrainingError(_("Mục cần có tên."))
    position = (db.session.scalar(select(func.max(Section.position)).where(Section.course_id == course.id)) or 0) + 1
    section = Section(course_id=course.id, code=(code or "").strip()[:32], title=title[:255], position=position)
    db.session.add(section)
    db.session.commit()
    return section


def save_lesson(actor: Actor, course_id: int, lesson_id: int | None, *, type_: str, title: str,
                section_id: int | None, data: dict, upload: Upload | None) -> Lesson:
    """Create or edit a lesson; its type cleans the params (rich text is sanitised here, on save)."""
    course = course_for_editing(actor, course_id)
    lesson = lesson_for_editing(actor, lesson_id) if lesson_id is not None else None
    if lesson is not None and lesson.course_id != course.id:
        raise NotFound(_("Không tìm thấy bài học."))
    try:
        kind = lessons.get(lesson.type if lesson is not None else type_)
        params = kind.clean(data, upload, dict(lesson.params or {}) if lesson else {}, files.store)
    except LessonError as exc:
        raise TrainingError(str(exc)) from None
    title = " ".join((title or "").split())
    if not title:
        raise TrainingError(_("Bài học cần có tên."))
    if section_id is not None and db.session.scalar(
            select(Section.id).where(Section.id == section_id, Section.course_id == course.id)) is None:
        raise TrainingError(_("Mục không thuộc khóa học này."))
    if lesson is None:
        position = (db.session.scalar(select(func.max(Lesson.position)).where(Lesson.course_id == course.id)) or 0) + 1
        lesson = Lesson(course_id=course.id, type=kind.name, position=position)
        db.session.add(lesson)
    lesson.title, lesson.section_id, lesson.params = title[:255], section_id, params
    db.session.flush()
    audit(actor, "lesson.save", "lesson", lesson.id, after={"course": course.code, "type": lesson.type,
                                                            "title": lesson.title})
    db.session.commit()
    return lesson


def move_lesson(actor: Actor, lesson_id: int, direction: str) -> Lesson:
    """Swap a lesson with its neighbour ("up" or "down") in the course's order."""
    lesson = lesson_for_editing(actor, lesson_id)
    ordered = list(db.session.scalars(select(Lesson).where(Lesson.course_id == lesson.course_id)
                                      .order_by(Lesson.position, Lesson.id)))
    for position, item in enumerate(ordered, start=1):  # make positions dense first
        item.position = position
    i = ordered.index(lesson)
    j = i - 1 if direction == "up" else i + 1 if direction == "down" else None
    if j is None:
        raise TrainingError(_("Hướng di chuyển không hợp lệ."))
    if 0 <= j < len(ordered):
        ordered[i].position, ordered[j].position = ordered[j].position, ordered[i].position
    db.session.commit()
    return lesson


def delete_lesson(actor: Actor, lesson_id: int) -> int:
    lesson = lesson_for_editing(actor, lesson_id)
    course_id = lesson.course_id
    audit(actor, "lesson.delete", "lesson", lesson.id, before={"title": lesson.title, "type": lesson.type})
    db.session.delete(lesson)
    db.session.commit()
    return course_id
