"""The learner's panel on the home page: assigned tracks with their courses and progress, other
enrolments, what is overdue and where to continue. A fixed handful of queries, whatever the sizes."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from tinhoc.access import Actor
from tinhoc.extensions import db

from .models import Course, Enrolment, Lesson, TrackAssignment, TrackCourse


@dataclass
class CourseLine:
    course: Course
    done: int
    total: int
    required: bool = True

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total


@dataclass
class TrackLine:
    assignment: TrackAssignment
    courses: list[CourseLine] = field(default_factory=list)
    overdue: bool = False

    @property
    def needed(self) -> int:
        """Courses the rule asks for: the required ones plus `n` others (all when no `n`)."""
        track = self.assignment.track
        required = sum(1 for c in self.courses if c.required)
        n = int((track.rule_params or {}).get("n", 0)) if track.rule == "required_plus_any" else 0
        return required + n if n else len(self.courses)

    @property
    def percent(self) -> int:
        if self.assignment.completed_at is not None:
            return 100
        required = sum(1 for c in self.courses if c.required and c.complete)
        optional = sum(1 for c in self.courses if not c.required and c.complete)
        counted = required + min(optional, max(self.needed - sum(1 for c in self.courses if c.required), 0))
        return 100 * counted // self.needed if self.needed else 0


def learner_dashboard(actor: Actor) -> dict | None:
    from .services import course_progress, learner_of, today
    learner = learner_of(actor)
    if learner.user_id is None:
        return None
    assignments = []
    if learner.person_id is not None:
        assignments = list(db.session.scalars(
            select(TrackAssignment).where(TrackAssignment.person_id == learner.person_id)
            .order_by(TrackAssignment.due_date, TrackAssignment.id)))
    items = {}
    if assignments:
        for item in db.session.scalars(select(TrackCourse).where(
                TrackCourse.track_id.in_([a.track_id for a in assignments])).order_by(TrackCourse.position)):
            items.setdefault(item.track_id, []).append(item)
    enrolments = list(db.session.scalars(select(Enrolment).where(learner.owns(Enrolment))))
    course_ids = {i.course_id for its in items.values() for i in its} | {e.course_id for e in enrolments}
    progress = course_progress(learner, course_ids)
    now = today()
    tracks = []
    for assignment in assignments:
        line = TrackLine(assignment, [CourseLine(i.course, *progress.get(i.course_id, (0, 0)), required=i.required)
                                      for i in items.get(assignment.track_id, [])])
        line.overdue = (assignment.completed_at is None and assignment.due_date is not None
                        and assignment.due_date < now)
        tracks.append(line)
    in_tracks = {i.course_id for its in items.values() for i in its}
    others = [CourseLine(e.course, *progress.get(e.course_id, (0, 0))) for e in enrolments
              if e.course_id not in in_tracks]
    resume = None
    latest = max((e for e in enrolments if e.last_activity_at is not None and e.completed_at is None),
                 key=lambda e: e.last_activity_at, default=None)
    if latest is not None:  # the first lesson not yet done of the course last worked on
        from .services import lesson_states, next_lesson
        resume = next_lesson(latest.course, lesson_states(learner, latest.course_id))
        if resume is None and latest.last_lesson_id is not None:
            resume = db.session.get(Lesson, latest.last_lesson_id)
    if not tracks and not others:
        return None
    return {"tracks": tracks, "courses": others, "resume": resume,
            "overdue": sum(1 for t in tracks if t.overdue)}
