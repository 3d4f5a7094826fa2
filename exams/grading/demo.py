"""Demo data for grading: a few candidates who have already taken the demo exam (theory answered,
a practical .docx handed in), their practical answers assigned to the demo `grader`, so the grader
and the organiser have work to open right after `make demo`."""
from __future__ import annotations

import hashlib
import io
import random

from sqlalchemy import select

from tinhoc.access import SYSTEM
from tinhoc.extensions import db

DEMO_TAKERS = ("dathi1", "dathi2", "dathi3")


def _docx(name: str) -> bytes:
    from docx import Document
    document = Document()
    document.add_heading("CÔNG VĂN", level=1)
    document.add_paragraph(f"Bài làm thực hành của thí sinh (họ tên ghi trong tệp: {name}).")
    document.add_paragraph("Kính gửi: Sở Thông tin và Truyền thông.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def seed_demo_grading(password: str) -> int:
    """Finished attempts of DEMO_TAKERS at every part of the first demo exam with a hand-marked part,
    assigned to `grader`. Returns the number of attempts made (0 when done already or no such exam)."""
    from tinhoc.accounts import services as accounts
    from tinhoc.accounts.models import User
    from tinhoc.orgs.models import Organisation, Person

    from ..delivery import services as delivery
    from ..delivery.errors import DeliveryError
    from ..delivery.models import AttemptFile, Exam, ExamAttempt
    from . import services

    if accounts.find_by_username(DEMO_TAKERS[0]) is not None:
        return 0
    exam = db.session.scalar(select(Exam).where(Exam.kind == "exam").order_by(Exam.id).limit(1))
    if exam is None or not any(p.marking != "auto" for p in exam.parts):
        return 0
    people = db.session.scalars(
        select(Person).join(Organisation, Organisation.id == Person.organisation_id)
        .outerjoin(User, User.person_id == Person.id)
        .where(Organisation.subtree_clause(exam.organisation.path), Person.left_at.is_(None), User.id.is_(None))
        .order_by(Person.id.desc()).limit(len(DEMO_TAKERS))).all()
    rng, made = random.Random(11), 0
    for username, person in zip(DEMO_TAKERS, people):
        user = accounts.create_user(SYSTEM, username=username, full_name=person.full_name, password=password,
                                    roles=["learner"], must_change_password=False, person_id=person.id)
        for part in exam.parts:
            try:
                attempt = delivery.start_attempt(user.id, part.id)
            except DeliveryError:
                return made            # the window is closed: nothing to take
            for item in attempt.items:
                kind, answers = item.version.type, item.version.params.get("answers") or []
                if kind == "file":
                    data = _docx(person.full_name)
                    db.session.add(AttemptFile(item_id=item.id, filename=f"{person.full_name}.docx",
                                               content_type="application/vnd.openxmlformats-officedocument."
                                                            "wordprocessingml.document",
                                               size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data))
                elif kind == "essay":
                    item.response = "<p>Chữ ký số giúp xác thực người gửi và bảo đảm văn bản không bị sửa.</p>"
                elif kind == "single" and answers:
                    item.response = rng.randrange(len(answers))
                elif kind == "multiple" and answers:
                    item.response = sorted(rng.sample(range(len(answers)), rng.randint(1, len(answers))))
                elif kind == "truefalse":
                    item.response = rng.choice(["true", "false"])
            delivery.finish_attempt(db.session.get(ExamAttempt, attempt.id), "submitted")
            made += 1
    grader = accounts.find_by_username("grader")
    if grader is not None:
        for part in exam.parts:
            if part.marking != "auto":
                services.assign_graders(SYSTEM, part.id, [grader.id])
    return made
