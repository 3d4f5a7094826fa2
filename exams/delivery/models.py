"""Exams, their parts, sessions (ca thi), rooms, candidates, attempts, items and uploaded files.

The attempt's `deadline_at` is the only truth for time; the item rows hold each answer with the
sequence number of the save that wrote it, so a stale save never overwrites a newer one.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tinhoc import clock
from tinhoc.db_types import UTCDateTime
from tinhoc.extensions import db

EXAM_KINDS = ("exam", "quiz")
MARKINGS = ("auto", "manual", "mixed")
ATTEMPT_STATES = ("open", "submitted", "closed")
FINAL_STATES = ("submitted", "closed")


class Exam(db.Model):
    __tablename__ = "exam"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")   # sanitised HTML
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    opens_at = mapped_column(UTCDateTime, nullable=False)
    closes_at = mapped_column(UTCDateTime, nullable=False)
    attempts_allowed: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    results_released_at = mapped_column(UTCDateTime, nullable=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="exam")
    owner_ref: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    open_to_subtree: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    organisation = relationship("Organisation")
    parts = relationship("ExamPart", back_populates="exam", order_by="ExamPart.position",
                         cascade="all, delete-orphan")


class ExamPart(db.Model):
    __tablename__ = "exam_part"
    __table_args__ = (UniqueConstraint("exam_id", "position", name="uq_exam_part_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    max_points: Mapped[float] = mapped_column(Float, nullable=False, default=10.0)
    pass_fraction: Mapped[float] = mapped_column(Float, nullable=False, default=0.5)
    marking: Mapped[str] = mapped_column(String(16), nullable=False, default="auto")
    # [{"category_id": int, "difficulty": int|null, "count": int, "points": float}, ...]
    blueprint = mapped_column(JSON, nullable=False, default=list)

    exam = relationship(Exam, back_populates="parts")


class ExamSession(db.Model):
    """A "ca thi": opening it starts every waiting candidate's clock at that instant."""

    __tablename__ = "exam_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    starts_at = mapped_column(UTCDateTime, nullable=False)
    opened_at = mapped_column(UTCDateTime, nullable=True)
    closed_at = mapped_column(UTCDateTime, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)

    exam = relationship(Exam)
    rooms = relationship("ExamRoom", back_populates="session", order_by="ExamRoom.id", cascade="all, delete-orphan")


class ExamRoom(db.Model):
    __tablename__ = "exam_room"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_session.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    proctor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True,
                                                        index=True)

    session = relationship(ExamSession, back_populates="rooms")


class ExamCandidate(db.Model):
    __tablename__ = "exam_candidate"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_exam_candidate_session_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_session.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("exam_room.id", ondelete="SET NULL"), nullable=True,
                                                index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), nullable=True)
    seat: Mapped[str | None] = mapped_column(String(20), nullable=True)
    extra_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    checked_in_at = mapped_column(UTCDateTime, nullable=True)
    # Marked absent by the proctor (SESSIONS): such a candidate cannot start in this session.
    absent_at = mapped_column(UTCDateTime, nullable=True)

    session = relationship(ExamSession)
    room = relationship(ExamRoom)


class ExamAttempt(db.Model):
    __tablename__ = "exam_attempt"
    __table_args__ = (UniqueConstraint("part_id", "user_id", "number", name="uq_exam_attempt_part_user_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), nullable=False, index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("exam_part.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("exam_session.id", ondelete="SET NULL"),
                                                   nullable=True, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    seed: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open", index=True)
    started_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    deadline_at = mapped_column(UTCDateTime, nullable=False, index=True)
    finished_at = mapped_column(UTCDateTime, nullable=True)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_saved_at = mapped_column(UTCDateTime, nullable=True)
    auto_points: Mapped[float | None] = mapped_column(Float, nullable=True)
    manual_points: Mapped[float | None] = mapped_column(Float, nullable=True)
    points: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_points: Mapped[float] = mapped_column(Float, nullable=False, default=10.0)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    reopened_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    exam = relationship(Exam)
    part = relationship(ExamPart)
    items = relationship("AttemptItem", back_populates="attempt", order_by="AttemptItem.position",
                         cascade="all, delete-orphan")

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


class AttemptItem(db.Model):
    __tablename__ = "attempt_item"
    __table_args__ = (UniqueConstraint("attempt_id", "position", name="uq_attempt_item_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempt.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"), nullable=False, index=True)
    points: Mapped[float] = mapped_column(Float, nullable=False, default=1.0)
    option_order = mapped_column(JSON, nullable=True)
    response = mapped_column(JSON, nullable=True)
    answered_at = mapped_column(UTCDateTime, nullable=True)
    saved_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    flagged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    auto_fraction: Mapped[float | None] = mapped_column(Float, nullable=True)
    manual_fraction: Mapped[float | None] = mapped_column(Float, nullable=True)
    needs_manual: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    attempt = relationship(ExamAttempt, back_populates="items")
    version = relationship("QuestionVersion")

    @property
    def fraction(self) -> float | None:
        return self.manual_fraction if self.manual_fraction is not None else self.auto_fraction


class AttemptFile(db.Model):
    __tablename__ = "attempt_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("attempt_item.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(128), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    uploaded_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
