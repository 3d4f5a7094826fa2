"""Factories for grading and results tests: a bank with a choice, an essay and a file question, an
exam (theory auto-marked, practical marked by hand) and finished attempts built through DELIVERY's
`finish_attempt`, so the marks are the ones production computes."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

DOCX = b"PK\x03\x04" + b"\x00" * 60   # content does not matter to grading: it is sent back as stored
WINDOW_START = datetime(2026, 3, 1, 7, 0, tzinfo=timezone.utc)


def bank() -> dict:
    """Questions of the three kinds grading meets; returns their current versions by name."""
    from tinhoc.access import SYSTEM
    from tinhoc.extensions import db
    from exams import services
    category = services.ensure_category_path("IU03")
    db.session.commit()
    made = {}
    specs = {
        "choice": ("single", "<p>Phím tắt sao chép?</p>", "<p>Ctrl+C sao chép.</p>",
                   {"answers": [{"text": "Ctrl+C", "fraction": 1}, {"text": "Ctrl+V", "fraction": 0}]}),
        "choice2": ("single", "<p>Phím tắt dán?</p>", "",
                    {"answers": [{"text": "Ctrl+C", "fraction": 0}, {"text": "Ctrl+V", "fraction": 1}]}),
        "essay": ("essay", "<p>Nêu lợi ích của chữ ký số.</p>", "<p>Xác thực, toàn vẹn.</p>", {}),
        "file": ("file", "<p>Soạn công văn theo mẫu và nộp tệp .docx.</p>", "<p>Theo Nghị định 30.</p>",
                 {"extensions": [".docx"]}),
    }
    for key, (type_, body, feedback, params) in specs.items():
        question = services.save_question(SYSTEM, None, category_id=category.id, type_=type_, name="",
                                          body=body, general_feedback=feedback, params=params, difficulty=2)
        made[key] = question.current
    return made


def make_exam(org, title: str = "Kỳ thi ứng dụng CNTT cơ bản 2026"):
    """An exam of `org` with a theory part (2 choice questions, 5 points each) and a practical part
    (one file question, 10 points); window 07:00–12:00 on the frozen test day."""
    from tinhoc.extensions import db
    from exams.delivery.models import Exam, ExamPart
    exam = Exam(title=title, organisation_id=org.id, opens_at=WINDOW_START, closes_at=WINDOW_START + timedelta(hours=5),
                kind="exam", attempts_allowed=1)
    exam.parts = [ExamPart(position=1, title="Lý thuyết", duration_minutes=30, max_points=10, marking="auto",
                           blueprint=[]),
                  ExamPart(position=2, title="Thực hành", duration_minutes=60, max_points=10, marking="manual",
                           blueprint=[])]
    db.session.add(exam)
    db.session.commit()
    return exam


def finished_attempt(part, user, answers, *, state: str = "submitted", filename: str = "bai-lam.docx"):
    """A finished attempt of `user` at `part`: `answers` is a list of (version, points, response);
    a file question's response is the file's bytes (stored as an AttemptFile named `filename`)."""
    from tinhoc.extensions import db
    from exams.delivery import services as delivery
    from exams.delivery.models import AttemptFile, AttemptItem, ExamAttempt
    from exams.questions import get_type
    attempt = ExamAttempt(exam_id=part.exam_id, part_id=part.id, user_id=user.id, number=1, seed=7, state="open",
                          started_at=WINDOW_START, deadline_at=WINDOW_START + timedelta(minutes=part.duration_minutes),
                          max_points=part.max_points)
    files = []
    for position, (version, points, response) in enumerate(answers, start=1):
        manual = not get_type(version.type).auto_graded
        item = AttemptItem(position=position, question_version_id=version.id, points=points, needs_manual=manual,
                           response=None if isinstance(response, bytes) else response)
        attempt.items.append(item)
        if isinstance(response, bytes):
            files.append((item, response))
    db.session.add(attempt)
    db.session.flush()
    from exams.services import mark_used
    for version, _points, _response in answers:
        mark_used(version)
    for item, data in files:
        db.session.add(AttemptFile(item_id=item.id, filename=filename, content_type="application/octet-stream",
                                   size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data))
    db.session.commit()
    return delivery.finish_attempt(attempt, state)


def exam_world(db, make_user, make_org=None, org=None, *, candidates=("Nguyễn Văn An", "Trần Thị Bình"),
               theory=None, units=None):
    """An exam of `org` (or of a fresh province), the bank, and each candidate (a user with a person in
    the unit, or in `units[i]`) with a theory attempt (`theory[i]` = the two answers; default 0 and 0:
    right for `choice`, wrong for `choice2`) and a practical attempt with a file."""
    from tests.conftest import TEST_PASSWORD  # noqa: F401  (the candidates' password)
    from tinhoc.orgs import services as orgs
    from tinhoc.orgs.models import JobPosition, Person
    from sqlalchemy import select
    if org is None:
        org = make_org("T01", "UBND tỉnh Thử", kind="province")
    versions = bank()
    exam = make_exam(org)
    theory_part, practical = exam.parts
    orgs.ensure_positions()
    position = db.session.scalar(select(JobPosition).order_by(JobPosition.id))
    users = []
    for number, name in enumerate(candidates, start=1):
        unit = units[number - 1] if units else org
        person = Person(employee_code=f"TS{number:03d}-{exam.id}", full_name=name, organisation_id=unit.id,
                        position_id=position.id)
        db.session.add(person)
        db.session.commit()
        user = make_user(f"thisinh{number}-{exam.id}", roles=["learner"], full_name=name, person_id=person.id)
        first, second = theory[number - 1] if theory else (0, 0)
        finished_attempt(theory_part, user, [(versions["choice"], 5, first), (versions["choice2"], 5, second)])
        finished_attempt(practical, user, [(versions["file"], 10, DOCX)], filename=f"{name}.docx")
        users.append(user)
    return {"org": org, "exam": exam, "theory": theory_part, "practical": practical, "versions": versions,
            "candidates": users}
