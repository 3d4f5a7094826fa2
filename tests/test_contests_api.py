"""The JSON API: session or personal token auth (token stored hashed, CSRF only for sessions)."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import func, select

from tests.contest_helpers import contest_world, cw, fresh_board_cache, judge_result  # noqa: F401 (fixtures)

SRC = "print(sum(map(int, input().split())))\n"


def _token(client, login, user) -> str:
    login(user)
    page = client.post("/contests/token").get_data(as_text=True)
    client.post("/logout")
    return page.split('<code id="api-token">')[1].split("<")[0]


def test_token_is_stored_hashed_and_replaced(client, login, cw, db):
    from contests.models import ApiToken
    token = _token(client, login, "alice")
    rows = db.session.scalars(select(ApiToken)).all()
    assert len(rows) == 1 and rows[0].token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(rows[0].__dict__)
    second = _token(client, login, "alice")
    assert second != token and db.session.scalar(select(func.count(ApiToken.id))) == 1
    r = client.get("/api/submissions/1", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401   # the old token no longer works


def test_submit_and_poll_with_a_token_without_csrf(client, login, cw, db, app):
    token = _token(client, login, "alice")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        r = client.post(f"/api/contests/{cw['contest'].id}/submissions",
                        json={"problem_id": cw["problem"].id, "language": "python3", "source": SRC},
                        headers={"Authorization": f"Bearer {token}"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert r.status_code == 201, r.get_data(as_text=True)
    sub_id = r.get_json()["id"]
    from contests import judging
    judging.store_result(sub_id, judge_result("WA", 0.0))
    got = client.get(f"/api/submissions/{sub_id}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert got["verdict"] == "WA" and "expected 3" not in str(got)


def test_session_post_needs_its_csrf_token(client, login, cw, db, app):
    from contests.models import Submission
    login("alice")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        r = client.post(f"/api/contests/{cw['contest'].id}/submissions",
                        json={"problem_id": cw["problem"].id, "language": "python3", "source": SRC})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert r.status_code == 400
    assert db.session.scalar(select(func.count(Submission.id))) == 0


def test_api_refusals(client, login, cw, db, frozen_clock):
    from contests.models import Submission
    url = f"/api/contests/{cw['contest'].id}/submissions"
    body = {"problem_id": cw["problem"].id, "language": "python3", "source": SRC}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers={"Authorization": "Bearer nope"}).status_code == 401
    token = _token(client, login, "alice")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.post(url, json={"language": "python3"}, headers=auth).status_code == 400
    assert client.post(url, json={**body, "language": "scratch3"}, headers=auth).status_code == 400
    assert client.post(f"/api/contests/{cw['contest'].id + 1}/submissions", json=body,
                       headers=auth).status_code == 404
    frozen_clock.advance(timedelta(hours=5))
    late = client.post(url, json=body, headers=auth)
    assert late.status_code == 409 and "nộp muộn" in late.get_json()["error"]
    assert db.session.scalar(select(func.count(Submission.id))) == 0


def test_token_of_another_contestant_cannot_read_my_submission(client, login, cw, db):
    from contests import judging
    from tinhoc.access import load_actor
    sub = judging.submit(load_actor(cw["alice"].id), cw["problem"].id, "python3", SRC)
    bob = _token(client, login, "bob")
    assert client.get(f"/api/submissions/{sub.id}", headers={"Authorization": f"Bearer {bob}"}).status_code == 404
    organiser = _token(client, login, "organiser")
    got = client.get(f"/api/submissions/{sub.id}", headers={"Authorization": f"Bearer {organiser}"})
    assert got.status_code == 200 and got.get_json()["status"] == "queued"


def test_scoreboard_with_an_organiser_token_is_live(client, login, db, frozen_clock):
    from contests import judging
    from tinhoc.access import load_actor
    cw = contest_world(db, freeze_minutes=60)
    frozen_clock.advance(timedelta(hours=1, minutes=30))   # 09:30, frozen since 09:00
    sub = judging.submit(load_actor(cw["alice"].id), cw["problem"].id, "python3", SRC)
    judging.store_result(sub.id, judge_result("AC"))
    organiser = _token(client, login, "organiser")
    live = client.get(f"/api/contests/{cw['contest'].id}/scoreboard",
                      headers={"Authorization": f"Bearer {organiser}"}).get_json()
    public = client.get(f"/api/contests/{cw['contest'].id}/scoreboard").get_json()
    assert live["live"] is True and live["boards"][0]["rows"][0]["total"] == 100.0
    assert public["live"] is False and all(r["total"] == 0 for r in public["boards"][0]["rows"])
    assert public["boards"][0]["rows"][0]["cells"][0]["pending"] == 1
