"""Per-question statistics checked by hand, their export, and the regrade of a fixed question."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.exams_grading_helpers import exam_world
from tests.test_exams_grading_marking import client_for

# choice: right for 0; choice2: right for 1. Theory scores: 10, 10, 5, 5, 0.
ANSWERS = [(0, 1), (0, 1), (0, 0), (1, 1), (1, 0)]


def test_facility_and_discrimination_by_hand(app, db, make_user, make_org, frozen_clock):
    """choice: marks x = 1,1,1,0,0 (facility 0.6); rest of the part = choice2's points 5,5,0,5,0.
    Deviations x: .4 .4 .4 -.6 -.6, rest: 2 2 -3 2 -3 → Sxy = 1.0, Sxx = 1.2, Syy = 30,
    r = 1 / sqrt(36) = 1/6. Point-biserial check: (M1 − M0) / s · sqrt(pq) = (10/3 − 2.5) / √6 · √.24 = 1/6.
    choice2 is the mirror case: facility 0.6, r = 1/6."""
    from exams.grading.statistics import exam_statistics
    from tinhoc.access import SYSTEM
    world = exam_world(db, make_user, make_org, candidates=[f"Thí sinh {i}" for i in "ABCDE"], theory=ANSWERS)
    exam, stats = exam_statistics(SYSTEM, world["exam"].id)
    theory = [s for s in stats if s.part.id == world["theory"].id]
    assert [s.question_id for s in theory] == [world["versions"]["choice"].question_id,
                                               world["versions"]["choice2"].question_id]
    for stat in theory:
        assert stat.count == 5
        assert stat.facility == pytest.approx(0.6)
        assert stat.discrimination == pytest.approx(1 / 6)
    assert not [s for s in stats if s.part.id == world["practical"].id]   # not marked yet: no statistics
    make_user("chief", roles=["organiser"])
    chief = client_for(app, "chief")
    page = chief.get(f"/exams/results/{world['exam'].id}/statistics").get_data(as_text=True)
    assert "0.60" in page and "0.17" in page and "tương quan" in page
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(chief.get(f"/exams/results/{world['exam'].id}/statistics.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][4:] == (5, 0.6, 0.167)


def test_discrimination_needs_three_and_variation():
    from exams.grading.statistics import pearson
    assert pearson([1, 0], [3, 4]) is None
    assert pearson([1, 1, 1], [1, 2, 3]) is None
    assert pearson([0, 1, 1], [1, 2, 2]) == pytest.approx(1.0)


def _fix_key(question_id, answers):
    from exams import services
    from tinhoc.access import SYSTEM
    question = services.question_for(SYSTEM, question_id)
    return services.save_question(SYSTEM, question_id, category_id=question.category_id, type_="single", name="",
                                  body=question.current.text, general_feedback="", params={"answers": answers},
                                  difficulty=2)


def test_regrade_preview_changes_nothing_then_apply_is_audited(app, db, make_user, make_org, frozen_clock):
    from exams.delivery.models import ExamAttempt
    from tinhoc.audit import AuditEntry
    world = exam_world(db, make_user, make_org, candidates=("Nguyễn Văn An", "Trần Thị Bình"),
                       theory=[(1, 0), (0, 1)])   # An: 0/10 (fails), Bình: 10/10
    question_id = world["versions"]["choice2"].question_id
    fixed = _fix_key(question_id, [{"text": "Ctrl+C", "fraction": 1}, {"text": "Ctrl+V", "fraction": 0}])
    assert fixed.current_version == 2                    # the shown version is kept; the fix is a new one
    make_user("chief", roles=["organiser"])
    chief = client_for(app, "chief")
    page = chief.get(f"/exams/grading/questions/{question_id}/regrade").get_data(as_text=True)
    table = page.split('id="regrade-preview"')[1]
    assert "Nguyễn Văn An" in table and "Trần Thị Bình" in table
    assert "0 → 1" in table and "1 → 0" in table and "0 → 5" in table and "10 → 5" in table
    assert "Không đạt → Đạt" in table
    db.session.expire_all()
    an = db.session.scalar(select(ExamAttempt).where(ExamAttempt.user_id == world["candidates"][0].id,
                                                     ExamAttempt.part_id == world["theory"].id))
    assert an.points == 0 and an.passed is False          # the preview stored nothing
    response = chief.post(f"/exams/grading/questions/{question_id}/regrade", follow_redirects=True)
    assert "Đã chấm lại 2 câu trả lời" in response.get_data(as_text=True)
    assert "Không có câu trả lời nào đổi điểm" in response.get_data(as_text=True)
    db.session.expire_all()
    an = db.session.get(ExamAttempt, an.id)
    assert an.points == 5 and an.passed is True
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "exam.regrade")) == 2


def test_regrade_refuses_a_hand_marked_question_and_lists_incompatible_versions(app, db, make_user, make_org,
                                                                              frozen_clock):
    world = exam_world(db, make_user, make_org, candidates=("Nguyễn Văn An",))
    make_user("chief", roles=["organiser"])
    chief = client_for(app, "chief")
    response = chief.get(f"/exams/grading/questions/{world['versions']['file'].question_id}/regrade",
                         follow_redirects=True)
    assert "được chấm tay" in response.get_data(as_text=True)
    question_id = world["versions"]["choice"].question_id
    _fix_key(question_id, [{"text": "Ctrl+C", "fraction": 1}, {"text": "Ctrl+V", "fraction": 0},
                           {"text": "Ctrl+X", "fraction": 0}])
    page = chief.get(f"/exams/grading/questions/{question_id}/regrade").get_data(as_text=True)
    assert "khác loại hoặc số phương án" in page and "Không có câu trả lời nào đổi điểm" in page
    assert chief.get("/exams/grading/questions/999999/regrade").status_code == 404
