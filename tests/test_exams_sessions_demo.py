"""The demo session: two rooms, a few candidates with accounts, `grader` proctoring room 1, run by
`organiser` and `district`; seeding twice adds nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.test_exams_sessions_setup import make_exam


def test_demo_session_for_organiser_and_grader(app, db):
    from exams.delivery.models import ExamCandidate, ExamSession
    from exams.demo import DEMO_CANDIDATES, DEMO_SESSION, seed_demo_session
    from tinhoc.demo import DEMO_PASSWORD, seed_demo
    from tinhoc.orgs.models import Organisation

    seed_demo()
    if db.session.scalar(select(ExamSession.id).where(ExamSession.name == DEMO_SESSION)) is None:
        province = db.session.scalar(select(Organisation).where(Organisation.kind == "province"))
        make_exam(db, province)           # the demo exam, when delivery's seed has not made one
        assert seed_demo_session("H-AB", DEMO_PASSWORD) == len(DEMO_CANDIDATES)
    assert seed_demo_session("H-AB", DEMO_PASSWORD) == 0
    session = db.session.scalar(select(ExamSession).where(ExamSession.name == DEMO_SESSION))
    assert [r.name for r in session.rooms] == ["Phòng 1", "Phòng 2"]
    assert db.session.scalar(select(func.count()).select_from(ExamCandidate).where(
        ExamCandidate.session_id == session.id, ExamCandidate.room_id.is_not(None))) == len(DEMO_CANDIDATES)

    def login(username):
        client = app.test_client()
        assert client.post("/login", data={"username": username, "password": DEMO_PASSWORD}).status_code == 302
        return client
    for organiser in ("organiser", "district"):
        assert DEMO_SESSION in login(organiser).get("/exams/sessions").get_data(as_text=True)
    grader = login("grader")
    board = grader.get(f"/exams/sessions/{session.id}/proctor.json").get_json()
    assert len(board["candidates"]) == 3 and board["opened"] is False   # room 1 holds three
    candidate = login(DEMO_CANDIDATES[0])
    assert candidate.get(f"/exams/sessions/{session.id}/wait").status_code == 200
