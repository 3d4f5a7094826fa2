"""Learning: who may see a course or lesson, progress, and completion at once (no nightly job).

`course_for`, `lesson_for` and `enrolment_for` are the one place each that decides access; they
return the object or raise NotFound (a 404). A lesson's completion completes its course when it was
the last one, and the course completes every track whose rule it satisfies: `record_track_completion`
records it and, after the commit, `certify_completions` hands it to certification (one call).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_, false, func, or_, select, update

from tinhoc import clock
from tinhoc.access import Actor
from tinhoc.accounts.models import User
from tinhoc.extensions import db

from . import lessons
from .models import (Course, Enrolment, Lesson, LessonProgress, Track, TrackAssignment, TrackCompletion,
                     TrackCourse)
from .rules import is_complete

VIDEO_DONE_PERCENT = 90
EDITOR_ROLES = ("organiser",)   # organisers edit any course in their scope; instructors their own
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


class TrainingError(Exception):
    """A refused action; `str(exc)` is the message for the user."""


class NotFound(TrainingError):
    pass


def today() -> date:
    return clock.now().astimezone(LOCAL).date()


@dataclass(frozen=True)
class Learner:
    """Whose progress it is: the linked staff record when there is one (assignments are by person),
    else the account."""
    user_id: int | None
    person_id: int | None

    def owns(self, model):
        """SQL condition on a model with person_id/user_id columns: this learner's rows."""
        if self.person_id is not None:
            return model.person_id == self.person_id
        if self.user_id is not None:
            return model.user_id == self.user_id
        return False

    def key(self) -> dict:
        return {"person_id": self.person_id} if self.person_id is not None else {"user_id": self.user_id}


def learner_of(actor: Actor) -> Learner:
    if actor.user_id is None:
        return Learner(None, None)
    person_id = db.session.scalar(select(User.person_id).where(User.id == actor.user_id))
    return Learner(actor.user_id, person_id)


# --- access -----------------------------------------------------------------------------------

def may_edit(actor: Actor, course: Course) -> bool:
    """Owner, or an organiser (admin) whose scope covers the course's unit (a province course: only
    a province-wide organiser)."""
    if actor.user_id is not None and course.owner_id == actor.user_id and actor.may("instructor", *EDITOR_ROLES):
        return True
    if not actor.may(*EDITOR_ROLES):
        return False
    if course.organisation_id is None:
        return actor.province_wide(*EDITOR_ROLES)
    from tinhoc.orgs.models import Organisation
    path = db.session.scalar(select(Organisation.path).where(Organisation.id == course.organisation_id))
    return actor.covers(path, *EDITOR_ROLES)


def _assigned_course_ids(learner: Learner):
    """Courses of the tracks assigned to the learner (a subquery)."""
    if learner.person_id is None:
        return select(TrackCourse.course_id).where(false())
    return (select(TrackCourse.course_id).join(TrackAssignment, TrackAssignment.track_id == TrackCourse.track_id)
            .where(TrackAssignment.person_id == learner.person_id))


def may_learn(learner: Learner, course: Course) -> bool:
    if course.open_enrolment:
        return True
    if db.session.scalar(select(Enrolment.id).where(Enrolment.course_id == course.id, learner.owns(Enrolment))):
        return True
    return course.id in set(db.session.scalars(_assigned_course_ids(learner)))


def course_for(actor: Actor, course_id: int) -> Course:
    """The course if the actor may learn it (open, enrolled, assigned) or edit it, else NotFound."""
    course = db.session.get(Course, course_id)
    if course is None or not (may_learn(learner_of(actor), course) or may_edit(actor, course)):
        raise NotFound(_("Không tìm thấy khóa học."))
    return course


def lesson_for(actor: Actor, lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound(_("Không tìm thấy bài học."))
    course_for(actor, lesson.course_id)
    return lesson


def enrolment_of(learner: Learner, course_id: int) -> Enrolment | None:
    if learner.person_id is None and learner.user_id is None:
        return None
    return db.session.scalar(select(Enrolment).where(Enrolment.course_id == course_id, learner.owns(Enrolment)))


# --- enrolment and progress -------------------------------------------------------------------

def self_enrol(actor: Actor, course_id: int) -> Enrolment:
    course = course_for(actor, course_id)
    learner = learner_of(actor)
    existing = enrolment_of(learner, course.id)
    if existing is not None:
        return existing
    if not may_learn(learner, course):
        raise TrainingError(_("Khóa học này không mở đăng ký tự do."))
    enrolment = Enrolment(course_id=course.id, source="self", enrolled_at=clock.now(), **learner.key())
    db.session.add(enrolment)
    db.session.commit()
    return enrolment


def _ensure_enrolment(learner: Learner, course: Course) -> Enrolment | None:
    """The learner's enrolment, created on the first lesson of an assigned course; None for a
    visitor who only previews (an editor) or an open course not yet joined."""
    enrolment = enrolment_of(learner, course.id)
    if enrolment is not None or learner.person_id is None:
        return enrolment
    assigned = db.session.scalar(select(func.count()).select_from(TrackCourse)
                                 .join(TrackAssignment, TrackAssignment.track_id == TrackCourse.track_id)
                                 .where(TrackCourse.course_id == course.id,
                                        TrackAssignment.person_id == learner.person_id))
    if not assigned:
        return None
    enrolment = Enrolment(course_id=course.id, source="assigned", enrolled_at=clock.now(), **learner.key())
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def _progress_row(enrolment: Enrolment, lesson: Lesson) -> LessonProgress:
    row = db.session.scalar(select(LessonProgress).where(LessonProgress.enrolment_id == enrolment.id,
                                                         LessonProgress.lesson_id == lesson.id))
    if row is None:
        row = LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id, percent=0, first_seen_at=clock.now())
        db.session.add(row)
    return row


def _touch(enrolment: Enrolment, lesson: Lesson, *, complete: bool, percent: int | None = None) -> LessonProgress:
    row = _progress_row(enrolment, lesson)
    now = clock.now()
    if percent is not None:
        row.percent = max(row.percent, percent)
    enrolment.last_lesson_id, enrolment.last_activity_at = lesson.id, now
    if complete and row.completed_at is None:
        row.completed_at, row.percent = now, 100
        db.session.flush()
        _after_lesson_completed(enrolment, now)
    return row


def open_lesson(actor: Actor, lesson_id: int) -> tuple[Lesson, Enrolment | None]:
    """Show a lesson: remembers where the learner is and completes text and link lessons."""
    lesson = lesson_for(actor, lesson_id)
    enrolment = _ensure_enrolment(learner_of(actor), lesson.course)
    if enrolment is not None:
        completes_on = lessons.get(lesson.type).completes_on
        if completes_on == "quiz":       # a quiz lesson completes once its quiz is passed
            from .quiz import result
            completes_on = "view" if getattr(result(actor.user_id, lesson), "passed", False) else completes_on
        _touch(enrolment, lesson, complete=completes_on == "view")
        db.session.commit()
        certify_completions()
    return lesson, enrolment


def open_file(actor: Actor, lesson_id: int) -> tuple[Lesson, dict]:
    """The stored file of a file or video lesson; downloading a file lesson completes it."""
    lesson = lesson_for(actor, lesson_id)
    kind = lessons.get(lesson.type)
    if not kind.has_file or not (lesson.params or {}).get("stored"):
        raise NotFound(_("Bài học này không có tệp."))
    enrolment = _ensure_enrolment(learner_of(actor), lesson.course)
    if enrolment is not None and kind.completes_on == "open":
        _touch(enrolment, lesson, complete=True)
        db.session.commit()
        certify_completions()
    return lesson, lesson.params


def report_video(actor: Actor, lesson_id: int, percent: int) -> LessonProgress | None:
    """The player reports how far the learner watched; 90 % completes the lesson."""
    lesson = lesson_for(actor, lesson_id)
    if lessons.get(lesson.type).completes_on != "progress":
        raise TrainingError(_("Bài học này không phải video."))
    if not 0 <= percent <= 100:
        raise TrainingError(_("Tỉ lệ đã xem không hợp lệ."))
    enrolment = _ensure_enrolment(learner_of(actor), lesson.course)
    if enrolment is None:
        return None
    row = _touch(enrolment, lesson, complete=percent >= VIDEO_DONE_PERCENT, percent=percent)
    db.session.commit()
    certify_completions()
    return row


# --- completion -------------------------------------------------------------------------------

def _after_lesson_completed(enrolment: Enrolment, now) -> None:
    learner = Learner(enrolment.user_id, enrolment.person_id)
    if learner.person_id is not None:  # the first lesson of a track starts it
        db.session.execute(update(TrackAssignment).where(
            TrackAssignment.person_id == learner.person_id, TrackAssignment.started_at.is_(None),
            TrackAssignment.track_id.in_(select(TrackCourse.track_id).where(TrackCourse.course_id == enrolment.course_id)))
            .values(started_at=now).execution_options(synchronize_session=False))
    if enrolment.completed_at is not None:
        return
    total = db.session.scalar(select(func.count(Lesson.id)).where(Lesson.course_id == enrolment.course_id))
    done = db.session.scalar(select(func.count(LessonProgress.id)).join(Lesson, Lesson.id == LessonProgress.lesson_id)
                             .where(LessonProgress.enrolment_id == enrolment.id, Lesson.course_id == enrolment.course_id,
                                    LessonProgress.completed_at.is_not(None)))
    if total and done >= total:
        enrolment.completed_at = now
        db.session.flush()
        check_tracks(learner, enrolment.course_id, now)


def completed_codes(learner: Learner) -> set[str]:
    return set(db.session.scalars(select(Course.code).join(Enrolment, Enrolment.course_id == Course.id)
                                  .where(learner.owns(Enrolment), Enrolment.completed_at.is_not(None))))


def check_tracks(learner: Learner, course_id: int, now) -> list[TrackCompletion]:
    """Every track containing the course whose rule the learner now satisfies is completed."""
    done = completed_codes(learner)
    recorded = []
    tracks = db.session.scalars(select(Track).join(TrackCourse, TrackCourse.track_id == Track.id)
                                .where(TrackCourse.course_id == course_id)).unique().all()
    for track in tracks:
        items = [(item.course.code, item.required) for item in track.items]
        if is_complete(track.rule, track.rule_params, items, done):
            completion = record_track_completion(learner, track, [c for c, _ in items if c in done], now)
            if completion is not None:
                recorded.append(completion)
    return recorded


def record_track_completion(learner: Learner, track: Track, codes: list[str], now) -> TrackCompletion | None:
    """The hand-over to certification: one row per learner and track, written once, with what a
    certificate shows (kind, modules, hours, date). Also closes the learner's assignment."""
    if db.session.scalar(select(TrackCompletion.id).where(TrackCompletion.track_id == track.id,
                                                          learner.owns(TrackCompletion))):
        return None
    hours = db.session.scalar(select(func.coalesce(func.sum(Course.hours), 0)).where(Course.code.in_(codes)))
    completion = TrackCompletion(track_id=track.id, certificate_kind=track.certificate_kind, course_codes=codes,
                                 hours=hours, completed_at=now, **learner.key())
    db.session.add(completion)
    db.session.flush()
    db.session.info.setdefault(_PENDING_CERTIFICATES, []).append(completion.id)
    if learner.person_id is not None:
        db.session.execute(update(TrackAssignment).where(
            TrackAssignment.person_id == learner.person_id, TrackAssignment.track_id == track.id,
            TrackAssignment.completed_at.is_(None)).values(completed_at=now, started_at=func.coalesce(
                TrackAssignment.started_at, now)).execution_options(synchronize_session=False))
    return completion


_PENDING_CERTIFICATES = "training.completions_to_certify"


def certify_completions() -> list:
    """After the commit that recorded them: each new track completion whose track leads to a
    certificate kind becomes that certificate, through certification's one public call (automatic,
    idempotent by source). A completion that cannot be certified (a kind the registry does not
    know, details it refuses) stays recorded and is logged: an organiser can issue it by hand."""
    import logging

    from tinhoc import certification
    from tinhoc.access import SYSTEM
    from tinhoc.certification import kinds as certificate_kinds
    from tinhoc.orgs.models import Person

    issued = []
    for completion_id in db.session.info.pop(_PENDING_CERTIFICATES, []):
        completion = db.session.get(TrackCompletion, completion_id)
        if completion is None or not completion.certificate_kind:
            continue
        holder = (db.session.get(Person, completion.person_id) if completion.person_id is not None
                  else db.session.get(User, completion.user_id))
        try:
            kind = certificate_kinds.get(completion.certificate_kind)
            titles = dict(db.session.execute(select(Course.code, Course.title)
                                             .where(Course.code.in_(completion.course_codes))).all())
            day = clock.as_utc(completion.completed_at).astimezone(certification.services.LOCAL).date()
            modules = [{"code": code, "name": titles.get(code, ""), "completed_on": day.isoformat()}
                       for code in sorted(completion.course_codes) if not kind.modules or code in kind.modules]
            issued.append(certification.issue(
                completion.certificate_kind, holder, {"hours": completion.hours or None, "modules": modules},
                actor=SYSTEM, source=f"training.track_completion:{completion.id}"))
        except (certification.services.CertificationError, certificate_kinds.DetailsError,
                certificate_kinds.UnknownKind) as exc:
            logging.getLogger(__name__).warning("track completion %s not certified: %s", completion.id, exc)
            db.session.rollback()
    return issued


# --- what a learner sees ----------------------------------------------------------------------

def course_progress(learner: Learner, course_ids) -> dict[int, tuple[int, int]]:
    """course id -> (lessons done, lessons) in two grouped queries."""
    course_ids = list(course_ids)
    if not course_ids:
        return {}
    totals = dict(db.session.execute(select(Lesson.course_id, func.count(Lesson.id))
                                     .where(Lesson.course_id.in_(course_ids)).group_by(Lesson.course_id)).all())
    done = dict(db.session.execute(
        select(Enrolment.course_id, func.count(LessonProgress.id))
        .join(LessonProgress, and_(LessonProgress.enrolment_id == Enrolment.id, LessonProgress.completed_at.is_not(None)))
        .where(Enrolment.course_id.in_(course_ids), learner.owns(Enrolment)).group_by(Enrolment.course_id)).all())
    return {cid: (min(done.get(cid, 0), totals.get(cid, 0)), totals.get(cid, 0)) for cid in course_ids}


def lesson_states(learner: Learner, course_id: int) -> dict[int, LessonProgress]:
    return {p.lesson_id: p for p in db.session.scalars(
        select(LessonProgress).join(Enrolment, Enrolment.id == LessonProgress.enrolment_id)
        .where(Enrolment.course_id == course_id, learner.owns(Enrolment)))}


def next_lesson(course: Course, states: dict[int, LessonProgress]) -> Lesson | None:
    for lesson in course.lessons:
        state = states.get(lesson.id)
        if state is None or state.completed_at is None:
            return lesson
    return None


def course_page(actor: Actor, course_id: int) -> dict:
    course = course_for(actor, course_id)
    learner = learner_of(actor)
    states = lesson_states(learner, course.id)
    done, total = course_progress(learner, [course.id]).get(course.id, (0, 0))
    return {"course": course, "states": states, "enrolment": enrolment_of(learner, course.id),
            "may_learn": may_learn(learner, course), "may_edit": may_edit(actor, course),
            "done": done, "total": total, "next": next_lesson(course, states)}


def open_courses() -> list[Course]:
    return list(db.session.scalars(select(Course).where(Course.open_enrolment.is_(True)).order_by(Course.code)))


from .dashboard import learner_dashboard  # noqa: E402,F401  (the home page panel)


def assignment_for(actor: Actor, assignment_id: int) -> TrackAssignment:
    """A person's track assignment: their own, or one of a person in the organiser's scope; else
    NotFound (another learner's progress does not exist for you)."""
    from tinhoc.orgs.models import Organisation, Person
    learner = learner_of(actor)
    mine = TrackAssignment.person_id == learner.person_id if learner.person_id is not None else false()
    assignment = db.session.scalar(
        select(TrackAssignment).join(Person, Person.id == TrackAssignment.person_id)
        .join(Organisation, Organisation.id == Person.organisation_id)
        .where(TrackAssignment.id == assignment_id, or_(mine, actor.scope_clause(*EDITOR_ROLES))))
    if assignment is None:
        raise NotFound(_("Không tìm thấy tiến độ."))
    return assignment


def assignment_progress(actor: Actor, assignment_id: int) -> dict:
    """One person's progress in one assigned track: each course's lessons done, in a few queries."""
    from .dashboard import CourseLine, TrackLine
    assignment = assignment_for(actor, assignment_id)
    learner = Learner(None, assignment.person_id)
    items = list(db.session.scalars(select(TrackCourse).where(TrackCourse.track_id == assignment.track_id)
                                    .order_by(TrackCourse.position)))
    progress = course_progress(learner, [i.course_id for i in items])
    line = TrackLine(assignment, [CourseLine(i.course, *progress.get(i.course_id, (0, 0)), required=i.required)
                                  for i in items])
    line.overdue = (assignment.completed_at is None and assignment.due_date is not None
                    and assignment.due_date < today())
    return {"line": line, "person": assignment.person}
