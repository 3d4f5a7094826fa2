"""The public quiz functions of exams.services, as training and contests call them."""
from __future__ import annotations

import pytest

from tests.exams_delivery_helpers import RIGHT, make_bank, shown


@pytest.fixture
def quiz_world(db, staff_setup, make_user, frozen_clock):
    from tinhoc.access import load_actor
    categories = make_bank(extra_single=4)
    instructor = make_user("giangvien", roles=["instructor"])
    learner = make_user("hocvien", roles=["learner"])
    return {"actor": load_actor(instructor.id), "learner": learner, "categories": categories}


def test_create_start_answer_and_read_the_result(db, quiz_world):
    from exams import services as exams
    from exams.delivery import services as delivery
    quiz = exams.create_quiz(quiz_world["actor"], title="Kiểm tra IU01", owner_ref="training.lesson:12",
                             category_id=quiz_world["categories"]["theory"], count=4, difficulty=2,
                             duration_minutes=10, pass_fraction=0.75)
    user_id = quiz_world["learner"].id
    assert exams.quiz_result(user_id, quiz.id) is None
    attempt = exams.start_quiz(user_id, quiz.id)
    assert exams.start_quiz(user_id, quiz.id).id == attempt.id          # resumed, not a second one
    assert len(attempt.items) == 4
    answers = [{"item": i.id, "response": shown(i, RIGHT.get(i.version.type, "x"))} for i in attempt.items]
    delivery.save_answers(user_id, attempt.id, 1, answers)
    delivery.submit_attempt(user_id, attempt.id)
    manual = [i for i in attempt.items if i.needs_manual]
    result = exams.quiz_result(user_id, quiz.id)
    assert result.max_points == 10.0 and result.attempts == 1 and result.finished_at is not None
    assert (result.points is None) == bool(manual)        # an essay drawn waits for its grader
    for item in manual:                                   # as GRADING does
        item.manual_fraction = 1.0
    delivery.recompute_attempt(attempt)
    db.session.commit()
    result = exams.quiz_result(user_id, quiz.id)
    assert result.points == pytest.approx(10.0) and result.passed is True


def test_a_failed_attempt_then_a_passed_one_gives_the_best(db, quiz_world):
    from exams import services as exams
    from exams.delivery import services as delivery
    quiz = exams.create_quiz(quiz_world["actor"], title="Kiểm tra nhanh", owner_ref="contest.round:3",
                             category_id=quiz_world["categories"]["theory"], count=3, difficulty=None,
                             duration_minutes=5, attempts_allowed=2)
    user_id = quiz_world["learner"].id
    first = exams.start_quiz(user_id, quiz.id)
    delivery.submit_attempt(user_id, first.id)
    failed = exams.quiz_result(user_id, quiz.id)
    assert failed.passed is False or failed.points is None
    second = exams.start_quiz(user_id, quiz.id)
    assert second.id != first.id
    answers = [{"item": i.id, "response": shown(i, RIGHT.get(i.version.type, "x"))} for i in second.items]
    delivery.save_answers(user_id, second.id, 1, answers)
    delivery.submit_attempt(user_id, second.id)
    assert exams.quiz_result(user_id, quiz.id).attempts == 2
    with pytest.raises(exams.BankError, match="hết số lần"):
        exams.start_quiz(user_id, quiz.id)


def test_quiz_refusals(db, quiz_world):
    from exams import services as exams
    from tinhoc.access import load_actor
    with pytest.raises(exams.BankError, match="Quy tắc 1"):
        exams.create_quiz(quiz_world["actor"], title="Quá nhiều câu", owner_ref="x", count=50,
                          category_id=quiz_world["categories"]["theory"], duration_minutes=5)
    with pytest.raises(exams.NotFound):
        exams.create_quiz(load_actor(quiz_world["learner"].id), title="Không được", owner_ref="x", count=1,
                          category_id=quiz_world["categories"]["theory"], duration_minutes=5)
    with pytest.raises(exams.NotFound):
        exams.start_quiz(quiz_world["learner"].id, 99999)


def test_quizzes_are_not_in_the_exam_lists(client, login, db, quiz_world):
    from exams import services as exams
    quiz = exams.create_quiz(quiz_world["actor"], title="Bài kiểm tra ẩn", owner_ref="training.lesson:1",
                             category_id=quiz_world["categories"]["theory"], count=2, duration_minutes=5)
    exams.start_quiz(quiz_world["learner"].id, quiz.id)
    login("hocvien")
    assert "Bài kiểm tra ẩn" not in client.get("/exams/mine").get_data(as_text=True)
    login_organiser = client.application.test_client()
    assert login_organiser.post(f"/exams/parts/{quiz.parts[0].id}/start").status_code == 302   # to login
