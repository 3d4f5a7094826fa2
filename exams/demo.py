"""The demo bank: 60 questions for the basic modules IU01–IU06, loaded through the GIFT importer
from a file kept in the repository (so the demo also proves the importer)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tinhoc import text
from tinhoc.access import SYSTEM
from tinhoc.extensions import db

from . import importing
from .models import QuestionCategory

DEMO_BANK = Path(__file__).resolve().parent / "demo_data" / "ngan-hang-iu01-iu06.gift"
FIRST_CATEGORY = "IU01 Hiểu biết về CNTT cơ bản"


def seed_bank() -> int:
    """Import the demo bank unless it is there already; returns the number of questions added."""
    if db.session.scalar(select(QuestionCategory.id).where(QuestionCategory.parent_key == 0,
                                                           QuestionCategory.name_key == text.code_key(FIRST_CATEGORY))):
        return 0
    plan = importing.plan(DEMO_BANK.read_bytes(), "gift")
    if not plan.ok:
        raise RuntimeError(f"demo bank does not import: {plan.parsed.errors}")
    return sum(importing.apply(SYSTEM, plan, source=DEMO_BANK.name).values())


DEMO_SESSION = "Ca 1 — Huyện An Bình"
DEMO_CANDIDATES = ("thisinh1", "thisinh2", "thisinh3", "thisinh4", "thisinh5")


def seed_demo_session(district_code: str = "H-AB", password: str = "demo") -> int:
    """A session (ca thi) of the first exam for the demo district, not opened yet, with two rooms
    (room 1 proctored by `grader`) and a few candidates: staff of the district given the accounts
    DEMO_CANDIDATES, seated by the automatic assignment. `organiser` and `district` run it.
    Returns the number of candidates added (0 when it is there already or no exam exists yet)."""
    from datetime import datetime, timedelta

    from tinhoc import clock
    from tinhoc.accounts import services as accounts
    from tinhoc.accounts.models import User
    from tinhoc.i18n import LOCAL_TZ
    from tinhoc.orgs.models import Organisation, Person

    from .delivery import sessions
    from .delivery.models import Exam, ExamRoom, ExamSession

    if db.session.scalar(select(ExamSession.id).where(ExamSession.name == DEMO_SESSION)):
        return 0
    exam = db.session.scalar(select(Exam).where(Exam.kind == "exam").order_by(Exam.id).limit(1))
    district = db.session.scalar(select(Organisation).where(Organisation.code == district_code))
    if exam is None or district is None or not district.path.startswith(exam.organisation.path):
        return 0
    grader = accounts.find_by_username("grader")
    tomorrow = (clock.now().astimezone(LOCAL_TZ) + timedelta(days=1)).date()
    starts = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 8, 0, tzinfo=LOCAL_TZ)
    session = ExamSession(exam_id=exam.id, organisation_id=district.id, name=DEMO_SESSION, starts_at=starts)
    db.session.add(session)
    db.session.add_all([ExamRoom(session=session, name="Phòng 1", capacity=3,
                                 proctor_user_id=grader.id if grader else None),
                        ExamRoom(session=session, name="Phòng 2", capacity=30)])
    db.session.commit()
    people = db.session.scalars(
        select(Person).join(Organisation, Organisation.id == Person.organisation_id)
        .outerjoin(User, User.person_id == Person.id)
        .where(Organisation.subtree_clause(district.path), Person.left_at.is_(None), User.id.is_(None))
        .order_by(Person.id).limit(len(DEMO_CANDIDATES))).all()
    pairs = []
    for username, person in zip(DEMO_CANDIDATES, people):
        user = accounts.find_by_username(username) or accounts.create_user(
            SYSTEM, username=username, full_name=person.full_name, password=password, roles=["learner"],
            must_change_password=False, person_id=person.id)
        pairs.append((user.id, user.person_id))
    added = sessions.add_candidates(SYSTEM, session, pairs, source="demo")
    sessions.assign_rooms(SYSTEM, session)
    return added


DEMO_EXAM = "Kỳ thi sát hạch kỹ năng CNTT cơ bản"
PRACTICAL_CATEGORY = "Thực hành CNTT cơ bản"
THEORY_PER_MODULE = 3     # IU01–IU06: 18 questions, 30 minutes


def seed_demo_exam(province_code: str = "T01") -> int | None:
    """The open demo exam: a theory part drawn from IU01–IU06 (auto-marked) and a practical part (one
    file-upload question, marked by hand), open for a year to every staff member of the province, so
    `learner` can take it at once. Returns the exam id (None when the bank or the province is missing)."""
    from datetime import timedelta

    from tinhoc import clock
    from tinhoc.orgs.models import Organisation

    from . import services
    from .delivery import setup
    from .delivery.models import Exam

    existing = db.session.scalar(select(Exam.id).where(Exam.title == DEMO_EXAM, Exam.kind == "exam"))
    if existing:
        return existing
    province = db.session.scalar(select(Organisation).where(Organisation.code == province_code))
    modules = db.session.scalars(select(QuestionCategory).where(QuestionCategory.parent_key == 0,
                                                                QuestionCategory.name.like("IU0%"))
                                 .order_by(QuestionCategory.name)).all()
    if province is None or not modules:
        return None
    practical = services.ensure_category_path(PRACTICAL_CATEGORY)
    version = services.clean_version(
        "file", "Soạn thảo công văn (Word)",
        "<p>Dùng Microsoft Word hoặc LibreOffice Writer soạn một công văn theo Nghị định 30/2020/NĐ-CP: "
        "khổ A4, lề trên 2 cm, lề trái 3 cm, phông Times New Roman cỡ 13–14, có quốc hiệu, tiêu ngữ, số và "
        "ký hiệu, trích yếu, nơi nhận.</p><p>Lưu tệp dạng <strong>.docx</strong> rồi nộp lên đây.</p>",
        "", {"extensions": [".docx", ".odt"]})
    services.add_question(None, practical, version, difficulty=2, tags=["thực hành"])
    db.session.flush()
    now = clock.now()
    exam = setup.save_exam(SYSTEM, None, title=DEMO_EXAM, organisation_id=province.id,
                           description="<p>Phần lý thuyết: 18 câu trắc nghiệm từ IU01 đến IU06, 30 phút, chấm tự động. "
                                       "Phần thực hành: soạn một văn bản và nộp tệp, giám khảo chấm.</p>"
                                       "<p>Đạt khi mỗi phần từ 5/10 điểm.</p>",
                           opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=365), attempts_allowed=1,
                           open_to_subtree=True, commit=False)
    setup.save_part(SYSTEM, exam, None, title="Lý thuyết", duration_minutes=30, commit=False, blueprint=[
        {"category_id": m.id, "difficulty": None, "count": THEORY_PER_MODULE, "points": 1.0, "auto_only": True}
        for m in modules[:6]])
    setup.save_part(SYSTEM, exam, None, title="Thực hành", duration_minutes=45, commit=False, blueprint=[
        {"category_id": practical.id, "difficulty": None, "count": 1, "points": 1.0}])
    db.session.commit()
    return exam.id
