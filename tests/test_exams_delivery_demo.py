"""The demo exam: `learner` can take it at once (18 theory questions from IU01–IU06, one practical
file question); seeding again changes nothing."""
from __future__ import annotations

from sqlalchemy import func, select


def test_learner_takes_the_demo_exam(app, db):
    from exams.delivery.models import Exam, ExamAttempt
    from exams.demo import DEMO_EXAM, seed_demo_exam
    from tinhoc.demo import DEMO_PASSWORD, PROVINCE_CODE, seed_demo

    seed_demo()
    exam_id = seed_demo_exam(PROVINCE_CODE)
    assert seed_demo_exam(PROVINCE_CODE) == exam_id
    assert db.session.scalar(select(func.count(Exam.id)).where(Exam.title == DEMO_EXAM)) == 1
    exam = db.session.get(Exam, exam_id)
    assert [p.title for p in exam.parts] == ["Lý thuyết", "Thực hành"]
    assert [p.marking for p in exam.parts] == ["auto", "manual"]
    client = app.test_client()
    assert client.post("/login", data={"username": "learner", "password": DEMO_PASSWORD}).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert DEMO_EXAM in home and 'id="my-exams"' in home
    attempts = []
    for part, count in zip(exam.parts, (18, 1)):
        response = client.post(f"/exams/parts/{part.id}/start")
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        attempt = db.session.get(ExamAttempt, int(response.headers["Location"].split("/")[-1]))
        attempts.append(attempt)
        assert len(attempt.items) == count
        page = client.get(f"/exams/attempts/{attempt.id}").get_data(as_text=True)
        assert page.count("attempt-item\"") == count
    modules = {i.version.question.category.name[:4] for i in attempts[0].items}
    assert modules == {"IU01", "IU02", "IU03", "IU04", "IU05", "IU06"}
