"""The demo contest: national divisions, the school teacher, registered pupils, results on the board."""
from __future__ import annotations

from sqlalchemy import func, select


def test_demo_contest_has_a_board_and_a_working_teacher(app, db):
    from contests import board
    from contests.models import Contest, Division, Problem, Submission
    from tinhoc.demo import DEMO_PASSWORD
    board.clear_cache()
    result = app.test_cli_runner().invoke(args=["tinhoc", "seed-demo"])
    assert result.exit_code == 0, result.output
    contest = db.session.scalar(select(Contest))
    codes = list(db.session.scalars(select(Division.code).where(Division.contest_id == contest.id)
                                    .order_by(Division.code)))
    assert codes == ["A", "B", "C1", "C2", "D1", "D2", "D3"]
    c1 = db.session.scalar(select(Division).where(Division.code == "C1"))
    assert c1.team_entry and c1.max_team_size == 2
    assert db.session.scalar(select(func.count(Problem.id))) == 4
    assert db.session.scalar(select(func.count(Submission.id)).where(Submission.status == "done")) >= 24
    client = app.test_client()
    data = client.get(f"/api/contests/{contest.id}/scoreboard").get_json()
    assert len(data["boards"]) == 4 and all(b["rows"] for b in data["boards"])
    assert any(r["total"] > 0 for b in data["boards"] for r in b["rows"])

    assert client.post("/login", data={"username": "teacher", "password": DEMO_PASSWORD}).status_code == 302
    page = client.get(f"/contests/{contest.id}/register").get_data(as_text=True)
    assert "Trường THCS thị trấn An Bình" in page and "Trường THPT" not in page
    client.post("/logout")
    client.post("/login", data={"username": "student", "password": DEMO_PASSWORD})
    b_problem = db.session.scalar(select(Problem).join(Problem.round).join(Division)
                                  .where(Division.code == "B"))
    page = client.get(f"/contests/problems/{b_problem.id}").get_data(as_text=True)
    assert "Tổng hai số" in page and 'id="submit-form"' in page

    # division A's theory part: a quiz round with its quiz, which a division A pupil can start
    from contests.models import EntryMember, Entry, Round
    quiz_round = db.session.scalar(select(Round).join(Division).where(Division.code == "A", Round.kind == "quiz"))
    assert quiz_round is not None and quiz_round.quiz_exam_id is not None
    pupil_id = db.session.scalar(select(EntryMember.user_id).join(Entry).where(Entry.division_id == quiz_round.division_id,
                                                                            Entry.status == "approved").limit(1))
    from contests import quiz, services
    from tinhoc.access import load_actor
    pupil = load_actor(pupil_id)
    attempt = quiz.start(pupil, quiz_round, services.entry_in_round(pupil, quiz_round))
    assert len(attempt.items) == 8

    # division C2 takes free candidates: the public page lists it and its form is there
    client.post("/logout")
    client.delete_cookie("session")
    c2 = db.session.scalar(select(Division).where(Division.code == "C2"))
    assert c2.open_to_free and not db.session.scalar(select(Division).where(Division.code == "B")).open_to_free
    assert f"/contests/divisions/{c2.id}/free-register" in client.get("/contests/free").get_data(as_text=True)
    assert "free-register-form" in client.get(f"/contests/divisions/{c2.id}/free-register").get_data(as_text=True)

    again = app.test_cli_runner().invoke(args=["tinhoc", "seed-demo"])
    assert again.exit_code == 0 and db.session.scalar(select(func.count(Contest.id))) == 1
    board.clear_cache()
