"""Workforce metrics in a registry: one small class per metric, a duplicate name fails at import.

A metric answers, by aggregate SQL, (numerator, denominator) grouped by any key over the
`Organisation` the counted row belongs to: the chosen unit's whole subtree (a constant key), the
units directly under it (the child's path prefix), or each unit on its own (its id). So the figure
for a subtree, its children and the snapshot of every unit are each one query, whatever the tree.
It also gives the "missing" rows (agencies without a CIO-trained leader, staff without the basic
certificate) as one statement the caller paginates or exports.

Another package (exams, contests) registers its metric with one class:

```python
@metrics.register
class ExamPassRate(metrics.Metric):
    name = "exam_pass_rate"
    label = _l("Tỷ lệ thí sinh đạt kỳ thi ứng dụng CNTT")
    def counts(self, key, where, day):
        return (metrics.grouped(key, func.sum(case((ExamAttempt.passed, 1), else_=0)), func.count(ExamAttempt.id))
                .select_from(ExamAttempt).join(Person, ...).join(Organisation, ...).where(*where))
```
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date, datetime, time, timedelta, timezone
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal, or_, select

from ...orgs.models import JobPosition, Organisation, Person
from ..models import Certificate
from ..services import LOCAL

AGENCY_KINDS = ("department", "district", "commune")
LEADER_POSITIONS = ("leader", "it_leader")
# Cán bộ, công chức, viên chức of the agencies: who the certificate shares count (not teachers, pupils).
STAFF_POSITIONS = ("leader", "it_leader", "it_staff", "civil_servant", "public_employee")
TRAINING_KINDS = ("basic_ict", "advanced_ict", "cio_track", "it_staff_track")


def end_of_day(day: date) -> datetime:
    """The UTC instant the local day `day` ends: what "as of that day" counts up to."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=LOCAL).astimezone(timezone.utc)


def at_work(as_of: datetime):
    return or_(Person.left_at.is_(None), Person.left_at > as_of)


def valid_certificate(kind_clause, as_of: datetime):
    """SQL: certificate issued by `as_of` and not revoked by then."""
    return and_(kind_clause, Certificate.issued_at <= as_of,
                or_(Certificate.revoked_at.is_(None), Certificate.revoked_at > as_of))


def positions(*codes: str):
    return Person.position_id.in_(select(JobPosition.id).where(JobPosition.code.in_(codes)))


def holders(kind: str, as_of: datetime):
    """SQL: the ids of the people holding a valid certificate of `kind` as of `as_of` (never NULL)."""
    return select(Certificate.person_id).where(Certificate.person_id.is_not(None),
                                               valid_certificate(Certificate.kind == kind, as_of))


def holds(kind: str, as_of: datetime):
    """SQL on Person: the person holds a valid certificate of `kind` as of `as_of`. An uncorrelated IN,
    not a correlated EXISTS: the database builds the set of holders once (PostgreSQL's hashed subplan,
    SQLite's ephemeral index) instead of probing certificates once per person."""
    return Person.id.in_(holders(kind, as_of))


class Metric(ABC):
    """The base of every metric. `share` metrics are numerator/denominator (targets in %), the others
    a count (targets in people per year; denominator None)."""

    name: ClassVar[str]
    label: ClassVar[str]
    share: ClassVar[bool] = True
    missing_label: ClassVar[str | None] = None   # heading of the missing list (None: no list)
    missing_kind: ClassVar[str] = "agency"        # "agency" or "person": the columns of that list
    # The models whose rows the figure counts: a new or deleted row, or a change to one of the named
    # attributes (a bare model: any), drops the dashboard's kept figures (figures.py). Another package's
    # metric names its own: `sources = Metric.sources + ((ExamAttempt, "state", "passed"),)`.
    sources: ClassVar[tuple] = (Organisation, (Person, "organisation_id", "position_id", "left_at"),
                                (JobPosition, "code"), Certificate)

    @abstractmethod
    def counts(self, key, where, day: date):
        """select(key, numerator, denominator) of the rows whose Organisation meets `where`, grouped by
        key (key None: one row, no key column). Build it with `grouped(key, ...)`. Each counted row
        belongs to one unit: a subtree's figure is the sum of its units' (figures.py relies on it)."""

    def missing(self, where, day: date):
        """select of the Organisation (agency) or Person rows that are missing."""
        return None


_REGISTRY: dict[str, Metric] = {}


class UnknownMetric(KeyError):
    pass


def register(cls: type[Metric]) -> type[Metric]:
    """Class decorator: add a metric; a name registered twice fails at import."""
    if cls.name in _REGISTRY:
        raise ValueError(f"metric {cls.name!r} registered twice")
    if not getattr(cls, "label", None):
        raise ValueError(f"metric {cls.name!r} has no label")
    _REGISTRY[cls.name] = cls()
    return cls


def get(name: str) -> Metric:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownMetric(name) from None


def all_metrics() -> list[Metric]:
    return list(_REGISTRY.values())


def names() -> list[str]:
    return list(_REGISTRY)


def grouped(key, *columns):
    """select(key, *columns) grouped by key; key None: one row for everything (no GROUP BY)."""
    if key is None:
        return select(*columns)
    return select(key, *columns).group_by(key)


def per_unit_rollup(key, where, per_unit):
    """Group per-unit counts by `key`. `per_unit(units)` is a select of (org_id, num, den) grouped by
    the unit's id and limited to the ids in `units` (the units meeting `where`): the heavy rows (staff,
    certificates) are aggregated by an integer id first, only the few per-unit rows meet the key."""
    units = select(Organisation.id).where(*where)
    sub = per_unit(units).subquery()
    return (grouped(key, func.coalesce(func.sum(sub.c.num), 0), func.coalesce(func.sum(sub.c.den), 0))
            .select_from(Organisation).join(sub, sub.c.org_id == Organisation.id).where(*where))


def agency_clause():
    return and_(Organisation.kind.in_(AGENCY_KINDS), Organisation.archived_at.is_(None))


class AgencyMetric(Metric):
    """Share of agencies (own staff, not their subtree's) that have something: `has(as_of)` is an SQL
    condition on Organisation (an uncorrelated IN over their people, evaluated once as a set)."""

    @abstractmethod
    def has(self, as_of: datetime):
        """SQL condition on Organisation: the agency has what the metric counts as of `as_of`."""

    def counts(self, key, where, day):
        has = self.has(end_of_day(day))
        return (grouped(key, func.coalesce(func.sum(case((has, 1), else_=0)), 0), func.count(Organisation.id))
                .where(agency_clause(), *where))

    def missing(self, where, day):
        return select(Organisation).where(agency_clause(), *where, ~self.has(end_of_day(day)))


@register
class CIOLeader(AgencyMetric):
    name = "cio_leader"
    label = _l("Cơ quan có lãnh đạo đã bồi dưỡng Giám đốc CNTT (CIO)")
    missing_label = _l("Cơ quan chưa có lãnh đạo đã bồi dưỡng CIO")

    def has(self, as_of):
        return Organisation.id.in_(select(Person.organisation_id).where(
            at_work(as_of), positions(*LEADER_POSITIONS), holds("cio_track", as_of)))


@register
class ITStaff(AgencyMetric):
    name = "it_staff"
    label = _l("Cơ quan có cán bộ chuyên trách CNTT")
    missing_label = _l("Cơ quan chưa có cán bộ chuyên trách CNTT")

    def has(self, as_of):
        return Organisation.id.in_(select(Person.organisation_id).where(at_work(as_of), positions("it_staff")))


class StaffCertificateMetric(Metric):
    """Share of staff still at work (leaders, civil servants, public employees) holding a certificate."""

    kind: ClassVar[str]
    missing_kind = "person"

    def _staff(self, as_of):
        return (at_work(as_of), positions(*STAFF_POSITIONS))

    def counts(self, key, where, day):
        as_of = end_of_day(day)
        has = holds(self.kind, as_of)

        def per_unit(units):
            return (select(Person.organisation_id.label("org_id"), func.sum(case((has, 1), else_=0)).label("num"),
                           func.count(Person.id).label("den"))
                    .where(*self._staff(as_of), Person.organisation_id.in_(units)).group_by(Person.organisation_id))
        return per_unit_rollup(key, (Organisation.archived_at.is_(None), *where), per_unit)

    def missing(self, where, day):
        as_of = end_of_day(day)
        return (select(Person).join(Organisation, Organisation.id == Person.organisation_id)
                .where(*self._staff(as_of), Organisation.archived_at.is_(None), *where, ~holds(self.kind, as_of)))


@register
class BasicCertificate(StaffCertificateMetric):
    name = "basic_certificate"
    kind = "basic_ict"
    label = _l("Cán bộ, công chức có chứng chỉ ứng dụng CNTT cơ bản")
    missing_label = _l("Cán bộ, công chức chưa có chứng chỉ cơ bản")


@register
class AdvancedCertificate(StaffCertificateMetric):
    name = "advanced_certificate"
    kind = "advanced_ict"
    label = _l("Cán bộ, công chức có chứng chỉ ứng dụng CNTT nâng cao")
    missing_label = _l("Cán bộ, công chức chưa có chứng chỉ nâng cao")


@register
class TrainedThisYear(Metric):
    """People who earned a training certificate (basic, advanced, CIO, IT staff) in the year of
    `day`, up to `day`, counted once each, by their current unit."""

    name = "trained_year"
    label = _l("Số người được đào tạo, bồi dưỡng trong năm")
    share = False

    def counts(self, key, where, day):
        as_of = end_of_day(day)
        year_start = datetime.combine(date(day.year, 1, 1), time(), tzinfo=LOCAL).astimezone(timezone.utc)
        return (grouped(key, func.count(func.distinct(Certificate.person_id)), literal(0))
                .select_from(Certificate).join(Person, Person.id == Certificate.person_id)
                .join(Organisation, Organisation.id == Person.organisation_id)
                .where(valid_certificate(Certificate.kind.in_(TRAINING_KINDS), as_of),
                       Certificate.issued_at >= year_start, Organisation.archived_at.is_(None), *where))
