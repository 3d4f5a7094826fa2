"""Quiz rounds: the organiser gives a round a quiz drawn from the question bank; a contestant takes it
once, during the round, never past its end, and comes back to the round page with the result; the
organiser sees every entry's points. All of it through exams.services."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.contest_helpers import START, contest_world
from tests.exams_delivery_helpers import RIGHT, make_bank, shown


@pytest.fixture
def qw(db, frozen_clock):
    from contests import services
    from tinhoc.access import SYSTEM
    world = contest_world(db)
    world["categories"] = make_bank(extra_single=6)
    world["quiz"] = services.add_round(SYSTEM, world["division"], title="Trắc nghiệm", kind="quiz",
                                       starts_at=START, ends_at=START + timedelta(hours=2))
    return world


def _setup(client, round_id, category, count=5, minutes=30, points=10):
    return client.post(f"/contests/rounds/{round_id}/quiz",
                       data={"category": category, "count": count, "minutes": minutes, "points": points})


def _attempts(db):
    from exams.delivery.models import ExamAttempt
    return db.session.scalar(select(func.count(ExamAttempt.id)))


def test_organiser_sets_up_the_quiz_and_a_bank_too_small_is_refused_with_the_reason(client, login, qw, db):
    login("organiser")
    rid = qw["quiz"].id
    page = client.get(f"/contests/rounds/{rid}/quiz").get_data(as_text=True)
    assert "Lý thuyết" in page                       # the bank's categories to choose from
    r = _setup(client, rid, qw["categories"]["theory"], count=150)
    assert r.status_code == 400 and "Chưa đặt được bài trắc nghiệm" in r.get_data(as_text=True)
    db.session.refresh(qw["quiz"])
    assert qw["quiz"].quiz_exam_id is None
    r = _setup(client, rid, 999_999)
    assert r.status_code == 400 and "Không tìm thấy danh mục" in r.get_data(as_text=True)
    assert _setup(client, rid, qw["categories"]["theory"]).status_code == 302
    db.session.refresh(qw["quiz"])
    assert qw["quiz"].quiz_exam_id is not None
    assert "Đã đặt bài trắc nghiệm" in client.get(f"/contests/rounds/{rid}").get_data(as_text=True)
    # a programming round has no quiz
    r = _setup(client, qw["round"].id, qw["categories"]["theory"])
    assert "Chỉ vòng thi trắc nghiệm" in r.get_data(as_text=True)


def test_a_contestant_takes_the_quiz_once_and_sees_the_result(client, login, qw, db, frozen_clock):
    from exams.delivery import services as delivery
    from exams.delivery.models import ExamAttempt
    login("organiser")
    assert _setup(client, qw["quiz"].id, qw["categories"]["theory"], count=5).status_code == 302
    login("alice")
    rid = qw["quiz"].id
    assert "quiz-start" in client.get(f"/contests/rounds/{rid}").get_data(as_text=True)
    r = client.post(f"/contests/rounds/{rid}/quiz/start")
    assert r.status_code == 302 and "/exams/attempts/" in r.location and "next=" in r.location
    attempt = db.session.scalar(select(ExamAttempt).where(ExamAttempt.user_id == qw["alice"].id))
    assert client.get(r.location).status_code == 200 and len(attempt.items) == 5
    answers = [{"item": i.id, "response": shown(i, RIGHT.get(i.version.type, "x"))} for i in attempt.items]
    assert client.post(f"/exams/attempts/{attempt.id}/answers", json={"seq": 1, "answers": answers}).status_code == 200
    assert client.post(f"/exams/attempts/{attempt.id}/submit", data={"next": f"/contests/rounds/{rid}"}).status_code == 302
    page = client.get(f"/contests/rounds/{rid}").get_data(as_text=True)
    assert "Bạn đã làm bài" in page and "quiz-start" not in page
    # one attempt only: a second start is refused with the reason and makes no attempt
    r = client.post(f"/contests/rounds/{rid}/quiz/start", follow_redirects=True)
    assert "hết số lần" in r.get_data(as_text=True) and _attempts(db) == 1
    # the organiser's table: alice with her points, bob without, carol (not approved) absent
    login("organiser")
    table = client.get(f"/contests/rounds/{rid}/quiz").get_data(as_text=True).split('id="quiz-results"')[1]
    assert "Nguyễn Thị An" in table and "Trần Văn Bình" in table and "Lê Thị Châu" not in table
    from contests import quiz
    db.session.expire_all()
    points = quiz.scores(qw["quiz"])
    done = delivery.own_attempt(qw["alice"].id, attempt.id)
    assert done.state == "submitted" and points == {qw["entry_a"].id: done.points}
    assert points[qw["entry_a"].id] > 0
    # the awards count the quiz round in the division's total (no penalty)
    from contests.awards import services as awards
    standings, notes = awards.standings(qw["division"])
    by_entry = {s.entry_id: s for s in standings}
    assert by_entry[qw["entry_a"].id].score >= points[qw["entry_a"].id] and not any("Trắc nghiệm" in n for n in notes)
    # once someone has started, the quiz can no longer be replaced
    r = _setup(client, rid, qw["categories"]["theory"], count=3)
    assert "Đã có thí sinh làm bài" in r.get_data(as_text=True)


def test_an_attempt_never_runs_past_the_round_and_not_before_it(client, login, qw, db, frozen_clock):
    from exams.delivery.models import ExamAttempt
    login("organiser")
    assert _setup(client, qw["quiz"].id, qw["categories"]["theory"], minutes=45).status_code == 302
    login("alice")
    rid = qw["quiz"].id
    frozen_clock.freeze(START - timedelta(minutes=1))
    r = client.post(f"/contests/rounds/{rid}/quiz/start", follow_redirects=True)
    assert "không mở" in r.get_data(as_text=True) and _attempts(db) == 0
    frozen_clock.freeze(START + timedelta(hours=2) - timedelta(minutes=10))   # 10 minutes left in the round
    assert client.post(f"/contests/rounds/{rid}/quiz/start").status_code == 302
    attempt = db.session.scalar(select(ExamAttempt).where(ExamAttempt.user_id == qw["alice"].id))
    assert attempt.deadline_at == START + timedelta(hours=2)
    frozen_clock.freeze(START + timedelta(hours=2, minutes=1))
    r = client.post(f"/contests/rounds/{rid}/quiz/start", follow_redirects=True)
    assert "không mở" in r.get_data(as_text=True)


def test_who_may_not_take_or_set_up_the_quiz(client, login, qw, db, make_user):
    login("organiser")
    assert _setup(client, qw["quiz"].id, qw["categories"]["theory"]).status_code == 302
    rid = qw["quiz"].id
    login("carol")                                   # registered, not approved
    assert client.post(f"/contests/rounds/{rid}/quiz/start").status_code == 404
    make_user("nguoingoai", roles=["student"])
    login("nguoingoai")
    assert client.post(f"/contests/rounds/{rid}/quiz/start").status_code == 404
    assert _attempts(db) == 0
    login("alice")
    assert client.get(f"/contests/rounds/{rid}/quiz").status_code == 403
    login("district")                                # organiser of a district: not this province contest
    assert client.get(f"/contests/rounds/{rid}/quiz").status_code == 404
    assert _setup(client, rid, qw["categories"]["theory"]).status_code == 404


def _take(client, login, qw, db, user, right: bool):
    from exams.delivery.models import ExamAttempt
    login(user)
    rid = qw["quiz"].id
    assert client.post(f"/contests/rounds/{rid}/quiz/start").status_code == 302
    attempt = db.session.scalar(select(ExamAttempt).where(ExamAttempt.user_id == qw[user].id))
    answers = [{"item": i.id, "response": shown(i, RIGHT.get(i.version.type, "x")) if right else None}
               for i in attempt.items]
    assert client.post(f"/exams/attempts/{attempt.id}/answers", json={"seq": 1, "answers": answers}).status_code == 200
    assert client.post(f"/exams/attempts/{attempt.id}/submit").status_code == 302


def test_the_quiz_board_is_the_jury_s_during_the_round_and_everyone_s_after(client, login, qw, db, frozen_clock):
    login("organiser")
    assert _setup(client, qw["quiz"].id, qw["categories"]["theory"], count=5).status_code == 302
    _take(client, login, qw, db, "alice", right=True)
    _take(client, login, qw, db, "bob", right=False)
    url = f"/contests/{qw['contest'].id}/scoreboard"
    assert "quiz-board" not in client.get(url).get_data(as_text=True)          # a contestant, during the round
    login("organiser")
    page = client.get(url).get_data(as_text=True)
    table = page.split('class="table table-sm table-bordered quiz-board"')[1].split("</table>")[0]
    assert "Đang thi: chỉ ban tổ chức thấy" in page
    assert table.index("Nguyễn Thị An") < table.index("Trần Văn Bình") and "Lê Thị Châu" not in table
    frozen_clock.freeze(START + timedelta(hours=2))                              # the round is over
    client.post("/logout")
    page = client.get(url).get_data(as_text=True)                                # anyone, logged in or not
    table = page.split('class="table table-sm table-bordered quiz-board"')[1].split("</table>")[0]
    rows = [r for r in table.split("<tr>")[2:]]
    assert "<td>1</td><td>Nguyễn Thị An</td>" in rows[0] and "10 / 10" in rows[0]
    assert "<td>2</td><td>Trần Văn Bình</td>" in rows[1] and "0 / 10" in rows[1]
    assert "Đang thi" not in page
    assert "Quiz" in client.get(url + "?lang=en").get_data(as_text=True)
