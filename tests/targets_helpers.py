"""A generated province for the target tests: departments, districts of communes, a school, staff of
every position (some left), certificates of every training kind (some revoked, some of earlier years)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select


@pytest.fixture
def target_province(db, make_org, frozen_clock):
    from tinhoc import clock
    from tinhoc.certification.models import Certificate
    from tinhoc.orgs import services
    from tinhoc.orgs.models import JobPosition, Person
    services.ensure_positions()
    db.session.commit()
    positions = {p.code: p.id for p in db.session.scalars(select(JobPosition))}
    rng = random.Random(1313)
    root = make_org("T01", "UBND tỉnh Thử", kind="province")
    units = [root] + [make_org(f"SO-{i}", f"Sở số {i}", parent=root) for i in range(3)]
    for d in range(3):
        district = make_org(f"H-{d}", f"UBND huyện {d}", kind="district", parent=root)
        units.append(district)
        units += [make_org(f"H-{d}-X{c}", f"UBND xã {d}.{c}", kind="commune", parent=district) for c in range(4)]
        units.append(make_org(f"H-{d}-TH", f"Trường {d}", kind="school", parent=district))
    codes = ["leader", "it_leader", "it_staff", "civil_servant", "civil_servant", "public_employee", "teacher"]
    people = []
    for unit in units:
        for k in range(rng.randint(1, 7)):
            people.append(Person(employee_code=f"{unit.code}-{k}", full_name=f"Nguyễn Văn {unit.code} {k}",
                                 organisation_id=unit.id, position_id=positions[rng.choice(codes)],
                                 left_at=clock.now() - timedelta(days=3) if rng.random() < 0.1 else None))
    db.session.add_all(people)
    db.session.commit()
    now = clock.now()
    certificates = []
    serial = 0
    for person in people:
        for kind in ("basic_ict", "advanced_ict", "cio_track", "it_staff_track"):
            if rng.random() < 0.45:
                serial += 1
                issued = now - timedelta(days=rng.choice([1, 20, 40, 400, 800]))
                revoked = now - timedelta(days=1) if rng.random() < 0.1 else None
                certificates.append(Certificate(
                    number=f"T-{serial:06d}", kind=kind, year=issued.year, serial=serial, person_id=person.id,
                    organisation_id=person.organisation_id, holder_name=person.full_name, details={},
                    issued_at=issued, revoked_at=revoked, revoked_reason="sai" if revoked else None))
    for kind in ("basic_ict", "advanced_ict", "cio_track"):   # no person (an account holder only): a NULL
        certificates.append(Certificate(number=f"T-NULL-{kind}", kind=kind, year=2026, serial=999_000,  # in NOT IN
                                        person_id=None, holder_name="Tài khoản", details={}, issued_at=now))
    db.session.add_all(certificates)
    db.session.commit()
    return {"units": {u.code: u for u in units}, "people": people, "positions": positions,
            "certificates": certificates}


def as_utc(value):
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def hand_count(world, root, metric: str, as_of: datetime):
    """(numerator, denominator or None) over the subtree of `root`, counted in plain Python."""
    units, people, positions, certs = (world["units"], world["people"], world["positions"],
                                       world["certificates"])
    by_id = {p_id: code for code, p_id in positions.items()}
    in_tree = {u.id for u in units.values() if u.path.startswith(root.path)}
    at_work = [p for p in people if p.organisation_id in in_tree
               and (p.left_at is None or as_utc(p.left_at) > as_of)]

    def valid(c):
        return as_utc(c.issued_at) <= as_of and (c.revoked_at is None or as_utc(c.revoked_at) > as_of)

    def holds(person, kind):
        return any(c.person_id == person.id and c.kind == kind and valid(c) for c in certs)

    agencies = [u for u in units.values() if u.id in in_tree and u.kind in ("department", "district", "commune")]
    if metric == "cio_leader":
        having = [a for a in agencies if any(p.organisation_id == a.id and by_id[p.position_id] in ("leader", "it_leader")
                                             and holds(p, "cio_track") for p in at_work)]
        return len(having), len(agencies)
    if metric == "it_staff":
        having = [a for a in agencies if any(p.organisation_id == a.id and by_id[p.position_id] == "it_staff"
                                             for p in at_work)]
        return len(having), len(agencies)
    staff = [p for p in at_work if by_id[p.position_id] in ("leader", "it_leader", "it_staff", "civil_servant",
                                                              "public_employee")]
    if metric in ("basic_certificate", "advanced_certificate"):
        kind = "basic_ict" if metric == "basic_certificate" else "advanced_ict"
        return sum(1 for p in staff if holds(p, kind)), len(staff)
    if metric == "trained_year":
        from zoneinfo import ZoneInfo
        local = ZoneInfo("Asia/Ho_Chi_Minh")
        year = (as_of - timedelta(seconds=1)).astimezone(local).year
        holders = {c.person_id for c in certs if valid(c) and as_utc(c.issued_at).astimezone(local).year == year
                   and c.kind in ("basic_ict", "advanced_ict", "cio_track", "it_staff_track")
                   and any(p.id == c.person_id and p.organisation_id in in_tree for p in people)}
        return len(holders), None
    raise KeyError(metric)
