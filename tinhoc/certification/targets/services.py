"""Plan periods and targets (inherited down the tree), the dashboard's figures for a subtree and its
children, the trend from the snapshots, and the missing lists. Every figure is aggregate SQL: one
grouped query per metric for a unit and all its children, never a query per unit.

Periods, targets and emulation criteria are province-wide: an organiser or admin over the whole
province sets them; a district organiser reads the dashboard of their own subtree only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, or_, select

from ... import clock, text
from ...access import Actor
from ...audit import record as audit
from ...extensions import db
from ...orgs.models import PATH_WIDTH, Organisation
from ...orgs.services import NotFound, organisation_for, valid_id
from ..services import local_date
from ..staffing import default_unit
from . import figures, metrics
from .figures import ancestor_ids as _ancestor_ids
from .models import PlanPeriod, Target, TargetSnapshot

PLAN_ROLES = ("organiser",)       # (and admin) read the dashboards of their scope
MAX_YEAR_SPAN = 10


class TargetError(Exception):
    """A refused change to periods or targets; `str(exc)` is the message for the user."""


class PeriodNotFound(TargetError):
    pass


class NotProvinceWide(Exception):
    """Periods, targets and criteria are the province's: a district organiser may not change them."""


def require_province(actor: Actor) -> None:
    if not actor.province_wide(*PLAN_ROLES):
        raise NotProvinceWide(_("Chỉ cán bộ cấp tỉnh được đặt kỳ kế hoạch, chỉ tiêu và tiêu chí thi đua."))


def today() -> date:
    return local_date(clock.now())


# --- periods and targets -------------------------------------------------------------------------

def periods() -> list[PlanPeriod]:
    return list(db.session.scalars(select(PlanPeriod).order_by(PlanPeriod.start_year.desc(), PlanPeriod.id)))


def period_for(period_id: int | None) -> PlanPeriod | None:
    """The period asked for (PeriodNotFound if none), or by default the one covering this year (else
    the latest); None when there is no period at all."""
    if period_id is not None:
        period = db.session.get(PlanPeriod, period_id) if valid_id(period_id) else None
        if period is None:
            raise PeriodNotFound(_("Không tìm thấy kỳ kế hoạch."))
        return period
    year = today().year
    return db.session.scalar(select(PlanPeriod).order_by(
        ((PlanPeriod.start_year <= year) & (PlanPeriod.end_year >= year)).desc(), PlanPeriod.end_year.desc()))


def create_period(actor: Actor, *, name: str, start_year: int, end_year: int) -> PlanPeriod:
    require_province(actor)
    name = text.clean(name)
    if not name:
        raise TargetError(_("Hãy nhập tên kỳ kế hoạch."))
    if not (2000 <= start_year <= end_year <= 2100) or end_year - start_year >= MAX_YEAR_SPAN:
        raise TargetError(_("Năm bắt đầu và năm kết thúc không hợp lệ (tối đa %(n)d năm).", n=MAX_YEAR_SPAN))
    period = PlanPeriod(name=name, start_year=start_year, end_year=end_year)
    db.session.add(period)
    db.session.flush()
    audit(actor, "plan_period.create", "plan_period", period.id,
          after={"name": name, "start_year": start_year, "end_year": end_year})
    db.session.commit()
    return period


def set_target(actor: Actor, period_id: int, *, metric: str, value: float, org_id: int | None = None,
               year: int | None = None) -> Target:
    """Set (or change) a target: for the province (org_id None) or a unit's subtree, for the whole period
    (year None) or one year of it."""
    require_province(actor)
    period = period_for(period_id)
    try:
        metric_obj = metrics.get(metric)
    except metrics.UnknownMetric:
        raise TargetError(_("Chỉ tiêu không có trong danh mục.")) from None
    unit = organisation_for(actor, org_id, PLAN_ROLES) if org_id else None
    if year is not None and year not in period.years:
        raise TargetError(_("Năm %(y)d không thuộc kỳ %(p)s.", y=year, p=period.name))
    if value is None or value < 0 or (metric_obj.share and value > 100):
        raise TargetError(_("Chỉ tiêu tỷ lệ phải từ 0 đến 100 (phần trăm); chỉ tiêu số lượng không âm."))
    target = db.session.scalar(select(Target).where(
        Target.period_id == period.id, Target.metric == metric,
        Target.organisation_id.is_(None) if unit is None else Target.organisation_id == unit.id,
        Target.year.is_(None) if year is None else Target.year == year))
    before = None if target is None else {"value": target.value}
    if target is None:
        target = Target(period_id=period.id, metric=metric, organisation_id=unit.id if unit else None, year=year,
                        value=value)
        db.session.add(target)
    target.value = float(value)
    db.session.flush()
    audit(actor, "plan_target.set", "plan_target", target.id, before=before,
          after={"period_id": period.id, "metric": metric, "organisation_id": target.organisation_id,
                 "year": year, "value": target.value})
    db.session.commit()
    return target


def delete_target(actor: Actor, target_id: int) -> PlanPeriod:
    require_province(actor)
    target = db.session.get(Target, target_id) if valid_id(target_id) else None
    if target is None:
        raise PeriodNotFound(_("Không tìm thấy chỉ tiêu."))
    period = target.period
    audit(actor, "plan_target.delete", "plan_target", target.id,
          before={"metric": target.metric, "organisation_id": target.organisation_id, "year": target.year,
                  "value": target.value})
    db.session.delete(target)
    db.session.commit()
    return period


def period_targets(period: PlanPeriod) -> list[Target]:
    return list(db.session.scalars(select(Target).where(Target.period_id == period.id)
                                   .order_by(Target.metric, Target.organisation_id.is_not(None), Target.year)))


def resolve_targets(period: PlanPeriod | None, units: list[Organisation], year: int) -> dict:
    """{(metric, unit id): target value or None} for these units, in ONE query: a unit's own target,
    else its nearest ancestor's, else the province's (a count's: only the unit's own, the province's for
    the root); a target for the year beats one for the period."""
    if period is None:
        return {}
    chains = {u.id: _ancestor_ids(u.path) for u in units}
    ids = {i for chain in chains.values() for i in chain}
    rows = db.session.execute(select(Target.metric, Target.organisation_id, Target.year, Target.value).where(
        Target.period_id == period.id, or_(Target.year.is_(None), Target.year == year),
        or_(Target.organisation_id.is_(None), Target.organisation_id.in_(ids)))).all()
    found = {(m, o, y): v for m, o, y, v in rows}
    resolved = {}
    for metric in metrics.all_metrics():
        for unit_id, chain in chains.items():
            value = None
            # A share is asked of every unit below; a count (people per year) only of the unit it is
            # set for: the province's 60 people a year are not each commune's 60.
            candidates = (*chain, None) if metric.share else ((unit_id, None) if len(chain) == 1 else (unit_id,))
            for org in candidates:
                value = found.get((metric.name, org, year), found.get((metric.name, org, None)))
                if value is not None:
                    break
            resolved[(metric.name, unit_id)] = value
    return resolved


# --- figures -------------------------------------------------------------------------------------

@dataclass
class Figure:
    """A metric's figure for one subtree against its target."""

    metric: metrics.Metric
    numerator: int = 0
    denominator: int | None = None
    target: float | None = None

    @property
    def value(self) -> float | None:
        """Percent for a share (None when nothing to count), people for a count."""
        if not self.metric.share:
            return float(self.numerator)
        return None if not self.denominator else 100.0 * self.numerator / self.denominator

    @property
    def gap(self) -> float | None:
        """How far below the target (0 when reached); None without a target or a figure."""
        if self.target is None or self.value is None:
            return None
        return max(0.0, self.target - self.value)

    @property
    def reached(self) -> bool:
        return self.gap == 0

    @property
    def still_needed(self) -> int | None:
        """People or agencies still to add to reach the target."""
        if self.gap is None:
            return None
        if not self.metric.share:
            return int(round(self.gap))
        import math
        return max(0, math.ceil(self.target * self.denominator / 100 - 1e-9) - self.numerator)


def child_prefix(root: Organisation):
    """SQL: the path of the child of `root` a row's unit lies under (root's own rows: root's path)."""
    return func.substr(Organisation.path, 1, len(root.path) + PATH_WIDTH + 1)


def by_child(metric: metrics.Metric, root: Organisation, day: date, extra=()) -> dict[str, tuple[int, int | None]]:
    """{child path (or root path for the root's own rows): (numerator, denominator)}: ONE query."""
    stmt = metric.counts(child_prefix(root), (Organisation.subtree_clause(root.path), *extra), day)
    return {key: (int(num or 0), None if not metric.share else int(den or 0))
            for key, num, den in db.session.execute(stmt)}


def subtree_figure(metric: metrics.Metric, root: Organisation, day: date) -> tuple[int, int | None]:
    """(numerator, denominator) of the whole subtree: ONE query."""
    num, den = db.session.execute(metric.counts(None, (Organisation.subtree_clause(root.path),), day)).one()
    return int(num or 0), (int(den or 0) if metric.share else None)


def day_for(period: PlanPeriod | None, year: int | None) -> tuple[int, date]:
    """The year shown and the day its figures are counted up to (today, or 31/12 of a past year)."""
    now = today()
    if year is None:
        year = now.year if period is None or period.start_year <= now.year <= period.end_year else (
            period.end_year if now.year > period.end_year else period.start_year)
    return year, (now if year >= now.year else date(year, 12, 31))


@dataclass
class MetricRow:
    figure: Figure
    children: list[tuple[Organisation, Figure]] = field(default_factory=list)
    own: Figure | None = None                  # the chosen unit's own rows (its own staff, itself as agency)
    trend: list[tuple[date, float | None]] = field(default_factory=list)


@dataclass
class Dashboard:
    unit: Organisation
    period: PlanPeriod | None
    year: int
    day: date
    rows: list[MetricRow]
    counted_at: object = None                  # when the figures were counted (kept figures: their age)
    cached: bool = False
    age_seconds: int = 0

    @property
    def has_targets(self) -> bool:
        return any(r.figure.target is not None for r in self.rows)


def scoped_unit(actor: Actor, org_id: int | None) -> Organisation:
    """The unit asked for if the actor's scope covers it (else NotFound: 404), or the top of their scope."""
    return organisation_for(actor, org_id, PLAN_ROLES) if org_id else default_unit(actor)


def dashboard(actor: Actor, org_id: int | None, period_id: int | None, year: int | None = None, *,
              live: bool = False) -> Dashboard:
    """Each metric for the unit's subtree and each child's, targets, gaps and the trend: a fixed number
    of queries (children, targets, the snapshots, and the figures: none while kept, else one per
    metric), whatever the size of the tree. `live`: count now (reports), never the kept figures."""
    unit = scoped_unit(actor, org_id)
    period = period_for(period_id)
    year, day = day_for(period, year)
    children = list(db.session.scalars(select(Organisation).where(
        Organisation.parent_id == unit.id, Organisation.archived_at.is_(None)).order_by(
        text.vi_order(Organisation.name), Organisation.id)))
    targets = resolve_targets(period, [unit, *children], year)
    trend = _trend(unit, period, day)
    counted = figures.count(day, unit) if live else figures.for_day(day, unit)
    rows = []
    for metric in metrics.all_metrics():
        target = targets.get((metric.name, unit.id))
        row = MetricRow(Figure(metric, *counted.figure(metric, unit.id), target), trend=trend.get(metric.name, []))
        if counted.has_own(metric, unit.id):
            row.own = Figure(metric, *counted.figure(metric, unit.id, own=True), target)
        for child in children:
            row.children.append((child, Figure(metric, *counted.figure(metric, child.id),
                                               targets.get((metric.name, child.id)))))
        rows.append(row)
    return Dashboard(unit, period, year, day, rows, counted.computed_at, counted.cached, counted.age_seconds)


def _trend(unit: Organisation, period: PlanPeriod | None, day: date) -> dict[str, list]:
    """{metric: [(day, value)]} from the snapshots of this unit over the period (ONE query)."""
    if period is None:
        return {}
    rows = db.session.execute(select(TargetSnapshot.metric, TargetSnapshot.day, TargetSnapshot.numerator,
                                     TargetSnapshot.denominator).where(
        TargetSnapshot.organisation_id == unit.id, TargetSnapshot.day >= date(period.start_year, 1, 1),
        TargetSnapshot.day <= min(day, date(period.end_year, 12, 31))).order_by(TargetSnapshot.day)).all()
    trend: dict[str, list] = {}
    for name, on, num, den in rows:
        try:
            metric = metrics.get(name)
        except metrics.UnknownMetric:
            continue
        trend.setdefault(name, []).append((on, Figure(metric, num, den).value))
    return trend


# --- snapshots -----------------------------------------------------------------------------------

def write_snapshot(day: date | None = None) -> int:
    """Every unit's subtree figure of every metric as of `day` (default today), replacing that day's
    rows: one grouped query per metric (by unit), rolled up the tree in memory. Returns rows written."""
    day = day or today()
    counted = figures.count(day)
    live = set(db.session.scalars(select(Organisation.id).where(Organisation.archived_at.is_(None))))
    units = set().union(*(t.keys() for t in counted.subtree.values())) & live
    rows = [{"day": day, "organisation_id": unit_id, "metric": metric.name,
             "numerator": counted.figure(metric, unit_id)[0], "denominator": counted.figure(metric, unit_id)[1]}
            for metric in metrics.all_metrics() for unit_id in sorted(units)]
    db.session.execute(delete(TargetSnapshot).where(TargetSnapshot.day == day))
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(TargetSnapshot), rows[start:start + 5000])
    db.session.commit()
    return len(rows)


# --- missing lists -------------------------------------------------------------------------------

def missing_statement(actor: Actor, metric_name: str, org_id: int | None, day: date | None = None):
    """(unit, metric, statement) of what is missing in the unit's subtree, in Vietnamese order."""
    unit = scoped_unit(actor, org_id)
    try:
        metric = metrics.get(metric_name)
    except metrics.UnknownMetric:
        raise NotFound(_("Chỉ tiêu không có trong danh mục.")) from None
    stmt = metric.missing((Organisation.subtree_clause(unit.path),), day or today())
    if stmt is None:
        raise NotFound(_("Chỉ tiêu này không có danh sách còn thiếu."))
    if metric.missing_kind == "person":
        from ...orgs.models import Person
        stmt = stmt.order_by(text.vi_order(Organisation.name), Organisation.id, text.vi_order(Person.full_name),
                             Person.id)
    else:
        stmt = stmt.order_by(text.vi_order(Organisation.name), Organisation.id)
    return unit, metric, stmt


# --- what the dashboard's charts draw --------------------------------------------------------------

def parent_in_scope(actor: Actor, unit: Organisation) -> Organisation | None:
    """The unit's parent when the actor may open it (the "up" link of the drill-down)."""
    parent = unit.parent
    return parent if parent is not None and actor.covers(parent.path, *PLAN_ROLES) else None


def chart_data(board: Dashboard) -> dict:
    """The bar chart: each share metric's figure against its target, in percent."""
    shares = [r.figure for r in board.rows if r.figure.metric.share]
    return {"labels": [str(f.metric.label) for f in shares],
            "values": [None if f.value is None else round(f.value, 1) for f in shares],
            "targets": [f.target for f in shares], "figure_label": _("Kết quả"), "target_label": _("Chỉ tiêu")}


def trend_data(board: Dashboard) -> dict:
    """The line chart: each share metric's figure per snapshot day over the period."""
    days = sorted({on for r in board.rows for on, _v in r.trend})
    series = []
    for row in board.rows:
        if not row.figure.metric.share:
            continue
        values = dict(row.trend)
        series.append({"label": str(row.figure.metric.label),
                       "values": [None if values.get(d) is None else round(values[d], 1) for d in days]})
    return {"labels": [d.strftime("%d/%m/%Y") for d in days], "series": series}
