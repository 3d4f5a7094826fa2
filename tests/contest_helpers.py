"""A small contest world for the contest tests and the access table."""
from __future__ import annotations

import io
import shutil
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import TEST_PASSWORD

PKGS = Path(__file__).parent / "judge_packages"
START = datetime(2026, 3, 1, 7, 0, tzinfo=timezone.utc)   # the frozen clock is 08:00: the round is open


# Fixtures for the contest test modules, which import them by name (an imported autouse fixture
# applies to the importing module only).
@pytest.fixture(autouse=True)
def fresh_board_cache():
    """Each test's database starts again at id 1: forget the boards cached by the previous test."""
    from contests import board
    board.clear_cache()
    yield
    board.clear_cache()


class HeldJobs:
    """An executor that keeps the background jobs until the test runs them: a request's return is
    observed before any of its job runs, deterministically (the tests' SQLite is one connection)."""

    def __init__(self):
        self.jobs = []

    def submit(self, fn, *args):
        self.jobs.append((fn, args))

    def run_all(self):
        jobs, self.jobs = self.jobs, []
        for fn, args in jobs:
            fn(*args)       # background._in_context(app, kind, row id)


@pytest.fixture
def held(app, monkeypatch):
    """Background jobs sent to a thread pool (as on a site), held until `held.run_all()`."""
    from contests import background
    pool = HeldJobs()
    monkeypatch.setattr(background, "executor", lambda _app: pool)
    app.config["CONTEST_BACKGROUND_VIA"] = "thread"
    yield pool
    app.config["CONTEST_BACKGROUND_VIA"] = "inline"


@pytest.fixture
def cw(db, frozen_clock):
    """The contest world of `contest_world`, on the frozen clock."""
    return contest_world(db)


def zip_package(name: str) -> bytes:
    """A test package as the .zip an organiser uploads."""
    root = PKGS / name
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(root).as_posix())
    return out.getvalue()


def _user(username, roles=(), full_name=None):
    from tinhoc.access import SYSTEM
    from tinhoc.accounts import services as accounts
    found = accounts.find_by_username(username)
    if found is not None:
        return found
    return accounts.create_user(SYSTEM, username=username, full_name=full_name or username.title(),
                                password=TEST_PASSWORD, roles=list(roles), must_change_password=False)


def place_problem(db, rnd, letter="A", title="Tổng hai số", package="kattis_aplusb", max_score=100.0,
                  time_limit=1.0, samples=None):
    """A problem row with its package copied in (no verify: the tests that judge use add_problem)."""
    from flask import current_app

    from contests.models import Problem
    from contests.problems import packages_dir, render_statement
    folder = packages_dir()
    name = f"{package}-{letter}-{rnd.id}.zip"
    (folder / name).write_bytes(zip_package(package))
    problem = Problem(round_id=rnd.id, letter=letter, position=ord(letter) - 65, title=title,
                      statement_md="Tính $a+b$.\n\n<script>alert(1)</script>",
                      statement_html=render_statement("Tính $a+b$.\n\n<script>alert(1)</script>"),
                      package_file=name, package_sha256="0" * 64, package_format="kattis",
                      time_limit=time_limit, memory_limit=256, max_score=max_score,
                      samples=samples if samples is not None else [{"name": "sample/1", "input": "1 2\n",
                                                                    "output": "3\n"}])
    db.session.add(problem)
    db.session.commit()
    assert current_app
    return problem


def make_entry(db, division, users, *, name=None, school=None, status="approved", grade=8):
    from contests.models import Entry, EntryMember
    entry = Entry(division_id=division.id, name=name or users[0].full_name, school_id=school.id if school else None,
                  status=status)
    for u in users:
        entry.members.append(EntryMember(user_id=u.id, full_name=u.full_name, grade=grade, school_level="lower"))
    db.session.add(entry)
    db.session.commit()
    return entry


def contest_world(db, *, scoring="ioi", freeze_minutes=0, show_hidden_tests=False, subtask_max=False,
                  in_district=False):
    """Province → district H-AB → school; a province contest with division B (one round, open from
    07:00 to 10:00 UTC on 2026-03-01) and problem A; two approved pupils `alice`, `bob` and an
    unapproved `carol`; the district organiser `district` (who does not manage a province contest)."""
    from tinhoc.access import SYSTEM
    from tinhoc.accounts import services as accounts
    from tinhoc.orgs import services as orgs
    from contests import services

    def org(code, name, kind, parent=None):
        from sqlalchemy import select

        from tinhoc.orgs.models import Organisation
        found = db.session.scalar(select(Organisation).where(Organisation.code == code))
        return found or orgs.create_organisation(SYSTEM, kind=kind, code=code, name=name,
                                                 parent_id=parent.id if parent else None)
    province = org("T01", "Tỉnh", "province")
    district = org("H-AB", "Huyện An Bình", "district", province)
    school = org("H-AB-THCS", "Trường THCS An Bình", "school", district)
    organiser = _user("organiser", ["organiser"])
    contest = services.create_contest(SYSTEM, year=2026, level="province", title="Hội thi Tin học trẻ 2026",
                                      organisation_id=district.id if in_district else None)
    division = services.add_division(SYSTEM, contest, code="B", name="Bảng B", school_levels=["lower"],
                                     min_grade=6, max_grade=9)
    rnd = services.add_round(SYSTEM, division, title="Vòng tỉnh", starts_at=START, ends_at=START + timedelta(hours=3),
                             scoring=scoring, languages=["cpp17", "python3", "pascal"],
                             show_hidden_tests=show_hidden_tests, subtask_max=subtask_max,
                             freeze_minutes=freeze_minutes)
    problem = place_problem(db, rnd)
    alice = _user("alice", ["student"], "Nguyễn Thị An")
    bob = _user("bob", ["student"], "Trần Văn Bình")
    carol = _user("carol", ["student"], "Lê Thị Châu")
    entry_a = make_entry(db, division, [alice], school=school)
    entry_b = make_entry(db, division, [bob], school=school)
    entry_c = make_entry(db, division, [carol], school=school, status="pending")
    if accounts.find_by_username("district") is None:
        _user("district", [])
        accounts.grant_role(SYSTEM, accounts.find_by_username("district").id, "organiser", "H-AB")
    return {"contest": contest, "division": division, "round": rnd, "problem": problem, "alice": alice, "bob": bob,
            "carol": carol, "entry_a": entry_a, "entry_b": entry_b, "entry_c": entry_c, "school": school,
            "organiser": organiser, "district_org": district}


def judge_result(verdict="AC", score=100.0, max_score=100.0, *, hidden_message="expected 3, got 4",
                 subtasks=None):
    """A JudgeResult as the judge returns it: one sample test and one hidden test whose jury
    message quotes the expected answer."""
    from tinhoc.judge.job import JudgeResult, SubtaskResult, TestResult, Verdict
    v = Verdict(verdict)
    tests = [TestResult("sample/1", Verdict.AC, time=0.01, memory=1000, points=0, max_points=0,
                        message="sample ok", feedback="sample ok"),
             TestResult("secret/01", v, time=0.02, memory=1200, points=score, max_points=max_score,
                        message=hidden_message if v != Verdict.AC else "", feedback="")]
    return JudgeResult(v, score=score, max_score=max_score, tests=tests,
                       subtasks=[SubtaskResult(n, s, m, Verdict(sv)) for n, s, m, sv in (subtasks or [])],
                       time_limit=1.0, memory_limit=256, message="jury-only note")


def copy_package_dir(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(PKGS / name, target)
    return target


def _ready_slips(contest, username: str) -> int:
    """A batch of login slips made for `username`, its PDF kept."""
    from contests import slips
    from contests.models import SlipBatch
    from tinhoc import clock
    from tinhoc.accounts.services import find_by_username
    from tinhoc.extensions import db
    (slips.slips_dir() / "access.pdf").write_bytes(b"%PDF-1.4\ntrailer<<>>\n%%EOF\n")
    batch = SlipBatch(contest_id=contest.id, user_id=find_by_username(username).id, state=slips.READY, total=1,
                      done=1, stored_file="access.pdf", finished_at=clock.now())
    db.session.add(batch)
    db.session.commit()
    return batch.id


def access_world(db) -> dict:
    """For the access table: a district contest (its organiser manages it) with a submission."""
    from contests.models import Clarification, Submission
    cw = contest_world(db, in_district=True)
    cw["division"].open_to_free = True    # its public free-candidate registration page exists
    sub = Submission(entry_id=cw["entry_a"].id, problem_id=cw["problem"].id, user_id=cw["alice"].id,
                     language="python3", source="print(3)", status="queued", created_at=START)
    clar = Clarification(round_id=cw["round"].id, entry_id=cw["entry_a"].id, question="?")
    db.session.add_all([sub, clar])
    db.session.commit()
    from contests import problems
    from tinhoc.access import SYSTEM
    problems.set_statement_pdf(SYSTEM, cw["problem"], b"%PDF-1.4\ntrailer<<>>\n%%EOF\n")
    from contests.models import ProblemUpload      # a package still being verified
    upload = ProblemUpload(round_id=cw["round"].id, letter="Z", title="Z", package_file="none.zip",
                           package_sha256="0" * 64, state="verifying")
    from contests.models import RejudgePlan        # a rejudge preview of the round, judged
    plan = RejudgePlan(token="a" * 32, target={"kind": "round", "id": cw["round"].id}, results={}, state="ready")
    from contests.models import RoundExtension     # extra time for one entry
    extension = RoundExtension(round_id=cw["round"].id, entry_id=cw["entry_b"].id, minutes=15, reason="mất điện")
    db.session.add_all([upload, plan, extension])
    db.session.commit()
    return {"upload_id": upload.id, "plan_id": plan.id, "extension_id": extension.id, "batch_id": _ready_slips(cw["contest"], "district"), "clar_id": clar.id, "entry_id": cw["entry_c"].id, "contest_id": cw["contest"].id, "round_id": cw["round"].id, "problem_id": cw["problem"].id,
            "submission_id": sub.id, **published_awards(cw["division"])}


def published_awards(division) -> dict:
    """Awards of the division computed and published (one first prize): division_id and a row_id."""
    from contests.awards import services as awards
    from tinhoc.access import SYSTEM
    awards.save_rule(SYSTEM, division, "counts", {"first": 1})
    awards.compute(SYSTEM, division)
    awards.review(SYSTEM, division)
    found, _issued, _revoked = awards.publish(SYSTEM, division)
    return {"division_id": division.id, "row_id": found.rows[0].id}
