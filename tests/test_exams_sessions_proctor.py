"""Waiting room, opening and the proctor's board: check-in, polling, one opening instant for every
candidate's clock, extra time, reopen, absent, audit entries; hostile cases (a proctor of room A on
room B, extra time on a finished attempt, a stranger in the waiting room)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.test_exams_sessions_setup import T0, _login, session_world


def with_bank(db, exam, count=3):
    """Give the exam's first part a blueprint of `count` single-choice questions from a new category."""
    from exams import services
    from tinhoc.access import SYSTEM
    category = services.ensure_category_path("IU01 Ca thi")
    db.session.commit()
    for i in range(count):
        services.save_question(SYSTEM, None, category_id=category.id, type_="single", name="",
                               body=f"<p>Câu {i}?</p>", general_feedback="", difficulty=2,
                               params={"answers": [{"text": "Đúng", "fraction": 1}, {"text": "Sai", "fraction": 0}]})
    part = exam.parts[0]
    part.blueprint = [{"category_id": category.id, "difficulty": None, "count": count, "points": 1}]
    db.session.commit()
    return part


@pytest.fixture
def pw(db, make_user, grant, frozen_clock):
    world = session_world(db)
    organiser = make_user("to-chuc-huyen", roles=[])
    grant(organiser, "organiser", "H-AB")
    with_bank(db, world["exam"])
    world["organiser"] = organiser
    return world


def _candidate(db, world, index):
    from exams.delivery.models import ExamCandidate
    return db.session.scalar(select(ExamCandidate).where(ExamCandidate.session_id == world["session_id"],
                                                         ExamCandidate.user_id == world["staff"][index].id))


def _attempt(db, user):
    from exams.delivery.models import ExamAttempt
    db.session.expire_all()
    return db.session.scalar(select(ExamAttempt).where(ExamAttempt.user_id == user.id))


def test_waiting_room_then_opening_starts_every_clock_at_once(app, client, db, pw, frozen_clock):
    sid = pw["session_id"]
    first, second = pw["staff"][0], pw["staff"][1]
    _login(client, first.username)
    home = client.get("/").get_data(as_text=True)      # the home page leads to the waiting room
    assert 'id="my-sessions-panel"' in home and f"/exams/sessions/{sid}/wait" in home
    page = client.get(f"/exams/sessions/{sid}/wait").get_data(as_text=True)
    assert 'id="check-in"' in page
    client.post(f"/exams/sessions/{sid}/check-in")
    assert _candidate(db, pw, 0).checked_in_at == T0
    page = client.get(f"/exams/sessions/{sid}/wait").get_data(as_text=True)
    assert 'id="start" disabled' in page
    assert client.get(f"/exams/sessions/{sid}/status.json").get_json()["opened"] is False
    response = client.post(f"/exams/sessions/{sid}/start", follow_redirects=True)
    assert "Ca thi chưa mở" in response.get_data(as_text=True) and _attempt(db, first) is None

    frozen_clock.advance(timedelta(minutes=3))
    proctor = app.test_client()
    _login(proctor, "proctor-b")     # Vũ Văn Tám sorts last: seated in room B
    board = proctor.get(f"/exams/sessions/{sid}/proctor.json").get_json()
    assert board["summary"]["waiting"] == 1 and len(board["candidates"]) == 2
    response = proctor.post(f"/exams/sessions/{sid}/open", follow_redirects=True)
    assert "Đã mở ca thi" in response.get_data(as_text=True)
    opened_at = T0 + timedelta(minutes=3)
    from tinhoc.audit import AuditEntry
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exam_session.open")).actor_id \
        == pw["room_b"].proctor_user_id
    assert client.get(f"/exams/sessions/{sid}/status.json").get_json()["opened"] is True

    frozen_clock.advance(timedelta(minutes=2))     # the candidate clicks two minutes after the opening
    response = client.post(f"/exams/sessions/{sid}/start")
    attempt = _attempt(db, first)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/exams/attempts/{attempt.id}")
    assert attempt.session_id == sid and attempt.deadline_at == opened_at + timedelta(minutes=30)
    assert len(attempt.items) == 3
    again = client.post(f"/exams/sessions/{sid}/start")          # a second tab resumes the same attempt
    assert again.headers["Location"].endswith(f"/exams/attempts/{attempt.id}")

    late = app.test_client()                                    # a late-comer loses time, as on paper
    _login(late, second.username)
    frozen_clock.advance(timedelta(minutes=10))
    late.post(f"/exams/sessions/{sid}/start")
    assert _attempt(db, second).deadline_at == opened_at + timedelta(minutes=30)
    assert _candidate(db, pw, 1).checked_in_at is not None


def test_opening_is_one_update_whatever_the_number_of_candidates(app, client, db, pw):
    _login(client, "to-chuc-huyen")
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.post(f"/exams/sessions/{pw['session_id']}/open")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    writes = [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert [s.split()[0:2] for s in writes] == [["UPDATE", "exam_session"], ["INSERT", "INTO"]]   # + audit entry
    assert "exam_candidate" not in " ".join(writes)


def test_stranger_has_no_waiting_room(client, pw):
    _login(client, pw["outsider"].username)
    sid = pw["session_id"]
    assert client.get(f"/exams/sessions/{sid}/wait").status_code == 404
    assert client.get(f"/exams/sessions/{sid}/status.json").status_code == 404
    assert client.post(f"/exams/sessions/{sid}/start").status_code == 404
    assert client.get(f"/exams/sessions/{sid}/proctor").status_code == 404


def _open_and_start(app, db, world, index, clock):
    from exams.delivery import sessions
    from tinhoc.access import SYSTEM
    session = world["session"]
    db.session.refresh(session)
    if session.opened_at is None:
        sessions.open_session(SYSTEM, session)
    client = app.test_client()
    _login(client, world["staff"][index].username)
    client.post(f"/exams/sessions/{world['session_id']}/start")
    return _attempt(db, world["staff"][index])


def test_extra_time_moves_deadline_and_is_audited(app, client, db, pw, frozen_clock):
    deadline = _open_and_start(app, db, pw, 0, frozen_clock).deadline_at
    assert deadline == T0 + timedelta(minutes=30)
    candidate = _candidate(db, pw, 0)
    _login(client, "to-chuc-huyen")
    response = client.post(f"/exams/sessions/candidates/{candidate.id}/extra-time",
                           data={"minutes": "7", "reason": "Máy tính hỏng, đổi máy"}, follow_redirects=True)
    assert "Đã ghi: cộng giờ" in response.get_data(as_text=True)
    assert _attempt(db, pw["staff"][0]).deadline_at == deadline + timedelta(minutes=7)
    db.session.refresh(candidate)
    assert candidate.extra_minutes == 7
    from tinhoc.audit import AuditEntry
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exam_candidate.extra_time"))
    assert entry.after["reason"] == "Máy tính hỏng, đổi máy" and entry.actor_id == pw["organiser"].id
    # no reason: refused, nothing moves
    client.post(f"/exams/sessions/candidates/{candidate.id}/extra-time", data={"minutes": "5", "reason": ""})
    assert _attempt(db, pw["staff"][0]).deadline_at == deadline + timedelta(minutes=7)


def test_extra_time_on_finished_attempt_refused_then_reopen(app, client, db, pw, frozen_clock):
    from exams.delivery import services as delivery
    attempt = _open_and_start(app, db, pw, 0, frozen_clock)
    delivery.submit_attempt(pw["staff"][0].id, attempt.id)
    candidate = _candidate(db, pw, 0)
    _login(client, "to-chuc-huyen")
    response = client.post(f"/exams/sessions/candidates/{candidate.id}/extra-time",
                           data={"minutes": "5", "reason": "xin thêm giờ"}, follow_redirects=True)
    assert "không cộng giờ được" in response.get_data(as_text=True)
    assert _attempt(db, pw["staff"][0]).state == "submitted"
    frozen_clock.advance(timedelta(minutes=40))
    response = client.post(f"/exams/sessions/candidates/{candidate.id}/reopen",
                           data={"minutes": "10", "reason": "Mất điện phòng A"}, follow_redirects=True)
    assert "Đã ghi: mở lại bài" in response.get_data(as_text=True)
    reopened = _attempt(db, pw["staff"][0])
    assert reopened.state == "open" and reopened.reopened_count == 1 and reopened.finished_at is None
    assert reopened.deadline_at == T0 + timedelta(minutes=50)
    board = client.get(f"/exams/sessions/{pw['session_id']}/proctor.json").get_json()
    row = next(c for c in board["candidates"] if c["candidate_id"] == candidate.id)
    assert row["state"] == "started" and row["remaining_seconds"] == 600 and row["reopened_count"] == 1
    response = client.post(f"/exams/sessions/candidates/{candidate.id}/reopen",
                           data={"minutes": "10", "reason": "lần nữa"}, follow_redirects=True)
    assert "Bài làm đang mở" in response.get_data(as_text=True)


def test_mark_absent_blocks_start(app, client, db, pw, frozen_clock):
    candidate = _candidate(db, pw, 0)
    _login(client, "to-chuc-huyen")
    client.post(f"/exams/sessions/candidates/{candidate.id}/absent", data={"reason": "Không đến"})
    db.session.refresh(candidate)
    assert candidate.absent_at == T0
    attempt = _open_and_start(app, db, pw, 0, frozen_clock)
    assert attempt is None
    board = client.get(f"/exams/sessions/{pw['session_id']}/proctor.json").get_json()
    row = next(c for c in board["candidates"] if c["candidate_id"] == candidate.id)
    assert row["state"] == "absent" and row["marked_absent"] is True
    started = _open_and_start(app, db, pw, 1, frozen_clock)
    response = client.post(f"/exams/sessions/candidates/{_candidate(db, pw, 1).id}/absent",
                           data={"reason": "nhầm"}, follow_redirects=True)
    assert "đã bắt đầu làm bài" in response.get_data(as_text=True) and started is not None


def test_a_mark_of_absence_can_be_undone_with_a_reason(app, client, db, pw, frozen_clock):
    from tinhoc.audit import AuditEntry
    candidate = _candidate(db, pw, 0)
    _login(client, "to-chuc-huyen")
    client.post(f"/exams/sessions/candidates/{candidate.id}/absent", data={"reason": "Không đến"})
    page = client.get(f"/exams/sessions/{pw['session_id']}/proctor").get_data(as_text=True)
    assert f"/exams/sessions/candidates/{candidate.id}/present" in page
    refused = client.post(f"/exams/sessions/candidates/{candidate.id}/present", data={"reason": ""},
                          follow_redirects=True)
    db.session.refresh(candidate)
    assert candidate.absent_at is not None and refused.status_code == 200
    client.post(f"/exams/sessions/candidates/{candidate.id}/present", data={"reason": "Đến muộn 10 phút"})
    db.session.refresh(candidate)
    assert candidate.absent_at is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exam_candidate.present"))
    assert entry.after["reason"] == "Đến muộn 10 phút" and entry.before["absent_at"]
    assert _open_and_start(app, db, pw, 0, frozen_clock) is not None   # the late-comer starts


def test_proctor_of_room_a_cannot_act_on_room_b(app, client, db, pw, frozen_clock):
    from exams.delivery import sessions
    people = sessions.listed_candidates(pw["session"])
    in_a = [p for p in people if p.room_id == pw["room_a"].id]
    in_b = [p for p in people if p.room_id == pw["room_b"].id]
    _login(client, "proctor-a")
    sid = pw["session_id"]
    board = client.get(f"/exams/sessions/{sid}/proctor.json").get_json()
    assert {c["candidate_id"] for c in board["candidates"]} == {p.id for p in in_a}
    assert client.get(f"/exams/sessions/{sid}/proctor?room={pw['room_b'].id}").status_code == 404
    assert client.post(f"/exams/sessions/candidates/{in_b[0].id}/absent", data={"reason": "x"}).status_code == 404
    assert client.post(f"/exams/sessions/candidates/{in_b[0].id}/extra-time",
                       data={"minutes": "5", "reason": "x"}).status_code == 404
    assert client.get(f"/exams/sessions/{sid}").status_code in (403, 404)   # set-up is for organisers
    page = client.get(f"/exams/sessions/{sid}/proctor").get_data(as_text=True)
    assert in_a[0].full_name in page and in_b[0].full_name not in page
    response = client.post(f"/exams/sessions/candidates/{in_a[0].id}/absent", data={"reason": "Không đến"})
    assert response.status_code == 302


def test_board_states_and_query_count(app, client, db, pw, frozen_clock):
    _open_and_start(app, db, pw, 0, frozen_clock)
    _login(client, "to-chuc-huyen")
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        board = client.get(f"/exams/sessions/{pw['session_id']}/proctor.json").get_json()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert board["summary"] == {"absent": 3, "waiting": 0, "started": 1, "submitted": 0, "closed": 0}
    started = next(c for c in board["candidates"] if c["state"] == "started")
    assert started["answered"] == 0 and started["items"] == 3 and started["remaining_seconds"] == 1800
    assert len(statements) <= 12, statements   # fixed, whatever the number of candidates


def test_second_part_starts_after_the_first_is_submitted(app, client, db, pw, frozen_clock):
    from exams.delivery import services as delivery
    from exams.delivery.models import ExamPart
    exam = pw["exam"]
    second = ExamPart(exam_id=exam.id, position=2, title="Thực hành", duration_minutes=45,
                      blueprint=exam.parts[0].blueprint)
    db.session.add(second)
    db.session.commit()
    first = _open_and_start(app, db, pw, 0, frozen_clock)
    assert first.part_id == exam.parts[0].id
    delivery.submit_attempt(pw["staff"][0].id, first.id)
    _login(client, pw["staff"][0].username)
    response = client.post(f"/exams/sessions/{pw['session_id']}/start")
    from exams.delivery.models import ExamAttempt
    attempt = db.session.scalar(select(ExamAttempt).where(ExamAttempt.part_id == second.id))
    assert response.headers["Location"].endswith(f"/exams/attempts/{attempt.id}")
    assert attempt.deadline_at == T0 + timedelta(minutes=45)   # counted from the session's opening
    delivery.submit_attempt(pw["staff"][0].id, attempt.id)
    response = client.post(f"/exams/sessions/{pw['session_id']}/start", follow_redirects=True)
    assert "Bạn đã làm xong mọi phần của kỳ thi" in response.get_data(as_text=True)


def test_organiser_edits_and_closes_the_session(app, client, db, pw, frozen_clock):
    sid = pw["session_id"]
    _login(client, "to-chuc-huyen")
    response = client.post(f"/exams/sessions/{sid}", data={"exam_id": pw["exam"].id, "organisation_id": pw["commune"].id,
                                                          "name": "Ca 1 — đổi tên", "starts_at": "2026-03-01T09:30"},
                           follow_redirects=True)
    assert "Đã lưu ca thi" in response.get_data(as_text=True)
    session = pw["session"]
    db.session.refresh(session)
    assert session.name == "Ca 1 — đổi tên" and session.organisation_id == pw["commune"].id
    # moving it to another district is refused: the session stays where it was
    client.post(f"/exams/sessions/{sid}", data={"exam_id": pw["exam"].id, "organisation_id": pw["other"].id,
                                               "name": "Ca lạ", "starts_at": "2026-03-01T09:30"})
    db.session.refresh(session)
    assert session.organisation_id == pw["commune"].id and session.name == "Ca 1 — đổi tên"
    client.post(f"/exams/sessions/{sid}/close")
    db.session.refresh(session)
    assert session.closed_at == T0
    candidate = app.test_client()
    _login(candidate, pw["staff"][0].username)
    assert "Ca thi đã kết thúc" in candidate.get(f"/exams/sessions/{sid}/wait").get_data(as_text=True)
    assert candidate.get(f"/exams/sessions/{sid}/status.json").get_json()["closed"] is True
    response = candidate.post(f"/exams/sessions/{sid}/start", follow_redirects=True)
    assert "Ca thi đã kết thúc" in response.get_data(as_text=True)
    from tinhoc.audit import AuditEntry
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "exam_session")))
    assert {"exam_session.update", "exam_session.close"} <= actions


def test_absent_candidate_cannot_start_by_the_part_route_either(app, client, db, pw, frozen_clock):
    """Marked absent, the candidate is refused at the waiting room AND at delivery's own part start."""
    from exams.delivery import sessions
    from tinhoc.access import SYSTEM
    candidate = _candidate(db, pw, 0)
    organiser = app.test_client()
    _login(organiser, "to-chuc-huyen")
    organiser.post(f"/exams/sessions/candidates/{candidate.id}/absent", data={"reason": "Không đến"})
    sessions.open_session(SYSTEM, pw["session"])
    _login(client, pw["staff"][0].username)
    response = client.post(f"/exams/parts/{pw['exam'].parts[0].id}/start", follow_redirects=True)
    assert "vắng mặt" in response.get_data(as_text=True)
    assert _attempt(db, pw["staff"][0]) is None
