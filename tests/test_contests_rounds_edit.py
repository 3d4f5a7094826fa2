"""Editing a round after it was created, over HTTP: postpone it before it starts, extend or stop it
while it runs (the submission window follows at once), the start fixed once it has started, the
scoring fixed once anyone took part, the board computed again when the freeze changes, a quiz
round's quiz following its window (running attempts included), audited; bad input refused with
the reason and nothing changed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.contest_helpers import START, contest_world, cw, fresh_board_cache  # noqa: F401 (fixtures)
from tests.test_contests_board import SRC, board, record

LOCAL = timedelta(hours=7)     # the form speaks Vietnamese time


def _form(rnd, **over) -> dict:
    from tinhoc import clock
    data = {"title": rnd.title, "scoring": rnd.scoring, "languages": list(rnd.languages or []),
            "starts_at": _local(clock.as_utc(rnd.starts_at)), "ends_at": _local(clock.as_utc(rnd.ends_at)),
            "freeze_minutes": str(rnd.freeze_minutes)}
    if rnd.show_hidden_tests:
        data["show_hidden_tests"] = "y"
    data.update(over)
    return data


def _local(utc) -> str:
    return (utc + LOCAL).strftime("%Y-%m-%dT%H:%M")


def _round(db, rnd):
    from contests.models import Round
    db.session.expire_all()
    return db.session.get(Round, rnd.id)


def _edit(client, rnd, **over):
    return client.post(f"/contests/rounds/{rnd.id}/edit", data=_form(rnd, **over), follow_redirects=True)


def test_postponed_before_it_starts_then_extended_while_it_runs(client, login, cw, db, frozen_clock):
    from tinhoc import clock
    from tinhoc.audit import AuditEntry
    rnd = cw["round"]
    frozen_clock.freeze(START - timedelta(hours=2))           # the morning of the contest: a power cut
    login("organiser")
    page = client.get(f"/contests/rounds/{rnd.id}").get_data(as_text=True)
    assert 'id="edit-round"' in page
    form = client.get(f"/contests/rounds/{rnd.id}/edit").get_data(as_text=True)
    assert 'value="2026-03-01T14:00"' in form and 'value="2026-03-01T17:00"' in form   # 07:00 UTC, in local time
    r = _edit(client, rnd, title="Vòng tỉnh (dời giờ)", starts_at=_local(START + timedelta(hours=1)),
              ends_at=_local(START + timedelta(hours=4)))
    assert "Đã lưu vòng thi." in r.get_data(as_text=True)
    after = _round(db, rnd)
    assert clock.as_utc(after.starts_at) == START + timedelta(hours=1) and after.title == "Vòng tỉnh (dời giờ)"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contest.round.edit"))
    assert entry.before["starts_at"] == START.isoformat() and entry.after["title"] == "Vòng tỉnh (dời giờ)"
    # 07:30: the old start has passed, the new one not: the problems stay hidden from alice
    frozen_clock.freeze(START + timedelta(minutes=30))
    login("alice")
    assert client.get(f"/contests/problems/{cw['problem'].id}").status_code == 404
    r = client.post(f"/contests/problems/{cw['problem'].id}/submit", data={"language": "python3", "source": SRC})
    assert r.status_code == 404
    frozen_clock.freeze(START + timedelta(hours=1))
    assert client.get(f"/contests/problems/{cw['problem'].id}").status_code == 200
    # it runs: the start is fixed now, the end can be extended; alice submits after the old end
    frozen_clock.freeze(START + timedelta(hours=3, minutes=50))
    login("organiser")
    after = _round(db, rnd)
    r = _edit(client, after, starts_at=_local(START + timedelta(hours=2)))
    assert "không đổi được giờ bắt đầu" in r.get_data(as_text=True)
    assert clock.as_utc(_round(db, rnd).starts_at) == START + timedelta(hours=1)
    assert "Đã lưu vòng thi." in _edit(client, after, ends_at=_local(START + timedelta(hours=4, minutes=30))) \
        .get_data(as_text=True)
    frozen_clock.freeze(START + timedelta(hours=4, minutes=10))     # past the old end
    login("alice")
    r = client.post(f"/contests/problems/{cw['problem'].id}/submit", data={"language": "python3", "source": SRC},
                    follow_redirects=True)
    assert "Đã nhận bài nộp" in r.get_data(as_text=True)


def test_stopped_now_and_an_end_already_past_is_refused(client, login, cw, db, frozen_clock):
    from tinhoc import clock
    rnd = cw["round"]
    login("organiser")
    now = frozen_clock.now()
    r = _edit(client, rnd, ends_at=_local(now - timedelta(minutes=10)))
    assert "Giờ kết thúc mới đã qua" in r.get_data(as_text=True)
    assert clock.as_utc(_round(db, rnd).ends_at) == START + timedelta(hours=3)
    r = _edit(client, rnd, ends_at=_local(now))                       # "stop the round now"
    assert "Đã lưu vòng thi." in r.get_data(as_text=True)
    login("alice")
    r = client.post(f"/contests/problems/{cw['problem'].id}/submit", data={"language": "python3", "source": SRC},
                    follow_redirects=True)
    assert "Vòng thi đã kết thúc" in r.get_data(as_text=True)


@pytest.mark.parametrize("over,message", [
    ({"ends_at": "2026-03-01T13:00"}, "Vòng thi phải kết thúc sau khi bắt đầu"),
    ({"title": "   "}, "Mục này không được để trống"),
    ({"languages": []}, "Hãy chọn ít nhất một ngôn ngữ lập trình"),
    ({"languages": ["cobol"]}, "“cobol” không phải là lựa chọn hợp lệ"),
    ({"freeze_minutes": "-5"}, "Số phải nằm trong khoảng 0 đến 600"),
    ({"starts_at": "ngày mai"}, "Mục này không được để trống"),
])
def test_bad_input_is_refused_with_the_reason_and_nothing_changes(client, login, cw, db, over, message):
    rnd = cw["round"]
    before = (rnd.title, list(rnd.languages), rnd.freeze_minutes, rnd.ends_at)
    login("organiser")
    r = _edit(client, rnd, **over)
    assert r.status_code == 200 and message in r.get_data(as_text=True)
    after = _round(db, rnd)
    assert (after.title, list(after.languages), after.freeze_minutes, after.ends_at) == before


def test_the_scoring_is_fixed_once_anyone_took_part(client, login, cw, db, frozen_clock):
    rnd = cw["round"]
    login("organiser")
    assert "Đã lưu vòng thi." in _edit(client, rnd, scoring="icpc").get_data(as_text=True)
    assert _round(db, rnd).scoring == "icpc"
    record(frozen_clock, cw["alice"], cw["problem"], START + timedelta(minutes=70), "AC")
    frozen_clock.freeze(START + timedelta(minutes=80))
    r = _edit(client, _round(db, rnd), scoring="ioi")
    assert "không đổi được cách tính điểm" in r.get_data(as_text=True) and _round(db, rnd).scoring == "icpc"
    page = client.get(f"/contests/rounds/{rnd.id}/edit").get_data(as_text=True)
    assert "Đã có thí sinh tham gia" in page
    # the languages still may change (a contestant asked for Pascal to be added)
    assert "Đã lưu vòng thi." in _edit(client, _round(db, rnd), scoring="icpc",
                                       languages=["cpp17", "pascal"]).get_data(as_text=True)
    assert _round(db, rnd).languages == ["cpp17", "pascal"]


def test_a_shorter_freeze_recomputes_the_public_board(client, login, db, frozen_clock):
    """ICPC, frozen the last hour: alice's AC at 09:30 shows as pending on the public board until the
    organiser shortens the freeze to 15 minutes; then it counts."""
    world = contest_world(db, scoring="icpc", freeze_minutes=60)
    record(frozen_clock, world["alice"], world["problem"], START + timedelta(hours=2, minutes=30), "AC")
    frozen_clock.freeze(START + timedelta(hours=2, minutes=40))
    row = next(r for r in board(client, world["contest"].id)["rows"] if r["name"] == "Nguyễn Thị An")
    assert row["total"] == 0
    login("organiser")
    assert "Đã lưu vòng thi." in _edit(client, world["round"], scoring="icpc", freeze_minutes="15") \
        .get_data(as_text=True)
    client.post("/logout")
    row = next(r for r in board(client, world["contest"].id)["rows"] if r["name"] == "Nguyễn Thị An")
    assert row["total"] == 1


def test_a_quiz_round_s_quiz_follows_its_window_running_attempts_included(client, login, db, frozen_clock):
    from contests import services
    from exams.delivery.models import Exam, ExamAttempt
    from tests.exams_delivery_helpers import make_bank
    from tinhoc import clock
    from tinhoc.access import SYSTEM
    world = contest_world(db)
    categories = make_bank(extra_single=6)
    quiz = services.add_round(SYSTEM, world["division"], title="Trắc nghiệm", kind="quiz",
                              starts_at=START, ends_at=START + timedelta(hours=2))
    login("organiser")
    assert client.post(f"/contests/rounds/{quiz.id}/quiz", data={"category": categories["theory"], "count": 5,
                                                                 "minutes": 120, "points": 10}).status_code == 302
    login("alice")                                   # 08:00: 120 minutes, cut at the round's end (09:00)
    assert client.post(f"/contests/rounds/{quiz.id}/quiz/start").status_code == 302
    attempt = db.session.scalar(select(ExamAttempt).where(ExamAttempt.user_id == world["alice"].id))
    assert clock.as_utc(attempt.deadline_at) == START + timedelta(hours=2)
    login("organiser")
    form = client.get(f"/contests/rounds/{quiz.id}/edit").get_data(as_text=True)
    assert 'name="languages"' not in form and 'name="freeze_minutes"' not in form
    r = _edit(client, _round(db, quiz), ends_at=_local(START + timedelta(hours=2, minutes=45)))
    assert "Đã lưu vòng thi." in r.get_data(as_text=True)
    db.session.expire_all()
    exam = db.session.get(Exam, _round(db, quiz).quiz_exam_id)
    assert clock.as_utc(exam.closes_at) == START + timedelta(hours=2, minutes=45)
    assert clock.as_utc(db.session.get(ExamAttempt, attempt.id).deadline_at) == START + timedelta(hours=2, minutes=45)
    # shortened: the running attempt ends at the new end
    _edit(client, _round(db, quiz), ends_at=_local(START + timedelta(hours=1, minutes=30)))
    db.session.expire_all()
    assert clock.as_utc(db.session.get(ExamAttempt, attempt.id).deadline_at) == START + timedelta(hours=1, minutes=30)


def test_only_the_contest_s_managers_edit_it_and_the_page_speaks_english(client, login, cw, db):
    rnd = cw["round"]
    login("district")                # organiser of one district: the province contest is not theirs
    assert client.get(f"/contests/rounds/{rnd.id}/edit").status_code == 404
    assert client.post(f"/contests/rounds/{rnd.id}/edit", data=_form(rnd, title="x")).status_code == 404
    login("alice")
    assert client.get(f"/contests/rounds/{rnd.id}/edit").status_code == 403
    assert 'id="edit-round"' not in client.get(f"/contests/rounds/{rnd.id}").get_data(as_text=True)
    login("organiser")
    page = client.get(f"/contests/rounds/{rnd.id}/edit?lang=en").get_data(as_text=True)
    assert "Edit round" in page and "Sửa vòng thi" not in page
    assert _round(db, rnd).title == "Vòng tỉnh"
