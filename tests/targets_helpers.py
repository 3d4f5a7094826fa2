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


@pytest.fixture
def target_world(db, target_province):
    """The generated province plus what exams and contests record: exams released this year, last
    year, not yet, a quiz; attempts per part (retakes, open and unmarked ones, users without a person);
    contests of this and last year with national and other division codes, approved, pending and team
    entries at the schools and a commune."""
    from tinhoc import clock
    from tinhoc.accounts.models import User
    from contests.models import Contest, Division, Entry, EntryMember
    from exams.delivery.models import Exam, ExamAttempt, ExamPart
    rng = random.Random(1314)
    now, units, people = clock.now(), target_province["units"], target_province["people"]
    users = [User(username=f"u{p.id}", full_name=p.full_name, password_hash="x", person_id=p.id)
             for p in people if rng.random() < 0.7]
    users += [User(username=f"free{k}", full_name=f"Tự do {k}", password_hash="x") for k in range(3)]
    db.session.add_all(users)
    exams = []
    for title, kind, released_days in (("Kỳ thi 2026", "exam", 5), ("Đợt 2", "exam", 20), ("Đợt 1", "exam", 50),
                                       ("Năm trước", "exam", 80),
                                       ("Chưa công bố", "exam", None), ("Trắc nghiệm bài học", "quiz", 5)):
        exam = Exam(title=title, organisation_id=units["T01"].id, kind=kind, opens_at=now - timedelta(days=100),
                    closes_at=now - timedelta(days=90),
                    results_released_at=None if released_days is None else now - timedelta(days=released_days))
        exam.parts = [ExamPart(position=k, title=f"Phần {k}") for k in (1, 2)]
        exams.append(exam)
    db.session.add_all(exams)
    db.session.flush()
    attempts = []
    for exam in exams:
        for user in users:
            if rng.random() < 0.4:
                continue
            for part in exam.parts:
                tries = rng.choice([1, 1, 1, 2, 2, 3])
                for number in range(1, tries + 1):
                    state = "open" if number == tries and rng.random() < 0.15 else rng.choice(["submitted", "closed"])
                    passed = None if state == "open" or rng.random() < 0.1 else rng.random() < 0.6
                    attempts.append(ExamAttempt(exam_id=exam.id, part_id=part.id, user_id=user.id, number=number,
                                                seed=1, state=state, deadline_at=now - timedelta(days=95),
                                                passed=passed))
    db.session.add_all(attempts)
    contests, entries = [], []
    for year, codes in ((2026, ("A", "B", "C1", "X")), (2025, ("A", "B"))):
        contest = Contest(year=year, level="province", title=f"Hội thi Tin học trẻ {year}")
        contest.divisions = [Division(code=code, name=f"Bảng {code}", school_levels=[], team_entry=True,
                                      max_team_size=2) for code in codes]
        contests.append(contest)
    db.session.add_all(contests)
    db.session.flush()
    places = [u for u in units.values() if u.kind == "school"] + [units["H-1-X2"]]
    for contest in contests:
        for division in contest.divisions:
            for k in range(12):
                status = rng.choice(["approved", "approved", "approved", "pending", "rejected"])
                entry = Entry(division_id=division.id, name=f"Đội {division.code}{k}", school_id=rng.choice(places).id,
                              status=status, approved_at=now - timedelta(days=rng.choice([1, 20, 40]))
                              if status == "approved" else None)
                entry.members = [EntryMember(user_id=rng.choice(users).id, full_name=f"Học sinh {m}", grade=5,
                                             school_level="primary") for m in range(rng.choice([1, 2]))]
                entries.append(entry)
    db.session.add_all(entries)
    db.session.commit()
    return {**target_province, "users": users, "exams": exams, "attempts": attempts, "contests": contests,
            "entries": entries}


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
    if metric == "exam_pass_rate":
        return _exam_pass_rate(world, in_tree, as_of)
    if metric.startswith("contest_entrants_"):
        return _contest_entrants(world, in_tree, as_of, metric.removeprefix("contest_entrants_"))
    raise KeyError(metric)


def _local_year(as_of: datetime) -> int:
    from zoneinfo import ZoneInfo
    return (as_of - timedelta(seconds=1)).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).year


def _exam_pass_rate(world, in_tree, as_of):
    """Latest finished marked attempt per part and user, of exams (not quizzes) released this year by as_of."""
    from zoneinfo import ZoneInfo
    year = _local_year(as_of)
    unit_of = {p.id: p.organisation_id for p in world["people"]}
    person_of = {u.id: u.person_id for u in world["users"]}
    exams = {e.id: e for e in world["exams"]}
    final = [a for a in world["attempts"] if a.state in ("submitted", "closed")]
    counted = []
    for a in final:
        exam = exams[a.exam_id]
        released = exam.results_released_at
        if exam.kind != "exam" or released is None or as_utc(released) > as_of \
                or as_utc(released).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).year != year:
            continue
        if a.passed is None or unit_of.get(person_of.get(a.user_id)) not in in_tree:
            continue
        if any(b.part_id == a.part_id and b.user_id == a.user_id and b.number > a.number for b in final):
            continue
        counted.append(a)
    return sum(1 for a in counted if a.passed), len(counted)


def _contest_entrants(world, in_tree, as_of, code):
    year = _local_year(as_of)
    divisions = {d.id: (d.code, c.year) for c in world["contests"] for d in c.divisions}
    return sum(len(e.members) for e in world["entries"]
               if divisions[e.division_id] == (code, year) and e.status == "approved"
               and as_utc(e.approved_at) <= as_of and e.school_id in in_tree), None
