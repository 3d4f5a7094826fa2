"""The demo's plans: 2021–2025 (with yearly targets and a district's and a department's own targets)
and 2026–2030 (the current one), the certificates of the years before the site (bulk, numbered from the
per-year counters like any other), the emulation criteria, and monthly snapshots backfilled so the
trend shows. Idempotent: nothing is done when the 2021–2025 plan exists.

One department, `CIO_GAP_AGENCY`, is left without a CIO-trained leader: the demo `leader` account is its
leader in charge of IT, who can complete the CIO track and watch the dashboard's figure turn complete.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import insert, select

from ... import clock
from ...access import SYSTEM
from ...extensions import db
from ...orgs.models import JobPosition, Organisation, Person
from .. import kinds
from ..kinds import ADVANCED_MODULES, BASIC_MODULES
from ..models import Certificate, CertificateCounter
from ..services import LOCAL
from . import emulation, metrics, services
from .models import PlanPeriod

CIO_GAP_AGENCY = "SO-KHDT"
PAST_PLAN = "Kế hoạch ứng dụng CNTT trong cơ quan nhà nước tỉnh An Khê giai đoạn 2021–2025"
CURRENT_PLAN = "Kế hoạch chuyển đổi số tỉnh An Khê giai đoạn 2026–2030"
# The exam pass rate (%) and the Young Informatics entrants a year per division (bảng), province-wide.
PAST_OTHER_TARGETS = {"exam_pass_rate": 70, "contest_entrants_A": 20, "contest_entrants_B": 20,
                      "contest_entrants_C1": 10, "contest_entrants_C2": 15}
CURRENT_OTHER_TARGETS = {"exam_pass_rate": 80, "contest_entrants_A": 30, "contest_entrants_B": 30,
                         "contest_entrants_C1": 12, "contest_entrants_C2": 20, "contest_entrants_D1": 6,
                         "contest_entrants_D2": 6, "contest_entrants_D3": 6}
CRITERIA = {"cio_leader": "30", "it_staff": "20", "basic_certificate": "30", "advanced_certificate": "20"}


def _when(rng: random.Random, year: int) -> datetime:
    day = date(year, 1, 1) + timedelta(days=rng.randint(0, 360))
    return datetime.combine(day, time(9, 0), tzinfo=LOCAL).astimezone(timezone.utc)


def _details(kind: str, rng: random.Random, at: datetime) -> dict:
    if kind in ("basic_ict", "advanced_ict"):
        codes = list(BASIC_MODULES) if kind == "basic_ict" else rng.sample(sorted(ADVANCED_MODULES), 3)
        return {"hours": 120 if kind == "basic_ict" else 60, "modules": [
            {"code": c, "completed_on": (at.date() - timedelta(days=7 * (len(codes) - i))).isoformat(),
             "score": rng.choice([6.5, 7.0, 7.5, 8.0, 8.5, 9.0])} for i, c in enumerate(codes)]}
    title = ("Bồi dưỡng kiến thức Giám đốc CNTT (CIO)" if kind == "cio_track"
             else "Bồi dưỡng cán bộ chuyên trách CNTT")
    return {"hours": 56 if kind == "cio_track" else 40, "title": f"{title} năm {at.year}"}


def _history(rng: random.Random) -> int:
    """Certificates earned 2021–2025 (before the site), bulk-inserted: CIO for most agencies' leaders in
    charge of IT (not CIO_GAP_AGENCY's), the basic certificate for about 60 % of staff, the advanced for a
    fifth of those, the IT-staff track for half the IT staff."""
    positions = {p.id: p.code for p in db.session.scalars(select(JobPosition))}
    rows = db.session.execute(select(Person, Organisation.code, Organisation.name)
                              .join(Organisation, Organisation.id == Person.organisation_id)
                              .where(Person.left_at.is_(None), Organisation.kind.in_(metrics.AGENCY_KINDS))
                              .order_by(Person.id)).all()
    from ...accounts.models import User
    with_account = set(db.session.scalars(select(User.person_id).where(User.person_id.is_not(None))))
    plan: list[tuple[str, Person, str, int]] = []
    cio_done: set[str] = set()
    for person, code, unit_name in rows:
        if person.id in with_account:   # the demo logins keep the certificates the demo gives them
            continue
        position = positions[person.position_id]
        if position == "it_leader" and code != CIO_GAP_AGENCY and code not in cio_done and rng.random() < 0.75:
            plan.append(("cio_track", person, unit_name, rng.randint(2021, 2025)))
            cio_done.add(code)
        if position == "it_staff" and rng.random() < 0.5:
            plan.append(("it_staff_track", person, unit_name, rng.randint(2021, 2025)))
        if position in metrics.STAFF_POSITIONS and rng.random() < (0.72 if code.startswith("H-AB") else 0.6):
            year = rng.choice([2021, 2022, 2023, 2023, 2024, 2024, 2025, 2025])
            plan.append(("basic_ict", person, unit_name, year))
            if rng.random() < 0.25:
                plan.append(("advanced_ict", person, unit_name, min(2025, year + rng.randint(0, 2))))
    counters = {(c.kind, c.year): c.last for c in db.session.scalars(select(CertificateCounter))}
    certificates = []
    for kind, person, unit_name, year in plan:
        at = _when(rng, year)
        serial = counters[(kind, year)] = counters.get((kind, year), 0) + 1
        certificates.append({
            "number": f"{kinds.get(kind).prefix}-{year}-{serial:06d}", "kind": kind, "year": year, "serial": serial,
            "person_id": person.id, "organisation_id": person.organisation_id, "holder_name": person.full_name,
            "unit_name": unit_name, "details": kinds.get(kind).clean(_details(kind, rng, at)),
            "source": f"demo:history:{person.id}", "issued_at": at, "manual_reason": None})
    for start in range(0, len(certificates), 5000):
        db.session.execute(insert(Certificate), certificates[start:start + 5000])
    for (kind, year), last in counters.items():
        counter = db.session.get(CertificateCounter, (kind, year))
        if counter is None:
            db.session.add(CertificateCounter(kind=kind, year=year, last=last))
        else:
            counter.last = last
    db.session.commit()
    return len(certificates)


def _targets(past: PlanPeriod, current: PlanPeriod) -> None:
    unit = {o.code: o.id for o in db.session.scalars(select(Organisation).where(
        Organisation.code.in_(("H-AB", "SO-TTTT"))))}
    for metric, value in (("cio_leader", 100), ("it_staff", 100), ("basic_certificate", 80),
                          ("advanced_certificate", 20), ("trained_year", 60)):
        services.set_target(SYSTEM, past.id, metric=metric, value=value)
    for year, value in zip(past.years, (40, 50, 60, 70, 80)):
        services.set_target(SYSTEM, past.id, metric="basic_certificate", value=value, year=year)
    if "H-AB" in unit:       # the demo district was asked for more
        services.set_target(SYSTEM, past.id, metric="basic_certificate", value=90, org_id=unit["H-AB"])
        services.set_target(SYSTEM, current.id, metric="basic_certificate", value=95, org_id=unit["H-AB"])
    if "SO-TTTT" in unit:    # the ICT department leads on advanced skills
        services.set_target(SYSTEM, past.id, metric="advanced_certificate", value=50, org_id=unit["SO-TTTT"])
    for metric, value in (("cio_leader", 100), ("it_staff", 100), ("basic_certificate", 90),
                          ("advanced_certificate", 30), ("trained_year", 80)):
        services.set_target(SYSTEM, current.id, metric=metric, value=value)
    # Metrics registered by exams and contests (by name: certification does not import them).
    for period, values in ((past, PAST_OTHER_TARGETS), (current, CURRENT_OTHER_TARGETS)):
        for metric, value in values.items():
            if metric in metrics.names():
                services.set_target(SYSTEM, period.id, metric=metric, value=value)
    for period in (past, current):
        emulation.set_criteria(SYSTEM, period.id, CRITERIA)


def _snapshots() -> int:
    """The first of every month from January 2021 to this month, and today."""
    today = services.today()
    days, day = [], date(2021, 1, 1)
    while day <= today:
        days.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return sum(services.write_snapshot(d) for d in (*days, today))


def seed_targets(rng_seed: int = 2021) -> dict:
    if db.session.scalar(select(PlanPeriod.id).where(PlanPeriod.name == PAST_PLAN)) is not None:
        return {}
    rng = random.Random(rng_seed)
    history = _history(rng)
    past = services.create_period(SYSTEM, name=PAST_PLAN, start_year=2021, end_year=2025)
    current = services.create_period(SYSTEM, name=CURRENT_PLAN, start_year=2026, end_year=2030)
    _targets(past, current)
    return {"certificates": history, "snapshot_rows": _snapshots(), "now": clock.now().isoformat()}
