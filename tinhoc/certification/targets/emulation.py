"""The emulation ranking (thi đua) of agencies for a period: the organiser weighs metrics from the
registry (criteria), each agency earns weight × attainment per criterion, ranked by the total, ties in
Vietnamese name order. One grouped query per criterion for every agency of the subtree at once.

Attainment of a criterion, from 0 to 1: the agency's own figure against its target (capped at 1);
without a target, its share itself for a share metric, or its count against the best agency's for a
count metric.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, select

from ... import text
from ...access import Actor
from ...audit import record as audit
from ...extensions import db
from ...orgs.models import Organisation
from . import figures, metrics, services
from .models import EmulationCriterion, PlanPeriod

MAX_WEIGHT = 1000


def criteria(period: PlanPeriod | None) -> list[EmulationCriterion]:
    if period is None:
        return []
    order = {m.name: i for i, m in enumerate(metrics.all_metrics())}
    rows = db.session.scalars(select(EmulationCriterion).where(EmulationCriterion.period_id == period.id))
    return sorted((c for c in rows if c.metric in order), key=lambda c: order[c.metric])


def set_criteria(actor: Actor, period_id: int, weights: dict[str, str]) -> list[EmulationCriterion]:
    """Replace the period's criteria: {metric name: weight as typed}; empty or 0 leaves a metric out.
    Nothing is changed when one weight is wrong."""
    services.require_province(actor)
    period = services.period_for(period_id)
    parsed: dict[str, float] = {}
    for name, raw in weights.items():
        try:
            metric = metrics.get(name)
        except metrics.UnknownMetric:
            raise services.TargetError(_("Chỉ tiêu không có trong danh mục.")) from None
        raw = (raw or "").strip().replace(",", ".")
        if not raw:
            continue
        try:
            weight = float(raw)
        except ValueError:
            raise services.TargetError(_("Trọng số của “%(m)s” phải là một số.", m=metric.label)) from None
        if not 0 <= weight <= MAX_WEIGHT:
            raise services.TargetError(_("Trọng số phải từ 0 đến %(n)d.", n=MAX_WEIGHT))
        if weight:
            parsed[name] = weight
    before = {c.metric: c.weight for c in criteria(period)}
    db.session.execute(delete(EmulationCriterion).where(EmulationCriterion.period_id == period.id))
    db.session.add_all(EmulationCriterion(period_id=period.id, metric=m, weight=w) for m, w in parsed.items())
    audit(actor, "emulation.criteria", "plan_period", period.id, before=before, after=parsed)
    db.session.commit()
    return criteria(period)


@dataclass
class RankedAgency:
    unit: Organisation
    points: dict[str, float] = field(default_factory=dict)
    figures: dict[str, services.Figure] = field(default_factory=dict)
    total: float = 0.0
    rank: int = 0


@dataclass
class Ranking:
    unit: Organisation
    period: PlanPeriod | None
    year: int
    criteria: list[EmulationCriterion]
    rows: list[RankedAgency]
    counted: figures.UnitFigures | None = None   # when the figures were counted (kept: their age)

    @property
    def max_total(self) -> float:
        return sum(c.weight for c in self.criteria)


def _attainment(figure: services.Figure, best: float) -> float:
    value = figure.value
    if value is None:
        return 0.0
    if figure.target is not None:
        return 1.0 if figure.target <= 0 else min(1.0, value / figure.target)
    if figure.metric.share:
        return value / 100
    return 0.0 if not best else value / best


def ranking(actor: Actor, org_id: int | None, period_id: int | None, year: int | None = None, *,
            live: bool = False) -> Ranking:
    """Every agency of the unit's subtree ranked by its points for the period's criteria. `live`: count
    now (exports), never the dashboard's kept figures."""
    unit = services.scoped_unit(actor, org_id)
    period = services.period_for(period_id)
    year, day = services.day_for(period, year)
    chosen = criteria(period)
    in_tree = (Organisation.subtree_clause(unit.path), metrics.agency_clause())
    agencies = list(db.session.scalars(select(Organisation).where(*in_tree)))
    targets = services.resolve_targets(period, agencies, year) if chosen else {}
    rows = {a.id: RankedAgency(a) for a in agencies}
    counted = None if not chosen else figures.count(day, unit) if live else figures.for_day(day, unit)
    for criterion in chosen:
        metric = metrics.get(criterion.metric)
        by_agency = {a.id: services.Figure(metric, *counted.figure(metric, a.id, own=True),
                                           targets.get((metric.name, a.id))) for a in agencies}
        best = max((f.value or 0 for f in by_agency.values()), default=0)
        for agency_id, figure in by_agency.items():
            row = rows[agency_id]
            row.figures[metric.name] = figure
            row.points[metric.name] = round(criterion.weight * _attainment(figure, best), 2)
    ordered = sorted(rows.values(), key=lambda r: (-round(sum(r.points.values()), 2), text.sort_key(r.unit.name),
                                                   r.unit.id))
    previous, rank = None, 0
    for position, row in enumerate(ordered, start=1):
        row.total = round(sum(row.points.values()), 2)
        if row.total != previous:
            rank, previous = position, row.total
        row.rank = rank
    return Ranking(unit, period, year, chosen, ordered, counted)
