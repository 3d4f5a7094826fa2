"""The grading demo seed: candidates who took the first demo exam, their practical answers assigned
to the demo grader; idempotent."""
from __future__ import annotations

from sqlalchemy import func, select


def test_demo_takers_are_finished_and_assigned_to_the_grader(app, db, make_user, make_org, make_person):
    from exams.delivery.models import AttemptFile, AttemptItem, ExamAttempt
    from exams.grading.demo import seed_demo_grading
    from exams.grading.models import GradingAssignment
    from tests.exams_delivery_helpers import make_bank, make_exam
    province = make_org("T01", "UBND tỉnh Thử", kind="province")
    for i in range(4):
        make_person(f"CB{i}", province, full_name=f"Nguyễn Văn {i}")
    grader = make_user("grader", roles=["grader"])
    make_exam(province.id, make_bank())
    assert seed_demo_grading("mat-khau") == 6
    attempts = list(db.session.scalars(select(ExamAttempt)))
    assert len(attempts) == 6 and all(a.state == "submitted" for a in attempts)
    assert all(a.auto_points is not None for a in attempts)
    assert db.session.scalar(select(func.count(AttemptFile.id))) == 3
    assignments = list(db.session.scalars(select(GradingAssignment)))
    manual = db.session.scalar(select(func.count(AttemptItem.id)).where(AttemptItem.needs_manual.is_(True)))
    assert manual == 6                                   # each taker: the theory part's essay and the practical file
    assert len(assignments) == manual and {a.grader_user_id for a in assignments} == {grader.id}
    assert seed_demo_grading("mat-khau") == 0
