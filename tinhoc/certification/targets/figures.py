"""Every unit's figures of every metric, counted in one grouped query per metric and summed up the
tree in memory, so any subtree, its children and each agency read their figures without a query.

Why: at 100,000 staff each metric's aggregate costs tens of milliseconds, so a dashboard that asked
the database per metric and per page view missed its 300 ms budget. The per-unit figures of the whole
province are kept per web process for `TARGETS_FIGURES_TTL` seconds (0: never kept, always live) and
are dropped at once when this process commits a change to a row a metric counts (each metric names
its `sources`); a change committed by another process shows after at most the TTL, and the page says
when its figures were counted. The yearly report, the exports and the snapshot always count live.

Every metric is additive: each row it counts belongs to exactly one unit, so a subtree's figure is
the sum of its units' (the hand-count test checks it against the live subtree query).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ... import clock
from ...extensions import db
from ...orgs.models import Organisation
from . import metrics

MAX_DAYS_KEPT = 8          # distinct days (today, 31/12 of past years) kept per process


def ancestor_ids(path: str) -> list[int]:
    """Ids on a materialised path, the unit itself first, the root last."""
    return [int(part) for part in path.strip("/").split("/") if part][::-1]


@dataclass
class UnitFigures:
    """{metric: {unit id: (numerator, denominator)}} for each unit's own rows (`own`) and its whole
    subtree (`subtree`), as of `day`, counted at `computed_at`."""

    day: date
    computed_at: datetime
    cached: bool = False
    own: dict[str, dict[int, tuple[int, int]]] = field(default_factory=dict)
    subtree: dict[str, dict[int, tuple[int, int]]] = field(default_factory=dict)

    def figure(self, metric: metrics.Metric, unit_id: int, *, own: bool = False) -> tuple[int, int | None]:
        num, den = (self.own if own else self.subtree).get(metric.name, {}).get(unit_id, (0, 0))
        return num, (den if metric.share else None)

    def has_own(self, metric: metrics.Metric, unit_id: int) -> bool:
        return unit_id in self.own.get(metric.name, {})

    @property
    def age_seconds(self) -> int:
        return max(0, int((clock.now() - self.computed_at).total_seconds()))


def count(day: date, root: Organisation | None = None) -> UnitFigures:
    """Live: every metric's per-unit figures for the subtree of `root` (None: every unit), one grouped
    query per metric plus one for the paths, whatever the size of the tree."""
    where = () if root is None else (Organisation.subtree_clause(root.path),)
    paths = dict(db.session.execute(select(Organisation.id, Organisation.path).where(*where)).all())
    result = UnitFigures(day, clock.now())
    for metric in metrics.all_metrics():
        own: dict[int, tuple[int, int]] = {}
        rolled: dict[int, list[int]] = {}
        for org_id, num, den in db.session.execute(metric.counts(Organisation.id, where, day)):
            num, den = int(num or 0), int(den or 0)
            own[org_id] = (num, den)
            for ancestor in ancestor_ids(paths.get(org_id, "")):
                acc = rolled.setdefault(ancestor, [0, 0])
                acc[0] += num
                acc[1] += den
        result.own[metric.name] = own
        result.subtree[metric.name] = {k: (v[0], v[1]) for k, v in rolled.items()}
    return result


# --- the per-process cache ---------------------------------------------------------------------

_lock = threading.RLock()
_kept: dict[tuple[str, date], tuple[float, UnitFigures]] = {}


def ttl() -> float:
    return float(current_app.config.get("TARGETS_FIGURES_TTL", 0) or 0)


def for_day(day: date, root: Organisation) -> UnitFigures:
    """The figures the dashboard and ranking show: the kept province-wide figures while younger than the
    TTL (counted once under a lock when missing or old: concurrent views wait for that one count); with
    a TTL of 0, counted now for the subtree of `root` only."""
    seconds = ttl()
    if seconds <= 0:
        return count(day, root)
    key = (db.engine.url.render_as_string(hide_password=True), day)
    with _lock:
        kept = _kept.get(key)
        if kept is None or time.monotonic() - kept[0] > seconds:
            figures = count(day)
            figures.cached = True
            if len(_kept) >= MAX_DAYS_KEPT:
                _kept.clear()
            kept = _kept[key] = (time.monotonic(), figures)
        return kept[1]


def forget() -> None:
    """Drop every kept figure (a counted row changed). Waits for a count under way (it holds the lock),
    so figures counted before the change are never kept after it."""
    with _lock:
        _kept.clear()


# --- invalidation on this process's own writes ---------------------------------------------------

def _sources() -> dict[type, set[str] | None]:
    """{model: the attributes whose change matters (None: any)} over every metric's `sources`."""
    found: dict[type, set[str] | None] = {}
    for metric in metrics.all_metrics():
        for source in metric.sources:
            cls, attrs = (source, None) if isinstance(source, type) else (source[0], set(source[1:]))
            known = found.get(cls, set())
            found[cls] = None if attrs is None or known is None else known | attrs
    return found


def _matters(obj, sources, changed: bool) -> bool:
    """A new or deleted counted row always matters; a changed one when a watched attribute changed
    (an exam's autosave or a login's timestamp does not)."""
    for cls, attrs in sources.items():
        if isinstance(obj, cls):
            if not changed or attrs is None:
                return True
            state = inspect(obj)
            return any(state.attrs[name].history.has_changes() for name in attrs)
    return False


# Noted whether or not figures are kept now: a view may count them between this flush and the commit.
@event.listens_for(Session, "after_flush")
def _note_flush(session, _context) -> None:
    sources = _sources()
    if any(_matters(obj, sources, False) for obj in (*session.new, *session.deleted)) or \
            any(_matters(obj, sources, True) for obj in session.dirty):
        session.info["targets_figures_stale"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state) -> None:
    """Bulk insert/update/delete through the session (staff import, bench seeding) bypasses flush."""
    if state.is_insert or state.is_update or state.is_delete:
        mapper = state.bind_mapper
        if mapper is None or issubclass(mapper.class_, tuple(_sources())):
            state.session.info["targets_figures_stale"] = True


@event.listens_for(Session, "after_commit")
def _drop_on_commit(session) -> None:
    if session.info.pop("targets_figures_stale", False):
        forget()


@event.listens_for(Session, "after_soft_rollback")
def _keep_on_rollback(session, _previous) -> None:
    session.info.pop("targets_figures_stale", None)
