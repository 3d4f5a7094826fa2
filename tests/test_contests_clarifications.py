"""Clarifications (private or broadcast answers) and announcements."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.contest_helpers import contest_world


@pytest.fixture
def cw(db, frozen_clock):
    return contest_world(db)


def _ask(client, cw, text="Dữ liệu có số âm không?"):
    return client.post(f"/contests/rounds/{cw['round'].id}/clarifications",
                       data={"text": text, "problem": cw["problem"].id})


def _clar(db):
    from contests.models import Clarification
    return db.session.scalar(select(Clarification))


def test_question_private_answer_then_broadcast(client, login, cw, db):
    login("alice")
    assert _ask(client, cw).status_code == 302
    clar = _clar(db)
    assert clar.entry_id == cw["entry_a"].id and clar.problem_id == cw["problem"].id
    client.post("/logout")
    login("bob")
    assert "Dữ liệu có số âm" not in client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)
    assert client.post(f"/contests/clarifications/{clar.id}/answer", data={"text": "x"}).status_code == 403
    client.post("/logout")
    login("organiser")
    page = client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)
    assert "Dữ liệu có số âm" in page
    client.post(f"/contests/clarifications/{clar.id}/answer", data={"text": "Có, |a| ≤ 10^9."})
    client.post("/logout")
    login("alice")
    assert "Có, |a| ≤ 10^9." in client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)
    client.post("/logout")
    login("bob")
    assert "Có, |a| ≤ 10^9." not in client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)
    client.post("/logout")
    login("organiser")
    client.post(f"/contests/clarifications/{clar.id}/answer", data={"text": "Có, |a| ≤ 10^9.", "broadcast": "1"})
    client.post("/logout")
    login("bob")
    page = client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)
    assert "Dữ liệu có số âm" in page and "gửi mọi thí sinh" in page


def test_refusals(client, login, cw, db, frozen_clock):
    from contests.models import Clarification
    login("alice")
    r = _ask(client, cw, text="   ")
    assert "Hãy ghi nội dung" in client.get(r.headers["Location"]).get_data(as_text=True)
    frozen_clock.advance(timedelta(hours=3))
    r = _ask(client, cw)
    assert "Vòng thi đã kết thúc" in client.get(r.headers["Location"]).get_data(as_text=True)
    client.post("/logout")
    login("carol")   # not approved
    assert _ask(client, cw).status_code == 404
    assert db.session.scalar(select(func.count(Clarification.id))) == 0


def test_announcement_reaches_every_contestant_and_is_escaped(client, login, cw, db):
    login("organiser")
    client.post(f"/contests/rounds/{cw['round'].id}/announcements",
                data={"text": "Bài A đã sửa test 3 <script>x</script>"})
    client.post("/logout")
    login("bob")
    page = client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)
    assert "Bài A đã sửa test 3 &lt;script&gt;" in page and "<script>x</script>" not in page
    client.post("/logout")
    login("district")   # an organiser elsewhere
    assert client.post(f"/contests/rounds/{cw['round'].id}/announcements", data={"text": "x"}).status_code == 404
