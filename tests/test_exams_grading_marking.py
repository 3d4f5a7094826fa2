"""Grading over HTTP: assignment round-robin, a grader sees only their items (page and file), blind
pages, marks with and without a rubric, second marking and the chief's reconciliation, audit."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_PASSWORD
from tests.exams_grading_helpers import exam_world


def client_for(app, username: str):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


@pytest.fixture
def setup(app, db, make_user, make_org, frozen_clock):
    world = exam_world(db, make_user, make_org)
    make_user("chief", roles=["organiser"], full_name="Lê Trưởng Ban")
    make_user("cham1", roles=["grader"], full_name="Phạm Chấm Một")
    make_user("cham2", roles=["grader"], full_name="Hoàng Chấm Hai")
    world["chief"] = client_for(app, "chief")
    return world


def _assignments(db, grader=None):
    from exams.grading.models import GradingAssignment
    from tinhoc.accounts.services import find_by_username
    stmt = select(GradingAssignment).order_by(GradingAssignment.id)
    if grader:
        stmt = stmt.where(GradingAssignment.grader_user_id == find_by_username(grader).id)
    return list(db.session.scalars(stmt))


def _graders(db, *names):
    from tinhoc.accounts.services import find_by_username
    return [find_by_username(n).id for n in names]


def test_round_robin_assignment_and_grader_sees_only_their_items(app, db, setup):
    chief, part = setup["chief"], setup["practical"]
    page = chief.get(f"/exams/grading/parts/{part.id}").get_data(as_text=True)
    assert "Phạm Chấm Một" in page and "Hoàng Chấm Hai" in page
    response = chief.post(f"/exams/grading/parts/{part.id}/assign", data={"graders": _graders(db, "cham1", "cham2")})
    assert response.status_code == 302
    first, second = _assignments(db, "cham1"), _assignments(db, "cham2")
    assert len(first) == 1 and len(second) == 1 and first[0].item_id != second[0].item_id
    # assigning again hands out nothing twice
    chief.post(f"/exams/grading/parts/{part.id}/assign", data={"graders": _graders(db, "cham1")})
    assert len(_assignments(db)) == 2

    one, two = client_for(app, "cham1"), client_for(app, "cham2")
    queue = one.get("/exams/grading/").get_data(as_text=True)
    assert f"/exams/grading/assignments/{first[0].id}" in queue
    assert f"/exams/grading/assignments/{second[0].id}" not in queue
    assert one.get(f"/exams/grading/assignments/{first[0].id}").status_code == 200
    # someone else's item, and its file, do not exist for this grader; nor for the organiser
    assert one.get(f"/exams/grading/assignments/{second[0].id}").status_code == 404
    assert one.post(f"/exams/grading/assignments/{second[0].id}", data={"fraction": "1"}).status_code == 404
    from exams.grading.marking import files_of
    other_file = files_of(second[0].item_id)[0]
    assert one.get(f"/exams/grading/assignments/{second[0].id}/files/{other_file.id}").status_code == 404
    assert one.get(f"/exams/grading/assignments/{first[0].id}/files/{other_file.id}").status_code == 404
    assert chief.get(f"/exams/grading/assignments/{first[0].id}").status_code == 404
    assert two.get(f"/exams/grading/assignments/{second[0].id}/files/{other_file.id}").status_code == 200


def test_blind_page_and_file_name_carry_no_name(app, db, setup):
    from exams.grading.marking import files_of
    from exams.grading.services import attempt_code
    chief, part = setup["chief"], setup["practical"]
    chief.post(f"/exams/grading/parts/{part.id}/assign", data={"graders": _graders(db, "cham1")})
    one = client_for(app, "cham1")
    for assignment in _assignments(db, "cham1"):
        attempt = assignment.item.attempt
        page = one.get(f"/exams/grading/assignments/{assignment.id}").get_data(as_text=True)
        candidate = next(u for u in setup["candidates"] if u.id == attempt.user_id)
        assert attempt_code(attempt.id) in page
        for secret in (candidate.full_name, candidate.username, "UBND tỉnh Thử", "TS00"):
            assert secret not in page
        stored = files_of(assignment.item_id)[0]
        response = one.get(f"/exams/grading/assignments/{assignment.id}/files/{stored.id}")
        disposition = response.headers["Content-Disposition"]
        assert attempt_code(attempt.id) in disposition and "Nguy" not in disposition and "Tr" not in disposition
        assert response.data == stored.data
    # with blind marking off the grader sees the name
    chief.post(f"/exams/grading/parts/{part.id}/settings", data={"margin": "0.1", "rubric": ""})
    assignment = _assignments(db, "cham1")[0]
    name = next(u.full_name for u in setup["candidates"] if u.id == assignment.item.attempt.user_id)
    assert name in one.get(f"/exams/grading/assignments/{assignment.id}").get_data(as_text=True)


def test_marks_out_of_range_are_refused_and_nothing_is_stored(app, db, setup):
    chief, part = setup["chief"], setup["practical"]
    chief.post(f"/exams/grading/parts/{part.id}/assign", data={"graders": _graders(db, "cham1")})
    one = client_for(app, "cham1")
    assignment = _assignments(db, "cham1")[0]
    for bad in ("1.5", "-0.1", "abc", ""):
        response = one.post(f"/exams/grading/assignments/{assignment.id}", data={"fraction": bad, "comment": "x"})
        assert response.status_code == 422
        assert "từ 0 đến 1" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _assignments(db, "cham1")[0].marked_at is None
    assert assignment.item.manual_fraction is None


def test_rubric_marks_set_the_item_and_attempt_and_are_audited(app, db, setup):
    from exams.delivery.models import ExamAttempt
    from tinhoc.audit import AuditEntry
    chief, part = setup["chief"], setup["practical"]
    response = chief.post(f"/exams/grading/parts/{part.id}/settings",
                          data={"blind": "y", "margin": "0,2", "rubric": "Định dạng | 4\nNội dung | 6"})
    assert response.status_code == 302
    chief.post(f"/exams/grading/parts/{part.id}/assign", data={"graders": _graders(db, "cham1")})
    one = client_for(app, "cham1")
    assignment = _assignments(db, "cham1")[0]
    page = one.get(f"/exams/grading/assignments/{assignment.id}").get_data(as_text=True)
    assert "Định dạng" in page and "Nội dung" in page
    response = one.post(f"/exams/grading/assignments/{assignment.id}", data={"score": ["5", "3"], "comment": "c"})
    assert response.status_code == 422 and "Định dạng" in response.get_data(as_text=True)
    assert 'value="5"' in response.get_data(as_text=True)   # what was typed stays in the form
    response = one.post(f"/exams/grading/assignments/{assignment.id}",
                        data={"score": ["3", "4,5"], "comment": "Thiếu lề trái"})
    assert response.status_code == 302
    db.session.expire_all()
    marked = _assignments(db, "cham1")[0]
    assert marked.scores == [3.0, 4.5] and marked.fraction == pytest.approx(0.75)
    assert marked.item.manual_fraction == pytest.approx(0.75)
    attempt = db.session.get(ExamAttempt, marked.item.attempt_id)
    assert attempt.points == pytest.approx(7.5) and attempt.passed is True
    # change of mark: audited with before and after
    one.post(f"/exams/grading/assignments/{assignment.id}", data={"score": ["1", "1"], "comment": "Sửa"})
    db.session.expire_all()
    assert db.session.get(ExamAttempt, marked.item.attempt_id).passed is False
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "exam.mark")
                                      .order_by(AuditEntry.id)))
    assert len(entries) == 2 and entries[1].before["fraction"] == pytest.approx(0.75)
    assert entries[1].after["fraction"] == pytest.approx(0.2)
    # the rubric cannot change under marks already given
    response = chief.post(f"/exams/grading/parts/{part.id}/settings", data={"margin": "0.2", "rubric": "Một | 10"})
    assert "không thể đổi thang chấm" in chief.get(response.headers["Location"]).get_data(as_text=True)


def test_settings_refuse_bad_margin_and_rubric_with_a_message(app, db, setup):
    from exams.grading.models import GradingSettings
    chief, part = setup["chief"], setup["practical"]
    response = chief.post(f"/exams/grading/parts/{part.id}/settings", data={"margin": "2", "rubric": ""},
                          follow_redirects=True)
    assert "Độ lệch cho phép phải nằm trong khoảng 0 đến 1" in response.get_data(as_text=True)
    response = chief.post(f"/exams/grading/parts/{part.id}/settings",
                          data={"margin": "0.1", "rubric": "Định dạng | 4\nNội dung không điểm"}, follow_redirects=True)
    assert "Dòng 2 của thang chấm" in response.get_data(as_text=True)
    assert db.session.get(GradingSettings, part.id) is None


def test_second_marking_mean_within_margin_and_chief_decides_beyond(app, db, setup):
    from exams.grading.models import GradingReconciliation
    from tinhoc.audit import AuditEntry
    chief, part = setup["chief"], setup["practical"]
    chief.post(f"/exams/grading/parts/{part.id}/settings", data={"blind": "y", "second_marker": "y",
                                                                 "margin": "0.2", "rubric": ""})
    response = chief.post(f"/exams/grading/parts/{part.id}/assign", data={"graders": _graders(db, "cham1")},
                          follow_redirects=True)
    assert "ít nhất hai người chấm" in response.get_data(as_text=True)
    chief.post(f"/exams/grading/parts/{part.id}/assign", data={"graders": _graders(db, "cham1", "cham2")})
    assignments = _assignments(db)
    assert len(assignments) == 4
    by_item = {}
    for a in assignments:
        by_item.setdefault(a.item_id, []).append(a)
    assert all(len({a.grader_user_id for a in pair}) == 2 for pair in by_item.values())
    close_item, far_item = sorted(by_item)
    clients = {"cham1": client_for(app, "cham1"), "cham2": client_for(app, "cham2")}
    ids = dict(zip(_graders(db, "cham1", "cham2"), ("cham1", "cham2")))
    for a in by_item[close_item]:
        clients[ids[a.grader_user_id]].post(f"/exams/grading/assignments/{a.id}",
                                            data={"fraction": "0.6" if a.round == 1 else "0.7"})
    for a in by_item[far_item]:
        clients[ids[a.grader_user_id]].post(f"/exams/grading/assignments/{a.id}",
                                            data={"fraction": "0.2" if a.round == 1 else "0.9"})
    db.session.expire_all()
    from exams.delivery.models import AttemptItem
    assert db.session.get(AttemptItem, close_item).manual_fraction == pytest.approx(0.65)
    assert db.session.get(AttemptItem, far_item).manual_fraction is None
    flag = db.session.scalar(select(GradingReconciliation))
    assert flag.item_id == far_item and flag.decided_at is None
    url = f"/exams/grading/reconciliations/{flag.id}"
    assert url in chief.get(f"/exams/grading/parts/{part.id}").get_data(as_text=True)
    page = chief.get(url).get_data(as_text=True)
    assert "Phạm Chấm Một" in page and "0.9" in page
    assert chief.get(f"/exams/grading/reconciliations/{flag.id + 1}").status_code == 404
    response = chief.post(url, data={"fraction": "0.5", "reason": ""})
    assert response.status_code == 422 and "phải nêu lý do" in response.get_data(as_text=True)
    response = chief.post(url,
                          data={"fraction": "0.5", "reason": "Đối chiếu đáp án: đạt nửa yêu cầu"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(AttemptItem, far_item).manual_fraction == pytest.approx(0.5)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "exam.mark_reconcile")) == 1
    # after the chief's decision a grader cannot change the mark
    a = by_item[far_item][0]
    response = clients[ids[a.grader_user_id]].post(f"/exams/grading/assignments/{a.id}", data={"fraction": "1"})
    assert response.status_code == 422 and "Trưởng ban chấm đã quyết định" in response.get_data(as_text=True)


def test_district_organiser_cannot_reach_a_province_exam(app, db, setup, make_org, make_user, grant):
    district = make_org("H-AB", "UBND huyện An Bình", kind="district", parent=setup["org"])
    user = make_user("huyen", roles=[])
    grant(user, "organiser", "H-AB")
    other = client_for(app, "huyen")
    part = setup["practical"]
    assert other.get(f"/exams/grading/parts/{part.id}").status_code == 404
    response = other.post(f"/exams/grading/parts/{part.id}/assign", data={"graders": _graders(db, "cham1")})
    assert response.status_code == 404
    assert other.get(f"/exams/results/{part.exam_id}").status_code == 404
    assert other.post(f"/exams/results/{part.exam_id}/release").status_code == 404
    assert district.id and not _assignments(db)
    from exams.grading.models import GradingReconciliation
    from tinhoc.extensions import db as _db
    flag = GradingReconciliation(item_id=_assignments_items(_db, part)[0], reason="")
    _db.session.add(flag)
    _db.session.commit()
    assert other.get(f"/exams/grading/reconciliations/{flag.id}").status_code == 404
    assert setup["chief"].get(f"/exams/grading/reconciliations/{flag.id}").status_code == 200
    assert other.get(f"/exams/grading/questions/{setup['versions']['choice'].question_id}/regrade").status_code == 200
    assert "Không có câu trả lời nào đổi điểm" in other.get(
        f"/exams/grading/questions/{setup['versions']['choice'].question_id}/regrade").get_data(as_text=True)


def _assignments_items(db, part):
    from tests.exams_grading_helpers import _practical_items
    return [item.id for item in _practical_items(db, part.id)]


def test_grader_cannot_pick_a_non_grader(app, db, setup):
    chief, part = setup["chief"], setup["practical"]
    response = chief.post(f"/exams/grading/parts/{part.id}/assign", data={"graders": _graders(db, "chief")},
                          follow_redirects=True)
    assert "không phải là người chấm" in response.get_data(as_text=True)
    assert not _assignments(db)
    assert re.search(r"Chia bài chưa phân công", response.get_data(as_text=True))
