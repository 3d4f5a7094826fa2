"""The demo jury: division D1's creative round with a rubric, four products, jurors `juror` and
`juror2`, the demo `grader` as chair, one entry settled and one flagged; seeding again changes nothing."""
from __future__ import annotations

from sqlalchemy import func, select


def test_demo_seeds_a_d1_jury_a_juror_can_grade(app, db):
    from contests import board
    from contests.jury import scoring, services
    from contests.jury.models import CreativeProduct, JuryAssignment
    from contests.models import Division, Round
    from tinhoc.demo import DEMO_PASSWORD
    board.clear_cache()
    result = app.test_cli_runner().invoke(args=["tinhoc", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "juror" in result.output
    rnd = db.session.scalar(select(Round).join(Division).where(Division.code == "D1"))
    assert rnd.kind == "creative" and len(services.criteria_of(rnd.id)) == 4
    rows = scoring.entry_scores(rnd)
    assert len(rows) == 4 and all(len(r.assignments) == 2 for r in rows)
    assert sum(r.flagged for r in rows) == 1 and len(scoring.final_scores(rnd.id)) == 1
    client = app.test_client()
    assert client.post("/login", data={"username": "juror", "password": DEMO_PASSWORD}).status_code == 302
    queue = client.get("/contests/jury/").get_data(as_text=True)
    assert queue.count("D1-") == 4 and "Đội Mầm Xanh" not in queue
    mine = db.session.scalar(select(JuryAssignment).join(
        CreativeProduct, (CreativeProduct.entry_id == JuryAssignment.entry_id)).where(
        JuryAssignment.juror.has(username="juror"), JuryAssignment.total.is_(None)))
    criteria = services.criteria_of(rnd.id)
    r = client.post(f"/contests/jury/assignments/{mine.id}", data={f"c{c.id}": "8" for c in criteria},
                    follow_redirects=True)
    assert "Đã lưu điểm." in r.get_data(as_text=True)
    client.post("/logout")
    assert client.post("/login", data={"username": "grader", "password": DEMO_PASSWORD}).status_code == 302
    chair = client.get(f"/contests/jury/chair/{rnd.id}").get_data(as_text=True)
    assert "Sản phẩm lệch điểm quá mức" in chair
    again = app.test_cli_runner().invoke(args=["tinhoc", "seed-demo"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count(CreativeProduct.id))) == 4
    board.clear_cache()
