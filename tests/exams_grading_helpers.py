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
    if org is None:
        org = make_org("T01", "UBND tỉnh Thử", kind="province")
    versions = bank()
    exam = make_exam(org)
    world = {"org": org, "exam": exam, "theory": exam.parts[0], "practical": exam.parts[1], "versions": versions,
             "candidates": []}
    add_candidates(db, make_user, world, candidates, theory=theory, units=units)
    return world


def add_candidates(db, make_user, world, names, *, theory=None, units=None) -> list:
    """More candidates with finished theory and practical attempts at the world's exam."""
    from sqlalchemy import select
    from tinhoc.orgs import services as orgs
    from tinhoc.orgs.models import JobPosition, Person
    orgs.ensure_positions()
    position = db.session.scalar(select(JobPosition).order_by(JobPosition.id))
    exam, versions, added = world["exam"], world["versions"], []
    for index, name in enumerate(names):
        number = len(world["candidates"]) + 1
        unit = units[index] if units else world["org"]
        person = Person(employee_code=f"TS{number:03d}-{exam.id}", full_name=name, organisation_id=unit.id,
                        position_id=position.id)
        db.session.add(person)
        db.session.commit()
        user = make_user(f"thisinh{number}-{exam.id}", roles=["learner"], full_name=name, person_id=person.id)
        first, second = theory[index] if theory else (0, 0)
        finished_attempt(world["theory"], user, [(versions["choice"], 5, first), (versions["choice2"], 5, second)])
        finished_attempt(world["practical"], user, [(versions["file"], 10, DOCX)], filename=f"{name}.docx")
        world["candidates"].append(user)
        added.append(user)
    return added


def grading_world(db, org_code: str = "X-01") -> dict:
    """For the access table: an exam of unit `org_code` with two finished candidates; the first one's
    practical item assigned to the user "grader" (unmarked), the second's marked 0.1 and 0.9 by two
    other graders, hence flagged for the chief. Returns the ids the grading routes take."""
    from sqlalchemy import select
    from tinhoc.access import SYSTEM, Actor
    from tinhoc.accounts import services as accounts
    from tinhoc.orgs.models import Organisation
    from exams.grading import marking
    from exams.grading.models import GradingAssignment, GradingReconciliation

    def user(name, roles=("learner",), full_name=None, person_id=None):
        return accounts.create_user(SYSTEM, username=name, full_name=full_name or name.title(),
                                    password="mat-khau-123", roles=list(roles), person_id=person_id)
    org = db.session.scalar(select(Organisation).where(Organisation.code == org_code))
    world = exam_world(db, user, org=org, candidates=("Ngô Thí Sinh", "Đỗ Thí Sinh"))
    grader = accounts.find_by_username("grader")
    one, two = user("cham-mot", ["grader"]), user("cham-hai", ["grader"])
    items = _practical_items(db, world["practical"].id)
    first = GradingAssignment(item_id=items[0].id, grader_user_id=grader.id, round=1, comment="")
    db.session.add_all([first, GradingAssignment(item_id=items[1].id, grader_user_id=one.id, round=1, comment=""),
                        GradingAssignment(item_id=items[1].id, grader_user_id=two.id, round=2, comment="")])
    db.session.commit()
    for grader_user, fraction in ((one, 0.1), (two, 0.9)):
        assignment = db.session.scalar(select(GradingAssignment)
                                       .where(GradingAssignment.grader_user_id == grader_user.id))
        marking.mark(Actor(grader_user.id, {"grader": None}), assignment.id, fraction=fraction, comment="")
    flag = db.session.scalar(select(GradingReconciliation))
    return {"assignment_id": first.id, "file_id": marking.files_of(items[0].id)[0].id,
            "reconciliation_id": flag.id, "exam_id": world["exam"].id, "part_id": world["practical"].id}


def _practical_items(db, part_id: int) -> list:
    from sqlalchemy import select
    from exams.delivery.models import AttemptItem, ExamAttempt
    return list(db.session.scalars(select(AttemptItem).join(ExamAttempt, ExamAttempt.id == AttemptItem.attempt_id)
                                   .where(ExamAttempt.part_id == part_id).order_by(ExamAttempt.id)))
