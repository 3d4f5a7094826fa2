"""Contests (Hội thi Tin học trẻ): divisions, rounds, problems, entries, submissions, board cells.

A contest belongs to an organisation (its scope: a district officer runs the district round); a
division (bảng) has eligibility rules and takes individuals or teams; a round has a window, a
scoring mode and its languages; an entry (one pupil or a team) is registered by a school's teacher
and approved by an organiser; a submission keeps the judge's whole result (the jury's messages
too) and the pages filter what a contestant may read.
"""
from __future__ import annotations

from sqlalchemy import (JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tinhoc import clock
from tinhoc.db_types import UTCDateTime
from tinhoc.extensions import db

LEVELS = ("school", "district", "province")
SCHOOL_LEVELS = ("primary", "lower", "upper", "upper_specialist")
ROUND_KINDS = ("quiz", "programming", "creative")
SCORINGS = ("ioi", "icpc")
ENTRY_STATUSES = ("pending", "approved")
SUBMISSION_STATUSES = ("queued", "judging", "done", "error")


class Contest(db.Model):
    __tablename__ = "contest"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    # The unit running it: its organisers (and the province's) manage it. None: the province.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), nullable=True, index=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    # Registration window (typed in Vietnam time, stored UTC); None on either side: no limit there.
    registration_opens_at = mapped_column(UTCDateTime, nullable=True)
    registration_closes_at = mapped_column(UTCDateTime, nullable=True)

    organisation = relationship("Organisation", lazy="joined")
    divisions = relationship("Division", back_populates="contest", order_by="Division.code",
                             cascade="all, delete-orphan")


class Division(db.Model):
    """Bảng: who may enter (school levels, grades) and how (alone or in teams of up to N)."""

    __tablename__ = "contest_division"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    school_levels = mapped_column(JSON, nullable=False, default=list)   # subset of SCHOOL_LEVELS
    min_grade: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    max_grade: Mapped[int] = mapped_column(Integer, nullable=False, default=12)
    team_entry: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    max_team_size: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # Free candidates (thí sinh tự do) may register themselves on the public page during the
    # contest's registration window (the online preliminary round's division).
    open_to_free: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())

    contest = relationship(Contest, back_populates="divisions", lazy="joined")
    rounds = relationship("Round", back_populates="division", order_by="Round.starts_at",
                          cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("contest_id", "code", name="uq_contest_division_code"),)


class Round(db.Model):
    __tablename__ = "contest_round"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("contest_division.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="programming")
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    starts_at = mapped_column(UTCDateTime, nullable=False)
    ends_at = mapped_column(UTCDateTime, nullable=False)
    scoring: Mapped[str] = mapped_column(String(8), nullable=False, default="ioi")
    languages = mapped_column(JSON, nullable=False, default=list)        # judge language names
    show_hidden_tests: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    subtask_max: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # IOI: best per subtask
    freeze_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unfrozen_at = mapped_column(UTCDateTime, nullable=True)              # the jury revealed the board
    board_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # bumped per cell change
    # a quiz round's quiz: the id of an exam of kind "quiz", used only through exams.services (no
    # foreign key: contests never reach into the exam tables; see contests/quiz.py)
    quiz_exam_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    division = relationship(Division, back_populates="rounds", lazy="joined")
    problems = relationship("Problem", back_populates="round", order_by="Problem.position",
                            cascade="all, delete-orphan")

    @property
    def freeze_at(self):
        from datetime import timedelta
        return clock.as_utc(self.ends_at) - timedelta(minutes=self.freeze_minutes) if self.freeze_minutes else None

    def is_open(self, at=None) -> bool:
        at = at or clock.now()
        return clock.as_utc(self.starts_at) <= at < clock.as_utc(self.ends_at)

    def is_frozen(self, at=None) -> bool:
        """Contestants and the public see the frozen board: from the freeze until the jury reveals it."""
        at = at or clock.now()
        return self.freeze_at is not None and at >= self.freeze_at and self.unfrozen_at is None


class Problem(db.Model):
    __tablename__ = "contest_problem"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    letter: Mapped[str] = mapped_column(String(4), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    statement_md: Mapped[str] = mapped_column(Text, nullable=False, default="")
    statement_html: Mapped[str] = mapped_column(Text, nullable=False, default="")   # sanitised on save
    statement_pdf: Mapped[str] = mapped_column(String(255), nullable=False, default="", server_default="")  # file name
    package_file: Mapped[str] = mapped_column(String(255), nullable=False)  # under instance/contest_packages
    package_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    package_format: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    time_limit: Mapped[float] = mapped_column(Float, nullable=False)      # what verify settled; in every job
    memory_limit: Mapped[int] = mapped_column(Integer, nullable=False)    # MiB
    max_score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    samples = mapped_column(JSON, nullable=False, default=list)           # [{"input": ..., "output": ...}]
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    round = relationship(Round, back_populates="problems", lazy="joined")

    __table_args__ = (UniqueConstraint("round_id", "letter", name="uq_contest_problem_letter"),)


class SlipBatch(db.Model):
    """Login slips for more accounts than a request may spend hashing their fresh passwords on (a
    province's thousand pupils take about a minute), made off the request: the requester's page
    follows it and downloads the PDF, kept for CONTEST_SLIPS_KEEP_SECONDS (contests/slips.py)."""

    __tablename__ = "contest_slip_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="making", index=True)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)    # slips
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)     # fresh passwords hashed so far
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    stored_file: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    started_at = mapped_column(UTCDateTime, nullable=True)     # heartbeat (contests/background.py)
    finished_at = mapped_column(UTCDateTime, nullable=True)

    contest = relationship(Contest, lazy="joined")


class ProblemUpload(db.Model):
    """A problem package being checked by the judge's `verify` off the request (a package whose
    reference solutions include slow ones takes minutes): the organiser's page follows it; once
    accepted it becomes the Problem, once refused it keeps the reason and what was typed."""

    __tablename__ = "contest_problem_upload"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    letter: Mapped[str] = mapped_column(String(4), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    statement_md: Mapped[str] = mapped_column(Text, nullable=False, default="")
    package_file: Mapped[str] = mapped_column(String(255), nullable=False)
    package_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="verifying", index=True)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("contest_problem.id", ondelete="SET NULL"),
                                                   nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    started_at = mapped_column(UTCDateTime, nullable=True)     # the latest start of its verify (claim)
    finished_at = mapped_column(UTCDateTime, nullable=True)

    round = relationship(Round, lazy="joined")


class Entry(db.Model):
    """One pupil or a team in a division, registered for a school with a teacher in charge."""

    __tablename__ = "contest_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("contest_division.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)        # the pupil's or the team's name
    school_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), nullable=True, index=True)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    approved_at = mapped_column(UTCDateTime, nullable=True)
    # A free candidate registered themselves (no school's teacher): their school as typed, when not
    # one of ours, and how to reach them (e-mail or phone).
    free_candidate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    school_name: Mapped[str] = mapped_column(String(255), nullable=False, default="", server_default="")
    contact: Mapped[str] = mapped_column(String(255), nullable=False, default="", server_default="")

    division = relationship(Division, lazy="joined")
    school = relationship("Organisation", lazy="joined")
    members = relationship("EntryMember", back_populates="entry", cascade="all, delete-orphan",
                           order_by="EntryMember.id")


class EntryMember(db.Model):
    __tablename__ = "contest_entry_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entry.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    grade: Mapped[int] = mapped_column(Integer, nullable=False)
    school_level: Mapped[str] = mapped_column(String(16), nullable=False)
    date_of_birth = mapped_column(Date, nullable=True)    # from the contestant import, when given

    entry = relationship(Entry, back_populates="members")
    user = relationship("User", lazy="joined")


class RoundExtension(db.Model):
    """Extra minutes one entry gets at the end of a programming round (its school lost power or its
    connection): it may submit until the round's end plus these minutes (contests/extensions.py)."""
    __tablename__ = "contest_round_extension"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entry.id", ondelete="CASCADE"), nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    granted_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    entry = relationship(Entry, lazy="joined")

    __table_args__ = (UniqueConstraint("round_id", "entry_id", name="uq_contest_round_extension_entry"),)


class Submission(db.Model):
    __tablename__ = "contest_submission"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entry.id", ondelete="CASCADE"), nullable=False)
    problem_id: Mapped[int] = mapped_column(ForeignKey("contest_problem.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    language: Mapped[str] = mapped_column(String(32), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)   # text; base64 for binary (.sb3), see services
    source_binary: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    progress: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    # while judged: the tests finished so far ({"name", "verdict", "time", "memory"}), for the live table
    live_tests = mapped_column(JSON, nullable=True)
    verdict: Mapped[str | None] = mapped_column(String(16), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    time: Mapped[float | None] = mapped_column(Float, nullable=True)      # slowest test, CPU seconds
    memory: Mapped[int | None] = mapped_column(Integer, nullable=True)    # peak KiB
    result = mapped_column(JSON, nullable=True)   # JudgeResult.to_dict(): jury messages included
    judged_at = mapped_column(UTCDateTime, nullable=True)
    # When a start-up last claimed it for re-queueing: the other web processes starting in the same
    # wave see the claim and leave it alone (contests.recovery.requeue_pending).
    requeued_at = mapped_column(UTCDateTime, nullable=True)
    # Through Celery: the task it was last sent as, and when, so a web process starting while it is
    # queued or judged follows that task (or reads its stored result) instead of sending it again.
    judge_task_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    judge_sent_at = mapped_column(UTCDateTime, nullable=True)
    # Through the in-process pool: the web process holding the job (contests/owner.py), so a start-up
    # or a poll takes up only the jobs of a process that died, never a living sibling's.
    judge_owner: Mapped[str | None] = mapped_column(String(96), nullable=True)

    entry = relationship(Entry, lazy="joined")
    problem = relationship(Problem, lazy="joined")

    __table_args__ = (Index("ix_contest_submission_entry_problem", "entry_id", "problem_id"),
                      Index("ix_contest_submission_status", "status"))


class ScoreCell(db.Model):
    """One (entry, problem) cell of the board, recomputed from that pair's submissions when a result
    arrives: the live values for the jury, the frozen ones (submissions before the freeze) for the rest."""

    __tablename__ = "contest_score_cell"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entry.id", ondelete="CASCADE"), nullable=False)
    problem_id: Mapped[int] = mapped_column(ForeignKey("contest_problem.id", ondelete="CASCADE"), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)   # judged tries (ICPC: to solve)
    solved_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    frozen_score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    frozen_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    frozen_solved_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pending_after_freeze: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (UniqueConstraint("entry_id", "problem_id", name="uq_contest_score_cell"),)


class Clarification(db.Model):
    """A contestant's question and the jury's answer, private or broadcast to the round."""

    __tablename__ = "contest_clarification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("contest_entry.id", ondelete="CASCADE"), nullable=True)
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("contest_problem.id", ondelete="SET NULL"),
                                                   nullable=True)
    question: Mapped[str] = mapped_column(Text, nullable=False, default="")
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    broadcast: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    asked_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    answered_at = mapped_column(UTCDateTime, nullable=True)


class Announcement(db.Model):
    __tablename__ = "contest_announcement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)


class ApiToken(db.Model):
    """A personal API token for tools and the projector view; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    last_used_at = mapped_column(UTCDateTime, nullable=True)


class RejudgePlan(db.Model):
    """Results of judging a set of submissions again, kept for the organiser to review and apply:
    what is applied is exactly what was previewed."""

    __tablename__ = "contest_rejudge_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    target = mapped_column(JSON, nullable=False)      # {"kind": "submission"|"problem"|"round", "id": n}
    results = mapped_column(JSON, nullable=False)     # {submission id: JudgeResult dict}
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    applied_at = mapped_column(UTCDateTime, nullable=True)
    # judged off the request (contests/background.py): "judging" (done of total) → "ready" or "failed"
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="ready", server_default="ready")
    submission_ids = mapped_column(JSON, nullable=True)          # what is being judged again
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    message: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    started_at = mapped_column(UTCDateTime, nullable=True)      # the latest start of its judging (claim)
