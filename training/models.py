"""Courses, their sections and lessons, tracks, assignment rules and each learner's progress.

A learner is a person (staff, as HR knows them) when the account is linked to one, else the account
itself: `Enrolment` and `TrackCompletion` carry `person_id` or `user_id` (see services.Learner).
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tinhoc import clock
from tinhoc.db_types import UTCDateTime
from tinhoc.extensions import db


class Course(db.Model):
    """A module (IU01 …) or any course; `organisation_id` says whose it is (None: the province's),
    which is what an organiser's scope reaches; `owner_id` is the instructor who edits it."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    hours: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True, index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), nullable=True, index=True)
    open_enrolment: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    sections = relationship("Section", order_by="Section.position", lazy="select", cascade="all, delete-orphan")
    lessons = relationship("Lesson", order_by="Lesson.position", lazy="select", cascade="all, delete-orphan")


class Section(db.Model):
    """A numbered skill item of a module (IU01.1 …): lessons are grouped under it."""

    __tablename__ = "course_section"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Lesson(db.Model):
    """One lesson; `type` names a class in training.lessons.registry, `params` its validated JSON."""

    __tablename__ = "lesson"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), nullable=False, index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("course_section.id", ondelete="SET NULL"),
                                                   nullable=True, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    params = mapped_column(JSON, nullable=False, default=dict)

    course = relationship(Course, lazy="joined", overlaps="lessons")
    section = relationship(Section, lazy="select")


class Track(db.Model):
    """An ordered set of courses with a completion rule (training.rules) and the certificate kind it
    leads to (issued by certification once that exists)."""

    __tablename__ = "track"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    rule: Mapped[str] = mapped_column(String(32), nullable=False, default="all_of")
    rule_params = mapped_column(JSON, nullable=False, default=dict)
    certificate_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)

    items = relationship("TrackCourse", order_by="TrackCourse.position", lazy="select", cascade="all, delete-orphan")


class TrackCourse(db.Model):
    __tablename__ = "track_course"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("track.id", ondelete="CASCADE"), nullable=False, index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    course = relationship(Course, lazy="joined")

    __table_args__ = (UniqueConstraint("track_id", "course_id", name="uq_track_course_pair"),)


class AssignmentRule(db.Model):
    """Job position × organisation subtree (None: the whole province) → track, due by a date."""

    __tablename__ = "assignment_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("job_position.id"), nullable=False, index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), nullable=True, index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("track.id", ondelete="CASCADE"), nullable=False, index=True)
    due_date = mapped_column(Date, nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    position = relationship("JobPosition", lazy="joined")
    organisation = relationship("Organisation", lazy="joined")
    track = relationship(Track, lazy="joined")


class TrackAssignment(db.Model):
    """A person is to complete a track (by a rule or by an organiser). Started/completed are written
    when they happen, so the subtree report is one aggregate over this table; removing the rule that
    made it keeps it (rule_id becomes NULL)."""

    __tablename__ = "track_assignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("track.id", ondelete="CASCADE"), nullable=False)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("assignment_rule.id", ondelete="SET NULL"), nullable=True)
    due_date = mapped_column(Date, nullable=True)
    assigned_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    started_at = mapped_column(UTCDateTime, nullable=True)
    completed_at = mapped_column(UTCDateTime, nullable=True)

    track = relationship(Track, lazy="joined")
    person = relationship("Person", lazy="select")

    __table_args__ = (UniqueConstraint("track_id", "person_id", name="uq_track_assignment_pair"),)


class Enrolment(db.Model):
    """A learner in one course: created on self-enrolment, manual enrolment or the first lesson of an
    assigned course; completion is stamped the moment the last lesson is done."""

    __tablename__ = "enrolment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), nullable=False, index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=True, index=True)
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="self")
    enrolled_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="SET NULL"), nullable=True)
    last_activity_at = mapped_column(UTCDateTime, nullable=True)
    completed_at = mapped_column(UTCDateTime, nullable=True)

    course = relationship(Course, lazy="joined")

    __table_args__ = (UniqueConstraint("course_id", "person_id", name="uq_enrolment_course_person"),
                      UniqueConstraint("course_id", "user_id", name="uq_enrolment_course_user"))


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), nullable=False)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), nullable=False, index=True)
    percent: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    first_seen_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    completed_at = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_id", name="uq_lesson_progress_pair"),)


class TrackCompletion(db.Model):
    """The hand-over to certification: written once, when a learner's courses first satisfy a track's
    rule. Certificates (issue #13) are issued from these rows."""

    __tablename__ = "track_completion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("track.id", ondelete="CASCADE"), nullable=False, index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=True, index=True)
    certificate_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    course_codes = mapped_column(JSON, nullable=False, default=list)
    hours: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    completed_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    __table_args__ = (UniqueConstraint("track_id", "person_id", name="uq_track_completion_person"),
                      UniqueConstraint("track_id", "user_id", name="uq_track_completion_user"))

