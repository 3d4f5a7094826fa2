"""Awards of a division: the organiser's rule, and one row per ranked entry with its prize.

The set moves draft (computed) -> reviewed -> published; only a published set is shown to
contestants and the public. `generation` goes up each time a published set is withdrawn, so the
certificates of a later publication are new ones (the revoked ones stay revoked).
"""
from __future__ import annotations

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tinhoc import clock
from tinhoc.db_types import UTCDateTime
from tinhoc.extensions import db

METHODS = ("counts", "percent", "threshold")
PRIZES = ("first", "second", "third", "encouragement")
STATUSES = ("empty", "draft", "reviewed", "published")


class AwardSet(db.Model):
    __tablename__ = "contest_award_set"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("contest_division.id", ondelete="CASCADE"), nullable=False,
                                             unique=True)
    method: Mapped[str] = mapped_column(String(16), nullable=False, default="counts")
    params = mapped_column(JSON, nullable=False, default=dict)     # prize -> count / percent / minimum score
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="empty")
    generation: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    notes = mapped_column(JSON, nullable=False, default=list)       # warnings of the last computation
    computed_at = mapped_column(UTCDateTime, nullable=True)
    reviewed_at = mapped_column(UTCDateTime, nullable=True)
    published_at = mapped_column(UTCDateTime, nullable=True)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    division = relationship("Division", lazy="joined")
    rows = relationship("AwardRow", back_populates="award_set", cascade="all, delete-orphan",
                        order_by="(AwardRow.rank, AwardRow.id)")


class AwardRow(db.Model):
    """One ranked entry: its combined score, the prize the rule gave and the prize it has (after review)."""

    __tablename__ = "contest_award_row"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_set_id: Mapped[int] = mapped_column(ForeignKey("contest_award_set.id", ondelete="CASCADE"), nullable=False,
                                              index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entry.id", ondelete="CASCADE"), nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    penalty: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    computed_prize: Mapped[str | None] = mapped_column(String(16), nullable=True)
    prize: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")   # why the organiser changed it
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # changes after publication

    award_set = relationship(AwardSet, back_populates="rows")
    entry = relationship("Entry", lazy="joined")

    __table_args__ = (UniqueConstraint("award_set_id", "entry_id", name="uq_contest_award_row_entry"),)
