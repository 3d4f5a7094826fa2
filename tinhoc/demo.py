"""The demo province: a realistic tree, about 300 staff and one account per role. Idempotent."""
from __future__ import annotations

import random
from datetime import date

from sqlalchemy import func, insert, select

from . import clock
from .access import SYSTEM
from .accounts import services as accounts
from .certification.demo import seed_certificates
from .extensions import db
from .orgs import services as orgs
from .orgs.models import JobPosition, Organisation, Person

DEMO_PASSWORD = "tinhoc-demo"
DEMO_USERS = ("admin", "organiser", "district", "instructor", "grader", "learner", "student", "teacher", "leader")
TEACHER_SCHOOL = "H-AB-THCS"  # the school whose teacher in charge ("teacher") registers its pupils
DISTRICT_CODE = "H-AB"  # the demo district whose organiser ("district") sees only its subtree
PROVINCE_CODE = "T01"

DEPARTMENTS = [
    ("SO-TTTT", "Sở Thông tin và Truyền thông"), ("SO-NV", "Sở Nội vụ"), ("SO-TC", "Sở Tài chính"),
    ("SO-KHDT", "Sở Kế hoạch và Đầu tư"), ("SO-GDDT", "Sở Giáo dục và Đào tạo"), ("SO-YT", "Sở Y tế"),
    ("SO-TP", "Sở Tư pháp"), ("SO-TNMT", "Sở Tài nguyên và Môi trường"),
    ("SO-NNPTNT", "Sở Nông nghiệp và Phát triển nông thôn"), ("VP-UBND", "Văn phòng UBND tỉnh"),
]
DISTRICTS = [("H-AB", "UBND huyện An Bình"), ("H-TS", "UBND huyện Tân Sơn"), ("H-PH", "UBND huyện Phú Hòa")]
COMMUNE_NAMES = ["Tân Lập", "Hòa Bình", "Phú Thịnh", "Thanh Xuân", "Đông Hưng", "Vĩnh Phúc", "Quang Trung",
                 "Minh Khai", "Hưng Đạo", "Lê Lợi"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thanh", "Ngọc", "Hữu", "Thu", "Quang", "Hoài"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Khánh", "Lan", "Linh",
         "Long", "Mai", "Nam", "Nga", "Phúc", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Yến"]


def _org(code: str, name: str, kind: str, parent: Organisation | None) -> Organisation:
    existing = db.session.scalar(select(Organisation).where(Organisation.code == code))
    if existing is not None:
        return existing
    return orgs.create_organisation(SYSTEM, kind=kind, code=code, name=name,
                                    parent_id=parent.id if parent else None)


def _tree() -> tuple[list[Organisation], list[Organisation], list[Organisation]]:
    """Province → 10 departments, 3 districts → 10 communes each, 2 schools per district."""
    province = _org(PROVINCE_CODE, "UBND tỉnh An Khê", "province", None)
    agencies = [_org(code, name, "department", province) for code, name in DEPARTMENTS]
    schools = []
    for code, name in DISTRICTS:
        district = _org(code, name, "district", province)
        agencies.append(district)
        short = name.removeprefix("UBND huyện ")
        for i, commune in enumerate(COMMUNE_NAMES, start=1):
            agencies.append(_org(f"{code}-X{i:02d}", f"UBND xã {commune} ({short})", "commune", district))
        schools.append(_org(f"{code}-THCS", f"Trường THCS thị trấn {short}", "school", district))
        schools.append(_org(f"{code}-THPT", f"Trường THPT {short}", "school", district))
    return [province], agencies, schools


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _staff(agencies: list[Organisation], schools: list[Organisation]) -> None:
    """About 300 people: each agency has a leader, an IT leader, some civil servants; schools have teachers and pupils."""
    if db.session.scalar(select(func.count(Person.id))):
        return
    positions = {p.code: p for p in db.session.scalars(select(JobPosition))}
    rng = random.Random(2026)
    people, n = [], 0

    def add(org: Organisation, position: str, title: str | None, born: int) -> None:
        nonlocal n
        n += 1
        people.append(Person(employee_code=f"CB{n:05d}", full_name=_name(rng),
                             date_of_birth=date(born, rng.randint(1, 12), rng.randint(1, 28)),
                             email=f"cb{n:05d}@ankhe.gov.vn", organisation_id=org.id,
                             position_id=positions[position].id, title=title))

    for org in agencies:
        add(org, "leader", "Giám đốc" if org.kind == "department" else "Chủ tịch", rng.randint(1965, 1980))
        if rng.random() < 0.7:  # not every agency has trained its IT leader yet: a gap to report
            add(org, "it_leader", "Phó Giám đốc" if org.kind == "department" else "Phó Chủ tịch",
                rng.randint(1968, 1985))
        if org.kind in ("department", "district") or rng.random() < 0.4:
            add(org, "it_staff", "Chuyên viên CNTT", rng.randint(1985, 1998))
        for _ in range(rng.randint(2, 5) if org.kind == "commune" else rng.randint(6, 10)):
            add(org, "civil_servant" if org.kind != "commune" or rng.random() < 0.8 else "public_employee",
                "Chuyên viên", rng.randint(1970, 2000))
    for school in schools:
        for _ in range(3):
            add(school, "teacher", "Giáo viên Tin học", rng.randint(1975, 1998))
        for _ in range(4):
            add(school, "student", None, rng.randint(2009, 2014))
    db.session.add_all(people)
    db.session.commit()


def _accounts(agencies: list[Organisation], schools: list[Organisation]) -> None:
    learner_person = db.session.scalar(select(Person).join(JobPosition)
                                       .where(JobPosition.code == "civil_servant").order_by(Person.id))
    student_person = db.session.scalar(select(Person).join(JobPosition)
                                       .where(JobPosition.code == "student").order_by(Person.id))
    from .certification.targets.demo import CIO_GAP_AGENCY
    leader_person = db.session.scalar(select(Person).join(JobPosition).join(
        Organisation, Organisation.id == Person.organisation_id).where(
        JobPosition.code.in_(("it_leader", "leader")), Organisation.code == CIO_GAP_AGENCY)
        .order_by(JobPosition.code == "leader", Person.id))
    teacher_person = db.session.scalar(select(Person).join(JobPosition).join(Organisation)
                                       .where(JobPosition.code == "teacher", Organisation.code == TEACHER_SCHOOL)
                                       .order_by(Person.id))
    links = {"learner": learner_person, "student": student_person, "teacher": teacher_person,
             "leader": leader_person}
    names = {"admin": "Quản trị hệ thống", "organiser": "Ban tổ chức Sở TT&TT", "instructor": "Giảng viên Tin học",
             "grader": "Giám khảo", "district": "Ban tổ chức huyện An Bình", "learner": None, "student": None,
             "teacher": None, "leader": None}
    # district and teacher get a scoped grant below; the leader learns (the CIO track is assigned to them)
    granted_roles = {"district": [], "teacher": [], "leader": ["learner"]}
    for username in DEMO_USERS:
        if accounts.find_by_username(username) is not None:
            continue
        person = links.get(username)
        user = accounts.create_user(SYSTEM, username=username, full_name=names[username] or person.full_name,
                                    password=DEMO_PASSWORD,
                                    roles=granted_roles.get(username, [username]),
                                    must_change_password=False, person_id=person.id if person else None)
        if username == "district":  # an organiser over one district's subtree only
            accounts.grant_role(SYSTEM, user.id, "organiser", DISTRICT_CODE)
        if username == "teacher":   # a school's teacher in charge: registers that school's pupils
            accounts.grant_role(SYSTEM, user.id, "teacher", TEACHER_SCHOOL)


def _more_staff(agencies: list[Organisation], total: int) -> None:
    """`--scale large`: top the staff up to `total` people spread over the agencies (bulk insert)."""
    have = db.session.scalar(select(func.count(Person.id)))
    if have >= total:
        return
    positions = {p.code: p.id for p in db.session.scalars(select(JobPosition))}
    rng = random.Random(total)
    kinds = ["civil_servant"] * 8 + ["public_employee"] * 3 + ["it_staff", "it_leader", "leader"]
    rows = []
    for n in range(have + 1, total + 1):
        org = agencies[n % len(agencies)]
        code, name = f"CB{n:06d}", _name(rng)
        rows.append({"employee_code": code, "full_name": name, **Person.derived(code, name), "version": 1,
                     "organisation_id": org.id, "position_id": positions[rng.choice(kinds)],
                     "created_at": clock.now(), "updated_at": clock.now()})
        if len(rows) == 5000:
            db.session.execute(insert(Person), rows)
            rows = []
    if rows:
        db.session.execute(insert(Person), rows)
    db.session.commit()


SCALES = {"small": None, "large": 100_000}


def seed_demo(scale: str | int = "small") -> dict:
    """Create what is missing of the demo province; running it again changes nothing. `scale="large"`
    (or a number) tops the staff up to 100,000 (or that many) people, for benchmarks."""
    orgs.ensure_positions()
    accounts.ensure_roles()
    db.session.commit()
    _, agencies, schools = _tree()
    _staff(agencies, schools)
    total = scale if isinstance(scale, int) else SCALES[scale]
    if total:
        _more_staff(agencies, total)
    _accounts(agencies, schools)
    from training.demo import seed_training  # the catalogue and the rules by job position
    seed_training()
    certificates = seed_certificates()
    from .certification.targets.demo import seed_targets
    seed_targets()
    from exams.demo import seed_bank
    seed_bank()
    from exams.demo import seed_demo_exam   # the open exam `learner` can take (theory + practical)
    seed_demo_exam(PROVINCE_CODE)
    # Keep this call after the demo exam is seeded: the session is one of that exam's.
    from exams.demo import seed_demo_session
    seed_demo_session(DISTRICT_CODE, DEMO_PASSWORD)
    # After the demo exam: a few staff who took it, their hand-marked answers assigned to `grader`.
    from exams.grading.demo import seed_demo_grading
    seed_demo_grading(DEMO_PASSWORD)
    from contests.demo import seed_contest
    contest = seed_contest()
    from contests.jury.demo import seed_jury   # division D1's jury: rubric, products, `juror` and `juror2`
    seed_jury(DEMO_PASSWORD)
    # After the contest and the exams: a released exam wave, then today's snapshot again, so the
    # targets dashboard's exam pass rate and contest entrants per division show real figures.
    from exams.grading.demo_wave import seed_released_wave
    if seed_released_wave():
        from .certification.targets import services as targets
        targets.write_snapshot()
    return {"contest_id": contest["contest_id"], "organisations": db.session.scalar(select(func.count(Organisation.id))),
            "staff": db.session.scalar(select(func.count(Person.id))), "certificates": certificates}
