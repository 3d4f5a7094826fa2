"""Release and results over HTTP: refused while answers are unmarked (with the count), nothing shown
to candidates before release, per-part scores, pass/fail and feedback after, exam_pass certificates
for passers (once), result tables in Vietnamese name order and by unit subtree, .xlsx export."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.exams_grading_helpers import exam_world
from tests.test_exams_grading_marking import client_for


@pytest.fixture
def setup(app, db, make_user, make_org, frozen_clock):
    world = exam_world(db, make_user, make_org, theory=[(0, 1), (1, 0)])   # An: 10/10, Bình: 0/10
    make_user("chief", roles=["organiser"], full_name="Lê Trưởng Ban")
    make_user("cham1", roles=["grader"], full_name="Phạm Chấm Một")
    world["chief"] = client_for(app, "chief")
    return world


def _mark_all(app, db, world, fractions, comment="Trình bày đúng thể thức"):
    from exams.grading.models import GradingAssignment
    from tinhoc.accounts.services import find_by_username
    chief, part = world["chief"], world["practical"]
    chief.post(f"/exams/grading/parts/{part.id}/assign", data={"graders": [find_by_username("cham1").id]})
    grader = client_for(app, "cham1")
    assignments = list(db.session.scalars(select(GradingAssignment).order_by(GradingAssignment.id)))
    for assignment in assignments:
        user_id = assignment.item.attempt.user_id
        index = [u.id for u in world["candidates"]].index(user_id)
        response = grader.post(f"/exams/grading/assignments/{assignment.id}",
                               data={"fraction": str(fractions[index]), "comment": f"{comment} {index}"})
        assert response.status_code == 302


def _certificates(db):
    from tinhoc.certification.models import Certificate
    return list(db.session.scalars(select(Certificate).order_by(Certificate.id)))


def test_release_refused_while_answers_are_unmarked(app, db, setup):
    chief, exam = setup["chief"], setup["exam"]
    response = chief.post(f"/exams/results/{exam.id}/release", follow_redirects=True)
    assert "Còn 2 câu trả lời chưa chấm xong" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(exam), exam.id).results_released_at is None
    assert not _certificates(db)


def test_candidate_sees_nothing_before_release_and_the_result_after(app, db, setup):
    exam = setup["exam"]
    an, binh = setup["candidates"]
    candidate = client_for(app, an.username)
    _mark_all(app, db, setup, [0.8, 0.3])
    page = candidate.get(f"/exams/results/{exam.id}/mine").get_data(as_text=True)
    assert "chưa được công bố" in page
    assert "Nhận xét" not in page and "part-result" not in page and "Lý thuyết" not in page
    assert "Trình bày" not in page and "Ctrl+C sao chép" not in page
    assert "Chưa công bố" in candidate.get("/exams/results/mine").get_data(as_text=True)

    response = setup["chief"].post(f"/exams/results/{exam.id}/release", follow_redirects=True)
    assert "Đã công bố kết quả; cấp 1 giấy chứng nhận đạt" in response.get_data(as_text=True)
    page = candidate.get(f"/exams/results/{exam.id}/mine").get_data(as_text=True)
    assert "Lý thuyết: <strong>10</strong> / 10" in page and "Thực hành: <strong>8</strong> / 10" in page
    assert "Ctrl+C sao chép." in page                     # the question's general feedback
    assert "Trình bày đúng thể thức 0" in page            # this candidate's grader comment
    assert "Trình bày đúng thể thức 1" not in page        # never another candidate's
    assert binh.full_name not in page
    assert page.count("Đạt") >= 3 and "Không đạt" not in page
    other = client_for(app, binh.username).get(f"/exams/results/{exam.id}/mine").get_data(as_text=True)
    assert "Không đạt" in other and "Trình bày đúng thể thức 1" in other
    # someone without an attempt: the exam's result does not exist for them
    assert setup["chief"].get(f"/exams/results/{exam.id}/mine").status_code == 404


def test_release_issues_exam_pass_certificates_once(app, db, setup):
    from exams.grading import results
    exam = setup["exam"]
    an, binh = setup["candidates"]
    _mark_all(app, db, setup, [0.5, 1.0])                 # An 10 + 5: passes; Bình 0 + 10: fails theory
    setup["chief"].post(f"/exams/results/{exam.id}/release")
    certs = _certificates(db)
    assert [(c.kind, c.person_id, c.source) for c in certs] == [
        ("exam_pass", an.person_id, f"exams.exam:{exam.id}:user:{an.id}")]
    assert certs[0].details["title"] == exam.title and certs[0].details["score"] == 75.0
    db.session.expire_all()
    assert results.issue_certificates(db.session.get(type(exam), exam.id)) == 0     # none new
    assert len(_certificates(db)) == 1
    response = setup["chief"].post(f"/exams/results/{exam.id}/release", follow_redirects=True)
    assert "đã được công bố" in response.get_data(as_text=True)
    from tinhoc.audit import AuditEntry
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "exam.release")) == 1


def test_results_table_in_vietnamese_order_by_unit_and_exported(app, db, make_user, make_org, frozen_clock):
    from openpyxl import load_workbook
    province = make_org("T01", "UBND tỉnh Thử", kind="province")
    district = make_org("H-AB", "UBND huyện An Bình", kind="district", parent=province)
    names = ("Vũ Thị Dung", "Nguyễn Văn An", "Đặng Văn Cường", "Trần Thị Bình", "=HYPERLINK(\"x\")")
    world = exam_world(db, make_user, org=province, candidates=names,
                       units=[district, province, district, province, province])
    make_user("chief", roles=["organiser"])
    chief = client_for(app, "chief")
    exam = world["exam"]
    page = chief.get(f"/exams/results/{exam.id}").get_data(as_text=True)
    table = page.split('id="results-table"')[1]
    positions = [table.index(n) for n in ("Đặng Văn Cường", "Nguyễn Văn An", "Trần Thị Bình", "Vũ Thị Dung")]
    assert positions == sorted(positions)
    assert "chờ chấm" in table
    only = chief.get(f"/exams/results/{exam.id}?org={district.id}").get_data(as_text=True)
    assert "Vũ Thị Dung" in only and "Đặng Văn Cường" in only and "Nguyễn Văn An" not in only
    response = chief.get(f"/exams/results/{exam.id}/results.xlsx?org={district.id}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "Họ và tên" and [r[1] for r in rows[1:]] == ["Đặng Văn Cường", "Vũ Thị Dung"]
    assert rows[1][4] == 5 and rows[1][5] is None       # theory 5 (choice right), practical not marked
    full = load_workbook(io.BytesIO(chief.get(f"/exams/results/{exam.id}/results.xlsx").data)).active
    cell = next(c for row in full.iter_rows() for c in row if c.value == "=HYPERLINK(\"x\")")
    assert cell.data_type == "s"                           # text, never a live formula


def test_unit_results_are_scope_filtered(app, db, make_user, make_org, grant, frozen_clock):
    province = make_org("T01", "UBND tỉnh Thử", kind="province")
    district = make_org("H-AB", "UBND huyện An Bình", kind="district", parent=province)
    other = make_org("H-CD", "UBND huyện Cẩm Điền", kind="district", parent=province)
    exam_world(db, make_user, org=province, candidates=("Nguyễn Văn An", "Trần Thị Bình"),
               units=[district, other])
    user = make_user("huyen", roles=[])
    grant(user, "organiser", "H-AB")
    page = client_for(app, "huyen").get("/exams/results/units").get_data(as_text=True)
    assert "Nguyễn Văn An" in page and "Trần Thị Bình" not in page
    assert f'<option value="{district.id}"' in page and f'<option value="{other.id}"' not in page
    assert client_for(app, "huyen").get(f"/exams/results/units?org={other.id}").status_code == 404
    make_user("chief", roles=["organiser"])
    page = client_for(app, "chief").get(f"/exams/results/units?org={other.id}").get_data(as_text=True)
    assert "Trần Thị Bình" in page and "Nguyễn Văn An" not in page
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(client_for(app, "huyen").get("/exams/results/units.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["Nguyễn Văn An"]
    assert rows[1][5] == "Lý thuyết: 5/10; Thực hành: —" and rows[1][6] == "Chưa chấm xong"


def _open_attempt(db, part, user, deadline):
    from datetime import timedelta
    from exams.delivery.models import ExamAttempt
    attempt = ExamAttempt(exam_id=part.exam_id, part_id=part.id, user_id=user.id, number=2, seed=1, state="open",
                          started_at=deadline - timedelta(minutes=30), deadline_at=deadline,
                          max_points=part.max_points)
    db.session.add(attempt)
    db.session.commit()
    return attempt


def test_release_waits_for_attempts_in_progress_and_closes_expired_ones(app, db, setup, frozen_clock):
    from datetime import timedelta
    from exams.delivery.models import ExamAttempt
    exam, an = setup["exam"], setup["candidates"][0]
    _mark_all(app, db, setup, [0.8, 0.3])
    running = _open_attempt(db, setup["theory"], an, frozen_clock.now() + timedelta(minutes=5))
    response = setup["chief"].post(f"/exams/results/{exam.id}/release", follow_redirects=True)
    assert "Còn 1 bài thi đang làm" in response.get_data(as_text=True)
    frozen_clock.advance(timedelta(minutes=6))     # past the deadline: release closes it and goes on
    response = setup["chief"].post(f"/exams/results/{exam.id}/release", follow_redirects=True)
    assert "Đã công bố kết quả" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ExamAttempt, running.id).state == "closed"


def test_released_marks_change_only_through_a_regrade(app, db, setup):
    from exams.grading.models import GradingAssignment
    from tests.test_exams_results_statistics import _fix_key
    exam = setup["exam"]
    _mark_all(app, db, setup, [0.8, 0.9])                 # Bình fails theory (0/10) and passes practical
    setup["chief"].post(f"/exams/results/{exam.id}/release")
    assert len(_certificates(db)) == 1
    grader = client_for(app, "cham1")
    assignment = db.session.scalar(select(GradingAssignment).order_by(GradingAssignment.id))
    response = grader.post(f"/exams/grading/assignments/{assignment.id}", data={"fraction": "0.1"})
    assert response.status_code == 422 and "đã được công bố" in response.get_data(as_text=True)
    # the key of choice2 was wrong: answer 0 is right; Bình (answers 1, 0) now has 5/10 and passes
    _fix_key(setup["versions"]["choice2"].question_id,
             [{"text": "Ctrl+C", "fraction": 1}, {"text": "Ctrl+V", "fraction": 0}])
    setup["chief"].post(f"/exams/grading/questions/{setup['versions']['choice2'].question_id}/regrade")
    holders = {c.person_id for c in _certificates(db)}
    assert holders == {u.person_id for u in setup["candidates"]}


def _regrade(chief, question_id, right: int):
    from tests.test_exams_results_statistics import _fix_key
    answers = [{"text": "Ctrl+C", "fraction": 0}, {"text": "Ctrl+V", "fraction": 0}]
    answers[right]["fraction"] = 1
    _fix_key(question_id, answers)
    return chief.post(f"/exams/grading/questions/{question_id}/regrade", follow_redirects=True).get_data(as_text=True)


def _live(db, person_id):
    db.session.expire_all()
    return [c for c in _certificates(db) if c.person_id == person_id and not c.is_revoked]


def test_a_regrade_that_fails_a_holder_withdraws_the_certificate(app, db, setup, client):
    """A pass turned into a fail by a regrade after release loses its certificate: it would still
    verify and count toward the targets. Passing again later earns a new number (the withdrawn one
    stays withdrawn); a certificate a person revoked is never replaced."""
    exam, chief = setup["exam"], setup["chief"]
    an, binh = setup["candidates"]              # theory answers: An (0, 1), Bình (1, 0)
    choice, choice2 = (setup["versions"][k].question_id for k in ("choice", "choice2"))
    _mark_all(app, db, setup, [0.8, 0.9])       # practical passed by both; theory An 10/10, Bình 0/10
    chief.post(f"/exams/results/{exam.id}/release")
    [first] = _live(db, an.person_id)
    assert not _live(db, binh.person_id)
    page = _regrade(chief, choice2, right=0)    # An 5/10 still passes; Bình 5/10 now passes
    assert "0 bị thu hồi (không còn đạt), 1 được cấp mới" in page
    assert _live(db, an.person_id) == [first] and len(_live(db, binh.person_id)) == 1
    page = _regrade(chief, choice, right=1)     # An 0/10 fails; Bình 10/10
    assert "1 bị thu hồi (không còn đạt), 0 được cấp mới" in page
    assert not _live(db, an.person_id)
    withdrawn = db.session.get(type(first), first.id)
    assert withdrawn.is_revoked and withdrawn.revoked_by is None and f"#{choice}" in withdrawn.revoked_reason
    verify = client.get(f"/verify/{first.number}").get_data(as_text=True)
    assert "thu hồi" in verify
    page = _regrade(chief, choice, right=0)     # the first key was right after all: An passes again
    [again] = _live(db, an.person_id)
    assert again.number != first.number and again.source.endswith(":1")
    assert db.session.get(type(first), first.id).is_revoked
    # a certificate revoked by a person (cheating found) is not replaced by the next regrade
    [binh_cert] = _live(db, binh.person_id)
    chief.post(f"/certificates/{binh_cert.id}/revoke", data={"reason": "Gian lận trong phòng thi"})
    assert not _live(db, binh.person_id)
    _regrade(chief, choice, right=1)            # Bình 10/10 still passes; An 0/10 fails again
    assert not _live(db, binh.person_id) and not _live(db, an.person_id)


def test_unit_results_say_when_they_are_cut(app, db, make_user, make_org, frozen_clock, monkeypatch):
    from exams.grading import results
    exam_world(db, make_user, make_org, candidates=("Nguyễn Văn An", "Trần Thị Bình"))
    make_user("chief", roles=["organiser"])
    chief = client_for(app, "chief")
    assert "Chỉ hiện" not in chief.get("/exams/results/units").get_data(as_text=True)
    monkeypatch.setattr(results, "UNIT_LIMIT", 3)          # 4 attempts: the page says it shows only 3
    page = chief.get("/exams/results/units").get_data(as_text=True)
    assert "Chỉ hiện 3 bài thi đầu tiên" in page and "Nguyễn Văn An" in page
