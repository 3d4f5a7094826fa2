"""The quiz lesson type: an instructor sets it up in the lesson editor; the learner takes the quiz
through the exam attempt page and the lesson completes when the quiz is passed."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import TEST_PASSWORD
from tests.exams_delivery_helpers import RIGHT, make_bank, shown


@pytest.fixture
def quiz_course(db, staff_setup, make_user, make_person, app):
    from tinhoc.accounts.services import find_by_username
    from training.models import Course
    categories = make_bank(extra_single=3)
    instructor = make_user("giangvien", roles=["instructor"])
    person = make_person("CB-Q1", staff_setup["commune"])
    make_user("hocvien", roles=["learner"], person_id=person.id)
    course = Course(code="KH-Q", title="Khóa học có kiểm tra", hours=2, open_enrolment=True,
                    owner_id=instructor.id, organisation_id=staff_setup["district"].id)
    db.session.add(course)
    db.session.commit()
    assert find_by_username("hocvien") is not None
    return {"course": course, "categories": categories}


def _client(app, username):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": TEST_PASSWORD}).status_code == 302
    return client


def test_quiz_lesson_from_editor_to_completion(app, db, quiz_course):
    from exams.delivery import services as delivery
    from exams.delivery.models import ExamAttempt
    from training.models import Lesson, LessonProgress
    editor = _client(app, "giangvien")
    url = f"/training/manage/{quiz_course['course'].id}/lessons/new"
    form = {"type": "quiz", "title": "Kiểm tra cuối khóa", "body": "<p>Làm bài</p>", "quiz_count": "4",
            "quiz_minutes": "10", "quiz_pass": "75", "quiz_category": ""}
    refused = editor.post(url, data=form)
    assert "Hãy chọn danh mục câu hỏi" in refused.get_data(as_text=True)
    assert editor.post(url, data={**form, "quiz_category": str(quiz_course["categories"]["theory"])}).status_code == 302
    lesson = db.session.scalar(select(Lesson).where(Lesson.type == "quiz"))
    assert lesson.params["count"] == 4 and lesson.params["pass_fraction"] == 0.75 and "exam_id" not in lesson.params
    assert 'value="75"' in editor.get(f"/training/manage/{quiz_course['course'].id}/lessons/{lesson.id}").get_data(
        as_text=True)

    learner = _client(app, "hocvien")
    assert learner.post(f"/training/courses/{quiz_course['course'].id}/enrol").status_code == 302
    page = learner.get(f"/training/lessons/{lesson.id}").get_data(as_text=True)
    assert 'id="start-quiz"' in page and "4 câu, 10 phút" in page
    started = learner.post(f"/training/lessons/{lesson.id}/quiz")
    assert started.status_code == 302 and started.headers["Location"].endswith(f"?next=/training/lessons/{lesson.id}")
    attempt_id = int(started.headers["Location"].split("/exams/attempts/")[1].split("?")[0])
    attempt = db.session.get(ExamAttempt, attempt_id)
    assert attempt.exam.kind == "quiz" and attempt.exam.owner_ref == f"training.lesson:{lesson.id}"
    assert not any(i.needs_manual for i in attempt.items)          # a quiz draws auto-marked questions only
    answers = [{"item": i.id, "response": shown(i, RIGHT[i.version.type])} for i in attempt.items]
    delivery.save_answers(attempt.user_id, attempt.id, 1, answers)
    done = learner.post(f"/exams/attempts/{attempt_id}/submit", data={"next": f"/training/lessons/{lesson.id}"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/training/lessons/{lesson.id}")
    page = learner.get(f"/training/lessons/{lesson.id}").get_data(as_text=True)
    assert "Đạt." in page and 'id="start-quiz"' not in page
    progress = db.session.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson.id))
    assert progress.completed_at is not None
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).params["exam_id"] == attempt.exam_id


def test_a_failed_quiz_does_not_complete_and_foreign_next_is_ignored(app, db, quiz_course):
    from training import authoring
    from training.models import LessonProgress
    from tinhoc.access import SYSTEM
    lesson = authoring.save_lesson(SYSTEM, quiz_course["course"].id, None, type_="quiz", title="Kiểm tra",
                                   section_id=None, upload=None, data={
                                       "quiz_category": quiz_course["categories"]["theory"], "quiz_count": 3,
                                       "quiz_minutes": 5, "quiz_pass": 50, "body": ""})
    learner = _client(app, "hocvien")
    assert learner.post(f"/training/courses/{quiz_course['course'].id}/enrol").status_code == 302
    started = learner.post(f"/training/lessons/{lesson.id}/quiz")
    attempt_id = int(started.headers["Location"].split("/exams/attempts/")[1].split("?")[0])
    done = learner.post(f"/exams/attempts/{attempt_id}/submit", data={"next": "https://evil.example/"})
    assert done.headers["Location"].endswith("/exams/mine")
    page = learner.get(f"/training/lessons/{lesson.id}").get_data(as_text=True)
    assert "Chưa đạt." in page and 'id="start-quiz"' in page          # two more attempts allowed
    progress = db.session.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson.id))
    assert progress.completed_at is None
    assert learner.post("/training/lessons/999999/quiz").status_code == 404
