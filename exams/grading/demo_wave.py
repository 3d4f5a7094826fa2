"""Demo data for the targets dashboard: an earlier wave of this year's ICT exam, sat, marked and
released, so the exam pass rate shows a real figure and those who passed hold exam_pass certificates.

The wave is history (like the certificates of 2021–2025): its attempts are written as the marking
left them (points, pass flag per part), without the answers, by candidates who have no login.
"""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from tinhoc import clock
from tinhoc.extensions import db

WAVE_TITLE = "Kỳ thi ứng dụng CNTT cơ bản, đợt 1"
WAVE_SIZE = 80


def seed_released_wave(size: int = WAVE_SIZE) -> int:
    """The released first wave: `size` staff without an account sat both parts; about three in four
    passed each. Returns the number of attempts written (0 when seeded already or without staff)."""
    from tinhoc.accounts.models import User
    from tinhoc.certification.targets.metrics import AGENCY_KINDS, STAFF_POSITIONS, positions
    from tinhoc.orgs.models import Organisation, Person

    from ..delivery.models import Exam, ExamAttempt, ExamPart
    from .results import issue_certificates

    if db.session.scalar(select(Exam.id).where(Exam.title.startswith(WAVE_TITLE))) is not None:
        return 0
    province = db.session.scalar(select(Organisation).where(Organisation.depth == 0).order_by(Organisation.id))
    people = db.session.scalars(
        select(Person).join(Organisation, Organisation.id == Person.organisation_id)
        .outerjoin(User, User.person_id == Person.id)
        .where(Organisation.kind.in_(AGENCY_KINDS), Person.left_at.is_(None), positions(*STAFF_POSITIONS),
               User.id.is_(None)).order_by(Person.id)).all()
    if province is None or not people:
        return 0
    rng, now = random.Random(7), clock.now()
    sat = rng.sample(people, min(size, len(people)))
    exam = Exam(title=f"{WAVE_TITLE} năm {now.year}", organisation_id=province.id, kind="exam",
                description="<p>Đợt thi đã kết thúc và đã công bố kết quả.</p>",
                opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1), results_released_at=now)
    exam.parts = [ExamPart(position=1, title="Lý thuyết", duration_minutes=30, marking="auto"),
                  ExamPart(position=2, title="Thực hành", duration_minutes=45, marking="manual")]
    users = [User(username=f"dot1-{p.id}", full_name=p.full_name, password_hash="!", person_id=p.id) for p in sat]
    db.session.add(exam)
    db.session.add_all(users)
    db.session.flush()
    started = now - timedelta(days=1, hours=20)
    attempts = []
    for user in users:
        for part in exam.parts:
            points = round(min(10.0, max(0.0, rng.gauss(6.4, 2.0))), 1)
            attempt = ExamAttempt(exam_id=exam.id, part_id=part.id, user_id=user.id, number=1, seed=rng.randrange(1 << 30),
                                  state="closed", started_at=started, deadline_at=started + timedelta(minutes=45),
                                  finished_at=started + timedelta(minutes=rng.randint(20, 44)), points=points,
                                  max_points=10.0, passed=points + 1e-9 >= part.pass_fraction * 10.0)
            attempt.auto_points, attempt.manual_points = (points, None) if part.marking == "auto" else (None, points)
            attempts.append(attempt)
    db.session.add_all(attempts)
    db.session.commit()
    issue_certificates(exam)
    return len(attempts)
