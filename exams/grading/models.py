"""Grading tables: per-part settings and rubric, grader assignments per item and round, reconciliation.

An item marked by hand (`AttemptItem.needs_manual`) gets one assignment per marking round (round 2
only when the part asks for a second marker). When every round is marked the item's
`manual_fraction` is set: the single mark, the mean of two close marks, or, when the two differ by
more than the part's margin, the chief's decision recorded in `GradingReconciliation`.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tinhoc import clock
from tinhoc.db_types import UTCDateTime
from tinhoc.extensions import db

ROUNDS = (1, 2)
DEFAULT_MARGIN = 0.1   # two marks further apart than 10% of the item go to the chief


class GradingSettings(db.Model):
    """How a part is marked by hand. No row: blind marking, one marker, margin 0.1, no rubric."""

    __tablename__ = "exam_grading_settings"

    part_id: Mapped[int] = mapped_column(ForeignKey("exam_part.id", ondelete="CASCADE"), primary_key=True)
    blind: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    second_marker: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reconcile_margin: Mapped[float] = mapped_column(Float, nullable=False, default=DEFAULT_MARGIN)
    # [{"name": "Định dạng văn bản", "max": 4.0}, ...]; empty: the grader gives a fraction directly
    rubric = mapped_column(JSON, nullable=False, default=list)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    @property
    def rubric_total(self) -> float:
        return sum(float(c["max"]) for c in self.rubric or ())


class GradingAssignment(db.Model):
    """One grader's marking of one item in one round (1: first marker, 2: second marker)."""

    __tablename__ = "exam_grading_assignment"
    __table_args__ = (UniqueConstraint("item_id", "round", name="uq_exam_grading_assignment_item_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("attempt_item.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    grader_user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False,
                                                index=True)
    round: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    fraction: Mapped[float | None] = mapped_column(Float, nullable=True)
    scores = mapped_column(JSON, nullable=True)          # points per rubric criterion, in rubric order
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    marked_at = mapped_column(UTCDateTime, nullable=True)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    assigned_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    item = relationship("AttemptItem")
    grader = relationship("User", foreign_keys=[grader_user_id])


class GradingReconciliation(db.Model):
    """Two marks too far apart: flagged for the chief, who decides the item's fraction with a reason."""

    __tablename__ = "exam_grading_reconciliation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("attempt_item.id", ondelete="CASCADE"), nullable=False,
                                         unique=True)
    flagged_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    fraction: Mapped[float | None] = mapped_column(Float, nullable=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    decided_at = mapped_column(UTCDateTime, nullable=True)

    item = relationship("AttemptItem")
