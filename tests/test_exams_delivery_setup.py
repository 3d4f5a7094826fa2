"""Exam set-up by organisers: scoped to the exam's unit subtree; blueprints the bank cannot satisfy
are refused naming the rule; parts are frozen once a candidate started."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.exams_delivery_helpers import make_bank, make_exam


@pytest.fixture
def setup_world(db, staff_setup, make_user, grant):
    categories = make_bank()
    district_organiser = make_user("tochuc-huyen", roles=[])
    grant(district_organiser, "organiser", "H-AB")
    make_user("tochuc-tinh", roles=["organiser"])
    return {"categories": categories, **staff_setup}


def _exam_form(org_id, **over):
    data = {"title": "Sát hạch CNTT quý I", "description": "<p>Mô tả</p><script>x</script>",
            "organisation_id": str(org_id), "opens_at": "2026-03-01T08:00", "closes_at": "2026-03-01T17:00",
            "attempts_allowed": "1", "shuffle_questions": "y", "shuffle_options": "y", "open_to_subtree": "y"}
    data.update(over)
    return data


def test_organiser_creates_an_exam_and_a_part(client, login, db, setup_world):
    from exams.delivery.models import Exam, ExamPart
    login("tochuc-huyen")
    response = client.post("/exams/manage/new", data=_exam_form(setup_world["commune"].id))
    assert response.status_code == 302
    exam = db.session.scalar(select(Exam))
    assert exam.title == "Sát hạch CNTT quý I" and "<script>" not in exam.description
    assert exam.opens_at.hour == 1 and exam.open_to_subtree    # 08:00 in Vietnam is 01:00 UTC
    theory = setup_world["categories"]["theory"]
    response = client.post(f"/exams/manage/{exam.id}/parts/new", data={
        "title": "Lý thuyết", "duration_minutes": "30", "max_points": "10", "pass_percent": "50",
        "rule_category": [str(theory), ""], "rule_difficulty": ["2", ""], "rule_count": ["5", ""],
        "rule_points": ["1", ""]})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    part = db.session.scalar(select(ExamPart))
    assert part.blueprint == [{"category_id": theory, "difficulty": 2, "count": 5, "points": 1.0}]
    assert part.marking == "mixed"        # the pool holds an essay
    client.post(f"/exams/manage/{exam.id}/parts/{part.id}", data={
        "title": "Lý thuyết", "duration_minutes": "30", "max_points": "10", "pass_percent": "50",
        "rule_category": [str(theory)], "rule_difficulty": [""], "rule_count": ["6"], "rule_points": ["1"],
        "rule_auto": ["1"]})
    db.session.expire_all()
    part = db.session.get(ExamPart, part.id)
    assert part.marking == "auto" and part.blueprint[0]["auto_only"] is True   # six auto-marked, the essay left out
    assert 'value="1" selected' in client.get(f"/exams/manage/{exam.id}/parts/{part.id}").get_data(as_text=True)
    page = client.get(f"/exams/manage/{exam.id}").get_data(as_text=True)
    assert "Lý thuyết" in page and "30 phút" in page
    assert "Sát hạch CNTT quý I" in client.get("/exams/manage").get_data(as_text=True)


def test_a_blueprint_the_bank_cannot_satisfy_is_refused_naming_the_rule(client, login, db, setup_world):
    from exams.delivery.models import ExamPart
    login("tochuc-huyen")
    created = client.post("/exams/manage/new", data=_exam_form(setup_world["district"].id))
    exam_id = int(created.headers["Location"].split("/")[-1])
    theory, practical = setup_world["categories"]["theory"], setup_world["categories"]["practical"]
    response = client.post(f"/exams/manage/{exam_id}/parts/new", data={
        "title": "Lý thuyết", "duration_minutes": "30", "max_points": "10", "pass_percent": "50",
        "rule_category": [str(practical), str(theory)], "rule_difficulty": ["", "3"],
        "rule_count": ["1", "40"], "rule_points": ["1", "1"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Quy tắc 2" in page and "Lý thuyết" in page and "cần 40" in page and "chỉ có 0" in page
    assert 'value="40"' in page            # what was typed is still there
    assert db.session.scalar(select(func.count(ExamPart.id))) == 0


def test_scope_other_districts_exam_is_not_found_and_learner_forbidden(client, login, db, setup_world, make_org):
    other = make_org("H-CD", "Huyện Cẩm Đông", kind="district", parent=setup_world["province"])
    exam, _theory, _practical = make_exam(other.id, setup_world["categories"])
    login("tochuc-huyen")
    assert client.get(f"/exams/manage/{exam.id}").status_code == 404
    assert client.get(f"/exams/manage/{exam.id}/parts/new").status_code == 404
    assert "Kỳ thi thử" not in client.get("/exams/manage").get_data(as_text=True)
    refused = client.post("/exams/manage/new", data=_exam_form(other.id))    # a unit outside the scope
    assert refused.status_code in (200, 400) and "Kỳ thi thử" not in refused.get_data(as_text=True)
    assert db.session.get(type(exam), exam.id + 1) is None


def test_learner_is_forbidden(client, login, setup_world):
    login("learner")
    assert client.get("/exams/manage").status_code == 403
    assert client.post("/exams/manage/new", data={}).status_code == 403


def test_window_and_part_checks(client, login, db, setup_world, frozen_clock, make_person, make_user):
    from exams.delivery import services
    login("tochuc-tinh")
    bad = client.post("/exams/manage/new", data=_exam_form(setup_world["district"].id, closes_at="2026-03-01T07:00"))
    assert "Thời gian đóng phải sau thời gian mở" in bad.get_data(as_text=True)
    exam, theory, _practical = make_exam(setup_world["district"].id, setup_world["categories"])
    person = make_person("CB-S1", setup_world["commune"])
    user = make_user("thisinh-s", person_id=person.id)
    services.start_attempt(user.id, theory.id)
    frozen = client.post(f"/exams/manage/{exam.id}/parts/{theory.id}", data={
        "title": "Lý thuyết", "duration_minutes": "30", "max_points": "10", "pass_percent": "50",
        "rule_category": [str(setup_world["categories"]["theory"])], "rule_difficulty": [""],
        "rule_count": ["3"], "rule_points": ["1"]})
    assert "đã có bài làm" in frozen.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(theory), theory.id).blueprint[0]["count"] == 7


def test_the_exam_list_does_not_grow_in_queries(client, login, db, setup_world):
    from sqlalchemy import event
    login("tochuc-tinh")

    def count() -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/exams/manage").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)
    make_exam(setup_world["district"].id, setup_world["categories"])
    one = count()
    for _n in range(4):
        make_exam(setup_world["commune"].id, setup_world["categories"])
    assert count() == one
