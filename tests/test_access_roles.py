"""Every endpoint x every method x every role (a district-scoped organiser included), with CSRF on,
and a guard that fails when a route is missing from the table."""
from __future__ import annotations

import re

import pytest

from tests.conftest import TEST_PASSWORD

# The table is about who may open which page; the rules it checks are dialect-free (the scope SQL runs
# on PostgreSQL in tests/test_access_scope.py and each feature's own tests), and its ~2,500 rows would
# double CI's PostgreSQL pass: `make test` runs it on SQLite only.
pytestmark = pytest.mark.access_table

ROLES = ("admin", "organiser", "district", "instructor", "grader", "learner", "student", "teacher",
         None)  # None = anonymous; teacher: a school's teacher in charge (granted over the world's school)
EVERYONE = {"admin", "organiser", "district", "instructor", "grader", "learner", "student", "teacher"}
STAFF = {"admin", "organiser", "district"}   # district: organiser over one district's subtree
ADMIN = {"admin"}
EDITORS = {"admin", "organiser", "district", "instructor"}  # training: instructors their own courses
PUBLIC = "public"
BANK = {"admin", "organiser", "district", "instructor"}   # the question bank is province-wide
PROVINCE = {"admin", "organiser"}   # plan periods, targets, emulation criteria: the province's, not a district's


class Owned(frozenset):
    """Open to every login, but the world's object is reached only by these roles: any other
    logged-in user gets 404 (what you may not see does not exist for you), not 403."""

class Api(frozenset):
    """A JSON API route: anonymous gets 401, not the login redirect."""


class ApiOwned(Owned):
    """A JSON API route for the owners of the object: anonymous 401, other logins 404."""

# (rule, method) -> roles that may use it (others logged in: 403; anonymous: sent to login).
ACCESS = {
    ("/", "GET"): EVERYONE,
    ("/login", "GET"): PUBLIC,
    ("/login", "POST"): PUBLIC,
    ("/logout", "POST"): EVERYONE,
    ("/profile", "GET"): EVERYONE,
    ("/password", "GET"): EVERYONE,
    ("/password", "POST"): EVERYONE,
    ("/lang/<code>", "GET"): PUBLIC,
    ("/static/<path:filename>", "GET"): PUBLIC,
    ("/admin/users", "GET"): STAFF,
    ("/admin/users/new", "GET"): ADMIN,
    ("/admin/users/new", "POST"): ADMIN,
    ("/admin/users/<int:user_id>", "GET"): ADMIN,
    ("/admin/users/<int:user_id>", "POST"): ADMIN,
    ("/admin/users/<int:user_id>/view", "GET"): STAFF,
    ("/admin/users/<int:user_id>/password", "POST"): ADMIN,
    ("/admin/users/<int:user_id>/grants", "POST"): ADMIN,
    ("/admin/users/<int:user_id>/grants/<int:grant_id>/revoke", "POST"): ADMIN,
    ("/orgs/", "GET"): STAFF,
    ("/orgs/new", "GET"): ADMIN,
    ("/orgs/new", "POST"): ADMIN,
    ("/orgs/<int:org_id>", "GET"): ADMIN,
    ("/orgs/<int:org_id>/rename", "POST"): ADMIN,
    ("/orgs/<int:org_id>/move", "POST"): ADMIN,
    ("/orgs/<int:org_id>/archive", "POST"): ADMIN,
    ("/orgs/<int:org_id>/unarchive", "POST"): ADMIN,
    ("/orgs/positions", "GET"): ADMIN,
    ("/orgs/positions", "POST"): ADMIN,
    ("/orgs/positions/<int:position_id>", "POST"): ADMIN,
    ("/orgs/staff", "GET"): STAFF,
    ("/orgs/staff/new", "GET"): STAFF,
    ("/orgs/staff/new", "POST"): STAFF,
    ("/orgs/staff/<int:person_id>", "GET"): STAFF,
    ("/orgs/staff/<int:person_id>", "POST"): STAFF,
    ("/orgs/staff/<int:person_id>/leave", "POST"): STAFF,
    ("/orgs/staff/<int:person_id>/return", "POST"): STAFF,
    ("/orgs/staff/export.xlsx", "GET"): STAFF,
    ("/orgs/staff/import", "GET"): STAFF,
    ("/orgs/staff/import", "POST"): STAFF,
    ("/orgs/staff/import/template.xlsx", "GET"): STAFF,
    ("/orgs/staff/import/apply", "POST"): STAFF,
    ("/certificates/", "GET"): STAFF,
    ("/certificates/issue", "GET"): STAFF,
    ("/certificates/issue", "POST"): STAFF,
    ("/certificates/mine", "GET"): EVERYONE,
    ("/certificates/<int:cert_id>", "GET"): Owned(STAFF),
    ("/certificates/<int:cert_id>/certificate.pdf", "GET"): Owned(STAFF),
    ("/certificates/<int:cert_id>/badge.jwt", "GET"): Owned(STAFF),
    ("/certificates/<int:cert_id>/badge.json", "GET"): Owned(STAFF),
    ("/certificates/<int:cert_id>/revoke", "POST"): STAFF,
    ("/verify/", "GET"): PUBLIC,
    ("/verify/<number>", "GET"): PUBLIC,
    ("/.well-known/jwks.json", "GET"): PUBLIC,
    ("/reports/staffing", "GET"): STAFF,
    ("/reports/staffing.xlsx", "GET"): STAFF,
    ("/reports/targets", "GET"): STAFF,
    ("/reports/targets/missing/<metric>", "GET"): STAFF,
    ("/reports/targets/missing/<metric>.xlsx", "GET"): STAFF,
    ("/reports/targets/report.xlsx", "GET"): STAFF,
    ("/reports/targets/report.pdf", "GET"): STAFF,
    ("/reports/emulation", "GET"): STAFF,
    ("/reports/emulation.xlsx", "GET"): STAFF,
    ("/plans/", "GET"): STAFF,
    ("/plans/", "POST"): PROVINCE,
    ("/plans/<int:period_id>", "GET"): STAFF,
    ("/plans/<int:period_id>/targets", "POST"): PROVINCE,
    ("/plans/targets/<int:target_id>/delete", "POST"): PROVINCE,
    ("/plans/<int:period_id>/criteria", "POST"): PROVINCE,
    ("/training/", "GET"): EVERYONE,
    ("/training/courses/<int:course_id>", "GET"): EVERYONE,
    ("/training/courses/<int:course_id>/enrol", "POST"): EVERYONE,
    ("/training/lessons/<int:lesson_id>", "GET"): EVERYONE,
    ("/training/lessons/<int:lesson_id>/file", "GET"): EVERYONE,
    ("/training/lessons/<int:lesson_id>/progress", "POST"): EVERYONE,
    ("/training/lessons/<int:lesson_id>/quiz", "POST"): EVERYONE,   # a quiz lesson's start (else back to it)
    ("/training/report", "GET"): STAFF,
    ("/training/report.xlsx", "GET"): STAFF,
    ("/training/rules", "GET"): STAFF,
    ("/training/rules", "POST"): STAFF,
    ("/training/rules/<int:rule_id>", "POST"): STAFF,
    ("/training/rules/<int:rule_id>/delete", "POST"): STAFF,
    ("/training/assignments", "POST"): STAFF,
    ("/training/progress/<int:assignment_id>", "GET"): Owned(STAFF),
    ("/training/manage", "GET"): EDITORS,
    ("/training/manage/new", "GET"): EDITORS,
    ("/training/manage/new", "POST"): EDITORS,
    ("/training/manage/<int:course_id>", "GET"): EDITORS,
    ("/training/manage/<int:course_id>", "POST"): EDITORS,
    ("/training/manage/<int:course_id>/sections", "POST"): EDITORS,
    ("/training/manage/<int:course_id>/lessons/new", "GET"): EDITORS,
    ("/training/manage/<int:course_id>/lessons/new", "POST"): EDITORS,
    ("/training/manage/<int:course_id>/lessons/<int:lesson_id>", "GET"): EDITORS,
    ("/training/manage/<int:course_id>/lessons/<int:lesson_id>", "POST"): EDITORS,
    ("/training/manage/lessons/<int:lesson_id>/move", "POST"): EDITORS,
    ("/training/manage/lessons/<int:lesson_id>/delete", "POST"): EDITORS,
    ("/exams/bank", "GET"): BANK,
    ("/exams/bank/categories", "POST"): BANK,
    ("/exams/bank/questions/new", "GET"): BANK,
    ("/exams/bank/questions/new", "POST"): BANK,
    ("/exams/bank/questions/<int:question_id>", "GET"): BANK,
    ("/exams/bank/questions/<int:question_id>", "POST"): BANK,
    ("/exams/bank/questions/<int:question_id>/archive", "POST"): BANK,
    ("/exams/bank/import", "GET"): BANK,
    ("/exams/bank/import", "POST"): BANK,
    ("/exams/bank/import/apply", "POST"): BANK,
    ("/exams/bank/import/template.xlsx", "GET"): BANK,
    ("/exams/bank/export.gift", "GET"): BANK,
    ("/exams/bank/export.xml", "GET"): BANK,
    ("/exams/images/<int:image_id>", "GET"): EVERYONE,
    ("/contests/", "GET"): EVERYONE,
    ("/contests/<int:contest_id>", "GET"): EVERYONE,
    ("/contests/new", "GET"): STAFF,
    ("/contests/new", "POST"): STAFF,
    ("/contests/<int:contest_id>/rounds/new", "GET"): STAFF,
    ("/contests/<int:contest_id>/rounds/new", "POST"): STAFF,
    ("/contests/rounds/<int:round_id>", "GET"): Owned(STAFF),
    ("/contests/problems/<int:problem_id>", "GET"): Owned(STAFF),
    ("/contests/problems/<int:problem_id>/submit", "POST"): Owned(STAFF),
    ("/contests/problems/<int:problem_id>/statement.pdf", "GET"): Owned(STAFF),
    ("/contests/rounds/<int:round_id>/quiz", "GET"): STAFF,
    ("/contests/rounds/<int:round_id>/quiz", "POST"): STAFF,
    ("/contests/rounds/<int:round_id>/quiz/start", "POST"): Owned(STAFF),
    ("/contests/submissions/<int:submission_id>", "GET"): Owned(STAFF),
    ("/contests/submissions/<int:submission_id>/status", "GET"): Owned(STAFF),
    ("/contests/<int:contest_id>/scoreboard", "GET"): PUBLIC,
    ("/contests/rounds/<int:round_id>/problems/new", "GET"): STAFF,
    ("/contests/rounds/<int:round_id>/problems/new", "POST"): STAFF,
    ("/contests/problem-uploads/<int:upload_id>", "GET"): STAFF,
    ("/contests/problem-uploads/<int:upload_id>/status", "GET"): STAFF,
    ("/contests/problems/<int:problem_id>/statement", "GET"): STAFF,
    ("/contests/problems/<int:problem_id>/statement", "POST"): STAFF,
    ("/contests/rounds/<int:round_id>/scoreboard.xlsx", "GET"): STAFF,
    ("/contests/rounds/<int:round_id>/unfreeze", "POST"): STAFF,
    ("/contests/rounds/<int:round_id>/edit", "GET"): STAFF,
    ("/contests/rounds/<int:round_id>/edit", "POST"): STAFF,
    ("/contests/rounds/<int:round_id>/extensions", "POST"): STAFF,
    ("/contests/round-extensions/<int:extension_id>/delete", "POST"): STAFF,
    ("/contests/rejudge", "GET"): STAFF,
    ("/contests/rejudge", "POST"): STAFF,
    ("/contests/rejudge/start", "POST"): STAFF,
    ("/contests/rejudge/plans/<int:plan_id>", "GET"): STAFF,
    ("/contests/rejudge/plans/<int:plan_id>/status", "GET"): STAFF,
    ("/contests/token", "GET"): EVERYONE,
    ("/contests/token", "POST"): EVERYONE,
    ("/api/contests/<int:contest_id>/scoreboard", "GET"): PUBLIC,
    ("/contests/<int:contest_id>/register", "GET"): STAFF | {"teacher"},
    ("/contests/<int:contest_id>/register", "POST"): STAFF | {"teacher"},
    ("/contests/<int:contest_id>/entries", "GET"): STAFF | {"teacher"},
    ("/contests/<int:contest_id>/slips.pdf", "POST"): STAFF | {"teacher"},
    ("/contests/slips/<int:batch_id>", "GET"): Owned({"district"}),         # its requester only
    ("/contests/slips/<int:batch_id>/status", "GET"): Owned({"district"}),
    ("/contests/slips/<int:batch_id>/file", "GET"): Owned({"district"}),
    ("/contests/entries/<int:entry_id>/approve", "POST"): STAFF,
    ("/contests/rounds/<int:round_id>/clarifications", "POST"): Owned(STAFF),
    ("/contests/clarifications/<int:clar_id>/answer", "POST"): STAFF,
    ("/contests/rounds/<int:round_id>/announcements", "POST"): STAFF,
    ("/api/contests/<int:contest_id>/submissions", "POST"): Api(EVERYONE),
    ("/api/submissions/<int:submission_id>", "GET"): ApiOwned(STAFF),
    # contest awards: published results are public (the world's division is published); organisers
    # in the contest's scope manage them; contestant import by organisers and a school's teacher
    ("/contests/<int:contest_id>/awards", "GET"): PUBLIC,
    ("/contests/divisions/<int:division_id>/awards", "GET"): PUBLIC,
    ("/contests/divisions/<int:division_id>/awards.pdf", "GET"): PUBLIC,
    ("/contests/divisions/<int:division_id>/awards.xlsx", "GET"): PUBLIC,
    ("/contests/divisions/<int:division_id>/awards/manage", "GET"): STAFF,
    ("/contests/divisions/<int:division_id>/awards/rule", "POST"): STAFF,
    ("/contests/divisions/<int:division_id>/awards/compute", "POST"): STAFF,
    ("/contests/divisions/<int:division_id>/awards/review", "POST"): STAFF,
    ("/contests/divisions/<int:division_id>/awards/publish", "POST"): STAFF,
    ("/contests/divisions/<int:division_id>/awards/unpublish", "POST"): STAFF,
    ("/contests/awards/rows/<int:row_id>/adjust", "POST"): STAFF,
    ("/contests/<int:contest_id>/import", "GET"): STAFF | {"teacher"},
    ("/contests/<int:contest_id>/import", "POST"): STAFF | {"teacher"},
    ("/contests/<int:contest_id>/import/template.xlsx", "GET"): STAFF | {"teacher"},
    ("/contests/<int:contest_id>/registration-window", "GET"): STAFF,
    ("/contests/<int:contest_id>/registration-window", "POST"): STAFF,
    ("/contests/free", "GET"): PUBLIC,
    ("/contests/divisions/<int:division_id>/free-register", "GET"): PUBLIC,
    ("/contests/divisions/<int:division_id>/free-register", "POST"): PUBLIC,
    ("/contests/divisions/<int:division_id>/free-register/done", "GET"): PUBLIC,
    ("/contests/divisions/<int:division_id>/free-candidates", "POST"): STAFF,
    # creative products (division D): the product page only for the members of an entry (the world's
    # creative entry is pupils', no world role's); the jury set-up for organisers in scope; a juror's
    # assignment and the chair's page only for the user "grader" (assigned and chair); others 404
    ("/contests/creative/<int:creative_id>/product", "GET"): Owned(frozenset()),
    ("/contests/creative/<int:creative_id>/product", "POST"): Owned(frozenset()),
    ("/contests/products/<int:product_id>/download", "GET"): Owned(STAFF),
    ("/contests/creative/<int:creative_id>/jury", "GET"): STAFF,
    ("/contests/creative/<int:creative_id>/jury/settings", "POST"): STAFF,
    ("/contests/creative/<int:creative_id>/jury/criteria", "POST"): STAFF,
    ("/contests/creative/<int:creative_id>/jury/criteria/<int:criterion_id>", "POST"): STAFF,
    ("/contests/creative/<int:creative_id>/jury/criteria/<int:criterion_id>/delete", "POST"): STAFF,
    ("/contests/creative/<int:creative_id>/jury/assign-auto", "POST"): STAFF,
    ("/contests/creative/<int:creative_id>/jury/assignments", "POST"): STAFF,
    ("/contests/jury-assignments/<int:jury_assignment_id>/remove", "POST"): STAFF,
    ("/contests/creative/<int:creative_id>/results", "GET"): STAFF,
    ("/contests/creative/<int:creative_id>/results.xlsx", "GET"): STAFF,
    ("/contests/jury/", "GET"): {"admin", "grader"},
    ("/contests/jury/assignments/<int:jury_assignment_id>", "GET"): Owned({"grader"}),
    ("/contests/jury/assignments/<int:jury_assignment_id>", "POST"): Owned({"grader"}),
    ("/contests/jury/assignments/<int:jury_assignment_id>/product", "GET"): Owned({"grader"}),
    ("/contests/jury/chair/<int:creative_id>", "GET"): Owned({"grader"}),
    ("/contests/jury/chair/<int:creative_id>/decisions", "POST"): Owned({"grader"}),
    # grading: a grader reaches only the items assigned to them (the world's item is the user "grader"'s;
    # for anyone else, admin included, it does not exist); organisers in the exam's scope manage the rest
    ("/exams/grading/", "GET"): {"admin", "grader"},
    ("/exams/grading/assignments/<int:assignment_id>", "GET"): Owned({"grader"}),
    ("/exams/grading/assignments/<int:assignment_id>", "POST"): Owned({"grader"}),
    ("/exams/grading/assignments/<int:assignment_id>/files/<int:file_id>", "GET"): Owned({"grader"}),
    ("/exams/grading/exams", "GET"): STAFF,
    ("/exams/grading/parts/<int:part_id>", "GET"): STAFF,
    ("/exams/grading/parts/<int:part_id>/settings", "POST"): STAFF,
    ("/exams/grading/parts/<int:part_id>/assign", "POST"): STAFF,
    ("/exams/grading/reconciliations/<int:reconciliation_id>", "GET"): STAFF,
    ("/exams/grading/reconciliations/<int:reconciliation_id>", "POST"): STAFF,
    ("/exams/grading/questions/<int:question_id>/regrade", "GET"): STAFF,
    ("/exams/grading/questions/<int:question_id>/regrade", "POST"): STAFF,
    # results: organisers in scope; a candidate's own result only (no world role took the exam)
    ("/exams/results/mine", "GET"): EVERYONE,
    ("/exams/results/<int:exam_id>/mine", "GET"): Owned(frozenset()),
    ("/exams/results/<int:exam_id>", "GET"): STAFF,
    ("/exams/results/<int:exam_id>/results.xlsx", "GET"): STAFF,
    ("/exams/results/<int:exam_id>/release", "POST"): STAFF,
    ("/exams/results/<int:exam_id>/statistics", "GET"): STAFF,
    ("/exams/results/<int:exam_id>/statistics.xlsx", "GET"): STAFF,
    ("/exams/results/units", "GET"): STAFF,
    ("/exams/results/units.xlsx", "GET"): STAFF,
    # sessions (ca thi): set-up by organisers in scope; the board for them and the rooms' proctors;
    # the waiting room only for the session's own candidates (the world's roles are none of them)
    ("/exams/sessions", "GET"): EVERYONE,
    ("/exams/sessions/new", "GET"): STAFF,
    ("/exams/sessions/new", "POST"): STAFF,
    ("/exams/sessions/<int:session_id>", "GET"): STAFF,
    ("/exams/sessions/<int:session_id>", "POST"): STAFF,
    ("/exams/sessions/<int:session_id>/rooms", "POST"): STAFF,
    ("/exams/sessions/<int:session_id>/rooms/<int:room_id>", "POST"): STAFF,
    ("/exams/sessions/<int:session_id>/rooms/<int:room_id>/delete", "POST"): STAFF,
    ("/exams/sessions/<int:session_id>/candidates/unit", "POST"): STAFF,
    ("/exams/sessions/<int:session_id>/candidates/import", "POST"): STAFF,
    ("/exams/sessions/<int:session_id>/candidates/import/apply", "POST"): STAFF,
    ("/exams/sessions/<int:session_id>/candidates/<int:candidate_id>/remove", "POST"): STAFF,
    ("/exams/sessions/<int:session_id>/assign", "POST"): STAFF,
    ("/exams/sessions/<int:session_id>/close", "POST"): STAFF,
    ("/exams/sessions/<int:session_id>/rooms/<int:room_id>/attendance.<fmt>", "GET"): Owned(STAFF),
    ("/exams/sessions/<int:session_id>/proctor", "GET"): Owned(STAFF),
    ("/exams/sessions/<int:session_id>/proctor.json", "GET"): Owned(STAFF),
    ("/exams/sessions/<int:session_id>/open", "POST"): Owned(STAFF),
    ("/exams/sessions/candidates/<int:candidate_id>/<any('extra-time', 'reopen', 'absent', 'present'):action>", "POST"):
        Owned(STAFF),
    ("/exams/sessions/<int:session_id>/wait", "GET"): Owned(frozenset()),
    ("/exams/sessions/<int:session_id>/check-in", "POST"): Owned(frozenset()),
    ("/exams/sessions/<int:session_id>/status.json", "GET"): Owned(frozenset()),
    ("/exams/sessions/<int:session_id>/start", "POST"): Owned(frozenset()),
    # exam set-up: organisers in the exam's unit scope; a candidate's attempt is theirs alone (the
    # world's attempt belongs to "target-user", so for every role it does not exist)
    ("/exams/manage", "GET"): STAFF,
    ("/exams/manage/new", "GET"): STAFF,
    ("/exams/manage/new", "POST"): STAFF,
    ("/exams/manage/<int:exam_id>", "GET"): STAFF,
    ("/exams/manage/<int:exam_id>", "POST"): STAFF,
    ("/exams/manage/<int:exam_id>/parts/new", "GET"): STAFF,
    ("/exams/manage/<int:exam_id>/parts/new", "POST"): STAFF,
    ("/exams/manage/<int:exam_id>/parts/<int:part_id>", "GET"): STAFF,
    ("/exams/manage/<int:exam_id>/parts/<int:part_id>", "POST"): STAFF,
    ("/exams/mine", "GET"): EVERYONE,
    ("/exams/parts/<int:part_id>/start", "POST"): Owned(frozenset()),
    ("/exams/attempts/<int:attempt_id>", "GET"): Owned(frozenset()),
    ("/exams/attempts/<int:attempt_id>/clock", "GET"): Owned(frozenset()),
    ("/exams/attempts/<int:attempt_id>/answers", "POST"): Owned(frozenset()),
    ("/exams/attempts/<int:attempt_id>/items/<int:item_id>/file", "GET"): Owned(frozenset()),
    ("/exams/attempts/<int:attempt_id>/items/<int:item_id>/file", "POST"): Owned(frozenset()),
    ("/exams/attempts/<int:attempt_id>/submit", "GET"): Owned(frozenset()),
    ("/exams/attempts/<int:attempt_id>/submit", "POST"): Owned(frozenset()),
}
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def _csrf(client, url: str) -> str:
    match = _TOKEN.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


# The world below takes most of a case's time and every case builds the same one: on SQLite (where
# this table runs, see above) it is built once per test process, copied aside with SQLite's backup
# API, and copied back before each case (the `app` fixture empties the tables after each one).
_SNAPSHOT: dict = {}


def _copy(db, source=None, target=None) -> None:
    """SQLite's online backup: the test database into `target`, or `source` into it."""
    with db.engine.connect() as conn:
        live = conn.connection.dbapi_connection
        (source or live).backup(target or live)


@pytest.fixture
def world(db, make_user, make_org, make_person, make_position):
    if db.engine.dialect.name != "sqlite" or db.engine.url.database not in (None, "", ":memory:"):
        return _build_world(db, make_user, make_org, make_person, make_position)
    if _SNAPSHOT:
        db.session.remove()
        _copy(db, source=_SNAPSHOT["copy"])
        return dict(_SNAPSHOT["ids"])
    ids = _build_world(db, make_user, make_org, make_person, make_position)
    db.session.commit()
    import sqlite3
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    _copy(db, target=copy)
    _SNAPSHOT.update(copy=copy, ids=dict(ids))
    return ids


def _build_world(db, make_user, make_org, make_person, make_position):
    """Objects inside the demo district (so its organiser reaches them) and the accounts of each role."""
    from tinhoc.access import SYSTEM
    from tinhoc.accounts import services as accounts
    province = make_org("T01", "Tỉnh", kind="province")
    district = make_org("H-AB", "Huyện An Bình", kind="district", parent=province)
    commune = make_org("X-01", "Xã Tân Lập", kind="commune", parent=district)
    person = make_person("CB-1", commune)
    target = make_user("target-user", person_id=person.id)
    grant = accounts.grant_role(SYSTEM, target.id, "instructor", "X-01")
    for role in EVERYONE - {"district", "teacher"}:
        make_user(role, roles=[role])
    make_user("district", roles=[])
    accounts.grant_role(SYSTEM, accounts.find_by_username("district").id, "organiser", "H-AB")
    position = make_position("extra", "Vị trí thêm", 99)
    from tinhoc.certification import services as certification
    cert = certification.issue("basic_ict", person, {"hours": 120}, actor=SYSTEM, source="world")
    from tests.training_helpers import training_world
    from tests.test_exams_pages import bank_question
    question_id, image_id = bank_question()
    from tests.contest_helpers import access_world
    contest_ids = access_world(db)
    from tests.jury_helpers import access_ids as jury_access_ids
    jury_ids = jury_access_ids(db)   # after access_world: a creative round of its district contest
    accounts.grant_role(SYSTEM, make_user("teacher", roles=[]).id, "teacher", "H-AB-THCS")
    from tinhoc.certification.targets import services as targets
    period = targets.create_period(SYSTEM, name="Kế hoạch 2021–2025", start_year=2021, end_year=2025)
    plan_target = targets.set_target(SYSTEM, period.id, metric="cio_leader", value=100)
    from tests.exams_grading_helpers import grading_world
    grading_ids = grading_world(db)   # first: exam_id/part_id from a later world take precedence
    from tests.exams_delivery_helpers import delivery_world
    delivery_ids = delivery_world(db, commune.id, target.id)   # exam_id/part_id: an exam of the district
    from tests.test_exams_sessions_setup import session_world
    sessions_ids = {k: v for k, v in session_world(db).items()
                    if k in ("session_id", "room_id", "candidate_id", "fmt", "action")}
    return {**grading_ids, **delivery_ids, "user_id": target.id, "grant_id": grant.id, "org_id": commune.id,
            "person_id": person.id, "position_id": position.id, "code": "en", "filename": "css/app.css",
            "cert_id": cert.id, "number": cert.number, **training_world(db), "question_id": question_id,
            "image_id": image_id, **sessions_ids, **contest_ids, **jury_ids, "period_id": period.id,
            "target_id": plan_target.id, "metric": "basic_certificate"}


def _url(app, rule: str, ids: dict) -> str:
    endpoint = next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule)
    with app.test_request_context():
        from flask import url_for
        rule_obj = next(r for r in app.url_map.iter_rules() if r.rule == rule)
        return url_for(endpoint, **{k: ids[k] for k in rule_obj.arguments})


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("rule,method", sorted(ACCESS), ids=lambda v: v)
def test_access_table(app, client, world, rule, method, role):
    allowed = ACCESS[(rule, method)]
    url = _url(app, rule, world)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        if role is not None:
            token = _csrf(client, "/login")
            assert client.post("/login", data={"username": role, "password": TEST_PASSWORD,
                                               "csrf_token": token}).status_code == 302
        if method == "GET":
            response = client.get(url)
        else:
            token = _csrf(client, "/" if role else "/login")
            if allowed == PUBLIC or (role is not None and role in allowed):
                # CSRF on: the same request without its token is refused before anything happens
                assert client.post(url, data={}).status_code == 400, f"{method} {url} without a CSRF token"
            response = client.post(url, data={"csrf_token": token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    status = response.status_code
    if allowed == PUBLIC:
        assert status in (200, 302, 401), status
    elif role is None and isinstance(allowed, (Api, ApiOwned)):
        assert status == 401, status
    elif role is None:
        assert status == 302 and "/login" in response.headers["Location"], status
    elif role in allowed:
        assert status in (200, 302, 400, 422), (status, response.get_data(as_text=True)[:300])
        if method == "GET":
            assert status == 200, response.get_data(as_text=True)[:300]
    elif isinstance(allowed, Owned):
        assert status == 404, status
    else:
        assert status == 403, status
        assert "Không có quyền truy cập" in response.get_data(as_text=True)


def test_every_route_and_method_is_in_the_table(app):
    """A new route (or a new method on one) must state who may use it: add it to ACCESS above."""
    missing = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (rule.rule, method) not in ACCESS:
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"routes without an access row: {missing}"
    stale = [key for key in ACCESS if not any(r.rule == key[0] and key[1] in r.methods
                                              for r in app.url_map.iter_rules())]
    assert not stale, f"rows for routes that no longer exist: {stale}"
