"""Grading and results pages cost the same number of queries for N and 2N candidates (no query per row)."""
from __future__ import annotations

from tests.exams_grading_helpers import add_candidates, exam_world
from tests.helpers import page_query_count
from tests.test_exams_grading_marking import client_for


def _assign_and_mark(app, db, world):
    """Hand every new practical answer to two graders; mark them far apart (flagged) so every list has rows."""
    from exams.grading import marking, services
    from exams.grading.models import GradingAssignment
    from sqlalchemy import select
    from tinhoc.access import Actor
    from tinhoc.accounts.services import find_by_username
    chief = find_by_username("chief")
    graders = [find_by_username("cham1").id, find_by_username("cham2").id]
    services.assign_graders(Actor(chief.id, {"organiser": None}), world["practical"].id, graders)
    for assignment in db.session.scalars(select(GradingAssignment).where(GradingAssignment.marked_at.is_(None))
                                          .order_by(GradingAssignment.id)).all():
        marking.mark(Actor(assignment.grader_user_id, {"grader": None}), assignment.id,
                     fraction=0.1 if assignment.round == 1 else 0.9, comment="Nhận xét")


def test_grading_and_result_pages_cost_the_same_for_n_and_2n(app, db, make_user, make_org, frozen_clock):
    world = exam_world(db, make_user, make_org, candidates=[f"Nguyễn Văn A{i}" for i in range(4)])
    make_user("chief", roles=["organiser"])
    make_user("cham1", roles=["grader"])
    make_user("cham2", roles=["grader"])
    chief = client_for(app, "chief")
    chief.post(f"/exams/grading/parts/{world['practical'].id}/settings",
               data={"blind": "y", "second_marker": "y", "margin": "0.1", "rubric": ""})
    _assign_and_mark(app, db, world)
    exam_id, part_id = world["exam"].id, world["practical"].id
    urls = [f"/exams/grading/parts/{part_id}", f"/exams/results/{exam_id}", "/exams/results/units",
            f"/exams/results/{exam_id}/statistics", "/exams/grading/exams"]
    grader = client_for(app, "cham1")
    counts_n = [page_query_count(db, chief, url) for url in urls] + [page_query_count(db, grader, "/exams/grading/")]
    add_candidates(db, make_user, world, [f"Trần Thị B{i}" for i in range(4)])
    _assign_and_mark(app, db, world)
    counts_2n = [page_query_count(db, chief, url) for url in urls] + [page_query_count(db, grader, "/exams/grading/")]
    assert counts_n == counts_2n
