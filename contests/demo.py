"""The demo contest: this year's province round of the Young Informatics contest with the national
divisions, a school's teacher (`teacher`), registered pupils, one problem per programming division
and results recorded directly (the demo must work where no sandbox is installed; everything a
user submits is judged for real). Idempotent."""
from __future__ import annotations

import io
import random
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tinhoc import clock
from tinhoc.access import SYSTEM
from tinhoc.extensions import db
from tinhoc.judge.job import JudgeResult, TestResult, Verdict

from . import judging, registration, services
from .models import Contest, Entry, EntryMember, Problem, Submission

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
TEACHER_SCHOOL = "H-AB-THCS"   # Trường THCS thị trấn An Bình

# code, name, school levels, grades, team size, round kind
DIVISIONS = [
    ("A", "Bảng A – Lập trình, học sinh tiểu học", ["primary"], (1, 5), 1, "programming"),
    ("B", "Bảng B – Lập trình, học sinh THCS", ["lower"], (6, 9), 1, "programming"),
    ("C1", "Bảng C1 – Lập trình, học sinh THPT chuyên (đội tối đa 2)", ["upper_specialist"], (10, 12), 2,
     "programming"),
    ("C2", "Bảng C2 – Lập trình, học sinh THPT không chuyên", ["upper"], (10, 12), 1, "programming"),
    ("D1", "Bảng D1 – Sản phẩm sáng tạo, tiểu học", ["primary"], (1, 5), 2, "creative"),
    ("D2", "Bảng D2 – Sản phẩm sáng tạo, THCS", ["lower"], (6, 9), 2, "creative"),
    ("D3", "Bảng D3 – Sản phẩm sáng tạo, THPT", ["upper", "upper_specialist"], (10, 12), 2, "creative"),
]
# division -> (package folder, letter, title, languages, scoring, freeze minutes)
PROBLEMS = {
    "A": ("kattis_aplusb", "A", "Tổng hai số (Scratch)", ["scratch3"], "ioi", 0),
    "B": ("kattis_aplusb", "A", "Tổng hai số", ["cpp17", "python3", "pascal"], "ioi", 0),
    "C1": ("plain_divisor", "A", "Ước nhỏ nhất", ["cpp17", "python3", "pascal"], "icpc", 60),
    "C2": ("themis_tong", "A", "Tính tổng", ["cpp17", "python3", "pascal"], "ioi", 0),
}
STATEMENTS = {
    "kattis_aplusb": "Cho hai số nguyên $a$ và $b$ ($|a|, |b| \\le 10^{18}$). Hãy in ra $a + b$.\n\n"
                     "**Dữ liệu vào:** một dòng gồm hai số $a$, $b$.\n\n**Kết quả:** một số nguyên.",
    "plain_divisor": "Cho số nguyên $n \\ge 2$. Hãy in ra ước lớn hơn 1 nhỏ nhất của $n$.",
    "themis_tong": "Đọc dãy số trong tệp `TONG.INP` (hoặc từ bàn phím) và ghi tổng của chúng ra `TONG.OUT`.",
}
PUPILS = {"A": (5, "primary"), "B": (8, "lower"), "C1": (11, "upper_specialist"), "C2": (11, "upper")}
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
GIVEN = ["An", "Bảo", "Châu", "Dương", "Giang", "Hà", "Khoa", "Linh", "Minh", "Nhi", "Phúc", "Quân", "Tâm", "Vy"]


def _zip(folder: Path) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return out.getvalue()


def _problem(rnd, folder: str, letter: str, title: str) -> Problem:
    """The package zipped into the package store and described without running it (no sandbox)."""
    import hashlib

    from tinhoc.judge.packages import load_package

    from .problems import packages_dir, render_statement
    data = _zip(DEMO_DATA / folder)
    sha = hashlib.sha256(data).hexdigest()
    (packages_dir() / f"{sha}.zip").write_bytes(data)
    pkg = load_package(DEMO_DATA / folder)
    try:
        samples = [{"name": t.name, "input": t.input_path.read_text()[:4096], "output": t.answer_path.read_text()[:4096]}
                   for t in pkg.tests() if t.sample][:5]
        # The limit `verify` settles for a package without one is derived from its accepted
        # solutions in the sandbox; the demo cannot run them, so it records 1 second.
        problem = Problem(round=rnd, letter=letter, position=0, title=title, statement_md=STATEMENTS[folder],
                          statement_html=render_statement(STATEMENTS[folder]), package_file=f"{sha}.zip",
                          package_sha256=sha, package_format=pkg.format, time_limit=pkg.time_limit or 1.0,
                          memory_limit=pkg.memory, max_score=round(pkg.tree.max_score(), 6) or 100.0,
                          samples=samples)
    finally:
        pkg.close()
    db.session.add(problem)
    db.session.commit()
    return problem


def _result(problem: Problem, verdict: str, fraction: float) -> JudgeResult:
    score = round(problem.max_score * fraction, 2)
    tests = [TestResult("sample/1", Verdict.AC, time=0.01, memory=3000, feedback="")]
    tests.append(TestResult("secret/01", Verdict(verdict), time=0.02 if verdict != "TLE" else problem.time_limit,
                            memory=3500, points=score, max_points=problem.max_score))
    return JudgeResult(Verdict(verdict), score=score, max_score=problem.max_score, tests=tests,
                       time_limit=problem.time_limit, memory_limit=problem.memory_limit,
                       message="demo: recorded by the seed, not judged")


def _pupils(contest: Contest, division, school_ids: list[int], n: int, rng: random.Random) -> None:
    grade, level = PUPILS[division.code]
    for i in range(n):
        names = [f"{rng.choice(FAMILY)} {rng.choice(['Văn', 'Thị', 'Minh', 'Ngọc'])} {rng.choice(GIVEN)}"
                 for _ in range(division.max_team_size if division.team_entry else 1)]
        entry = registration.register(SYSTEM, contest, division_id=division.id, school_id=school_ids[i % len(school_ids)],
                                      pupils=[registration.Pupil(name, grade, level) for name in names],
                                      team_name=f"Đội {division.code}-{i + 1:02d}" if division.team_entry else "")
        registration.approve(SYSTEM, entry.id)


def _results(rnd, problem: Problem, rng: random.Random) -> int:
    """A few submissions per entry at moments inside the window, their results stored as the judge would."""
    n = 0
    entries = db.session.scalars(select(Entry).where(Entry.division_id == rnd.division_id,
                                                     Entry.status == "approved").order_by(Entry.id)).all()
    start = clock.as_utc(rnd.starts_at)
    for k, entry in enumerate(entries):
        plan = rng.choice([[("WA", 0.0), ("AC", 1.0)], [("AC", 1.0)], [("WA", 0.4)], [("CE", 0.0), ("WA", 0.6)],
                           [("TLE", 0.5), ("AC", 1.0)]])
        for j, (verdict, fraction) in enumerate(plan):
            sub = Submission(entry_id=entry.id, problem_id=problem.id, user_id=entry.members[0].user_id,
                             language=rnd.languages[0], source="// demo\n",
                             created_at=start + timedelta(minutes=5 + 7 * k + 11 * j), status="queued")
            db.session.add(sub)
            db.session.commit()
            judging.store_result(sub.id, _result(problem, verdict, fraction))
            n += 1
    return n


def seed_contest(teacher_user=None) -> dict:
    """Create the demo contest unless it exists; returns what was made."""
    now = clock.now()
    title = f"Hội thi Tin học trẻ tỉnh An Khê năm {now.year}"
    existing = db.session.scalar(select(Contest).where(Contest.title == title))
    if existing is not None:
        _awards(existing)
        _open_to_free(existing)
        return {"contest_id": existing.id, "submissions": 0}
    from tinhoc.orgs.models import Organisation
    schools = {o.code: o for o in db.session.scalars(select(Organisation).where(Organisation.kind == "school"))}
    contest = services.create_contest(SYSTEM, year=now.year, level="province", title=title, organisation_id=None)
    rng = random.Random(now.year)
    # Open from two hours ago for a week: the demo's visitors can submit and watch the board.
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    made = 0
    for code, name, levels, (lo, hi), team, kind in DIVISIONS:
        division = services.add_division(SYSTEM, contest, code=code, name=name, school_levels=levels, min_grade=lo,
                                         max_grade=hi, team_entry=team > 1, max_team_size=team)
        if kind != "programming":
            services.add_round(SYSTEM, division, title="Vòng sản phẩm sáng tạo", kind=kind, starts_at=start,
                               ends_at=start + timedelta(days=30), languages=[])
            continue
        folder, letter, ptitle, languages, scoring, freeze = PROBLEMS[code]
        rnd = services.add_round(SYSTEM, division, title="Vòng chung kết tỉnh", starts_at=start,
                                 ends_at=start + timedelta(days=7), scoring=scoring, languages=languages,
                                 freeze_minutes=freeze, show_hidden_tests=(code == "A"))
        problem = _problem(rnd, folder, letter, ptitle)
        level_schools = [s.id for c, s in schools.items() if c.endswith("-THPT")] if code.startswith("C") \
            else [s.id for c, s in schools.items() if c.endswith("-THCS")]
        _pupils(contest, division, level_schools, 6, rng)
        made += _results(rnd, problem, rng)
        if code == "A":
            _theory_round(division, start)
    _demo_student(contest)
    _awards(contest)
    _open_to_free(contest)
    return {"contest_id": contest.id, "submissions": made}


FREE_DIVISION = "C2"


def _open_to_free(contest: Contest) -> None:
    """Division C2 takes free candidates (thí sinh tự do): a visitor registers on /contests/free."""
    division = next(d for d in contest.divisions if d.code == FREE_DIVISION)
    if not division.open_to_free:
        division.open_to_free = True
        db.session.commit()


def _theory_round(division, start) -> None:
    """Division A's multiple-choice theory part: a quiz round drawing 8 questions per pupil from the
    demo bank's IU01 category (contests/quiz.py), open with the programming round."""
    from exams import services as exams   # the bank through its public service only

    from . import quiz
    category = next((c for c, count in exams.category_tree(SYSTEM) if c.name.startswith("IU01") and count >= 8),
                    None)
    if category is None:   # no demo bank seeded: no theory round
        return
    rnd = services.add_round(SYSTEM, division, title="Phần thi lý thuyết (trắc nghiệm)", kind="quiz",
                             starts_at=start, ends_at=start + timedelta(days=7), languages=[])
    quiz.set_up(SYSTEM, rnd, category_id=category.id, count=8, duration_minutes=15)


def _awards(contest: Contest) -> None:
    """The programming divisions' awards, computed and published (contests/awards/demo.py)."""
    from .awards.demo import seed_awards
    seed_awards(contest)


def _demo_student(contest: Contest) -> None:
    """The demo `student` (a lower-secondary pupil) has an approved entry in division B."""
    from tinhoc.accounts.services import find_by_username
    user = find_by_username("student")
    division = next(d for d in contest.divisions if d.code == "B")
    if user is None or db.session.scalar(select(EntryMember.id).join(Entry).where(
            EntryMember.user_id == user.id, Entry.division_id == division.id)):
        return
    school_id = user.person.organisation_id if user.person else None
    entry = Entry(division_id=division.id, name=user.full_name, school_id=school_id, status="pending")
    entry.members.append(EntryMember(user_id=user.id, full_name=user.full_name, grade=8, school_level="lower"))
    db.session.add(entry)
    db.session.commit()
    registration.approve(SYSTEM, entry.id)
