"""The jury of a creative-product round: its settings, rubric, products, juror assignments and scores,
and the chair's decisions.

A product is kept per (round, entry), one current file on disk under a random name; jurors know it
only by its anonymous code ("D1-017"). A juror's scores are stored per criterion (JSON keyed by the
criterion id) with their weighted total, so the rubric cannot change once a score is given.
"""
from __future__ import annotations

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tinhoc import clock
from tinhoc.db_types import UTCDateTime
from tinhoc.extensions import db


class JuryPanel(db.Model):
    """Per creative round: the margin between jurors' totals above which the chair decides, the
    chair, and when the jurors' scoring closes (None: open until the organiser sets a time)."""

    __tablename__ = "contest_jury_panel"

    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id", ondelete="CASCADE"), primary_key=True)
    margin: Mapped[float] = mapped_column(Float, nullable=False, default=10.0)
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True,
                                                 index=True)
    closes_at = mapped_column(UTCDateTime, nullable=True)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    chair = relationship("User", lazy="joined")


class JuryCriterion(db.Model):
    __tablename__ = "contest_jury_criterion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    weight: Mapped[float] = mapped_column(Float, nullable=False, default=1.0)
    min_score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    max_score: Mapped[float] = mapped_column(Float, nullable=False, default=10.0)


class CreativeProduct(db.Model):
    """A team's current product in a creative round (a replacement overwrites this row)."""

    __tablename__ = "contest_creative_product"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entry.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    code: Mapped[str] = mapped_column(String(16), nullable=False)          # anonymous, e.g. "D1-017"
    stored_file: Mapped[str] = mapped_column(String(64), nullable=False)   # random name under the product dir
    original_filename: Mapped[str] = mapped_column(String(255), nullable=False)   # never shown to jurors
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    video_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    uploaded_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)

    entry = relationship("Entry", lazy="joined")

    __table_args__ = (UniqueConstraint("round_id", "entry_id", name="uq_contest_creative_product_entry"),
                      UniqueConstraint("round_id", "code", name="uq_contest_creative_product_code"))


class JuryAssignment(db.Model):
    """One juror on one entry, with that juror's scores once given (revisable until the jury closes)."""

    __tablename__ = "contest_jury_assignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entry.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    scores = mapped_column(JSON, nullable=True)             # {"<criterion id>": points}
    total: Mapped[float | None] = mapped_column(Float, nullable=True)   # sum of weight x points
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    scored_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    juror = relationship("User", lazy="joined")

    __table_args__ = (UniqueConstraint("round_id", "entry_id", "juror_id", name="uq_contest_jury_assignment"),)


class JuryDecision(db.Model):
    """The chair's final score for an entry whose jurors differ by more than the margin."""

    __tablename__ = "contest_jury_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entry.id", ondelete="CASCADE"), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    decided_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    __table_args__ = (UniqueConstraint("round_id", "entry_id", name="uq_contest_jury_decision_entry"),)
