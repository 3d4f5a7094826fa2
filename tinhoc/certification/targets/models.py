"""Plan periods, their targets per metric and unit, the daily snapshots that keep the trend, and the
emulation (thi đua) criteria with their weights."""
from __future__ import annotations

from sqlalchemy import Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ... import clock
from ...db_types import UTCDateTime
from ...extensions import db


class PlanPeriod(db.Model):
    """A multi-year plan (e.g. 2021–2025) the targets belong to."""

    __tablename__ = "plan_period"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    start_year: Mapped[int] = mapped_column(Integer, nullable=False)
    end_year: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=clock.now)

    targets = relationship("Target", back_populates="period", cascade="all, delete-orphan", lazy="select")

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))


class Target(db.Model):
    """The value a metric should reach: for a unit (NULL: the province, i.e. every unit without a
    target of its own or of an ancestor) and for one year of the period (NULL: the whole period).
    Shares are percentages (0–100); counts are people per year."""

    __tablename__ = "plan_target"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("plan_period.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    metric: Mapped[str] = mapped_column(String(32), nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        nullable=True, index=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    value: Mapped[float] = mapped_column(Float, nullable=False)

    period = relationship(PlanPeriod, back_populates="targets")
    organisation = relationship("Organisation", lazy="joined")

    __table_args__ = (UniqueConstraint("period_id", "metric", "organisation_id", "year", name="uq_plan_target"),)


class TargetSnapshot(db.Model):
    """A metric's figure for a unit's subtree on one day (written again the same day: replaced)."""

    __tablename__ = "target_snapshot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day = mapped_column(Date, nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False)
    metric: Mapped[str] = mapped_column(String(32), nullable=False)
    numerator: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    denominator: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (UniqueConstraint("organisation_id", "metric", "day", name="uq_target_snapshot"),)


class EmulationCriterion(db.Model):
    """One criterion of a period's emulation ranking: a metric and the points it weighs."""

    __tablename__ = "emulation_criterion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("plan_period.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    metric: Mapped[str] = mapped_column(String(32), nullable=False)
    weight: Mapped[float] = mapped_column(Float, nullable=False)

    __table_args__ = (UniqueConstraint("period_id", "metric", name="uq_emulation_criterion"),)
