"""The attempt: start once, answers saved in order, nothing saved after the deadline, every type
auto-marked, someone else's attempt invisible, the save endpoint cheap."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from tests.conftest import TEST_PASSWORD
from tests.exams_delivery_helpers import RIGHT, make_bank, make_exam, shown


@pytest.fixture
def exam_world(db, staff_setup, make_person, make_user, frozen_clock):
    person = make_person("CB-T1", staff_setup["commune"])
    candidate = make_user("thisinh", roles=["learner"], person_id=person.id)
    outsider_person = make_person("CB-T2", staff_setup["department"])
    outsider = make_user("ngoai", roles=["learner"], person_id=outsider_person.id)
    categories = make_bank()
    exam, theory, practical = make_exam(staff_setup["district"].id, categories)
    return {"candidate": candidate, "outsider": outsider, "exam": exam, "theory": theory, "practical": practical,
            "categories": categories}


def _start(client, part_id) -> int:
    response = client.post(f"/exams/parts/{part_id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _attempt(db, attempt_id):
    from exams.delivery.models import ExamAttempt
    db.session.expire_all()
    return db.session.get(ExamAttempt, attempt_id)


def test_two_starts_give_one_attempt_and_the_page_shows_every_question(client, login, db, exam_world):
    from exams.delivery.models import ExamAttempt
    login("thisinh")
    first = _start(client, exam_world["theory"].id)
    assert _start(client, exam_world["theory"].id) == first
    assert db.session.scalar(select(func.count(ExamAttempt.id))) == 1
    page = client.get(f"/exams/attempts/{first}").get_data(as_text=True)
    attempt = _attempt(db, first)
    assert len(attempt.items) == 7
    assert page.count('class="card mb-3 attempt-item"') == 7
    assert 'data-remaining="1800"' in page
    assert "js/attempt.js" in page and 'id="nav-grid"' in page
    assert all(v.version.used for v in [i for i in attempt.items])


def test_saves_are_ordered_and_idempotent_and_the_page_shows_them(client, login, db, exam_world):
    login("thisinh")
    attempt_id = _start(client, exam_world["theory"].id)
    attempt = _attempt(db, attempt_id)
    short = next(i for i in attempt.items if i.version.type == "shortanswer")
    url = f"/exams/attempts/{attempt_id}/answers"
    ok = client.post(url, json={"seq": 5, "answers": [{"item": short.id, "response": "mới", "flagged": True}]})
    assert ok.status_code == 200 and ok.json["seq"] == 5 and ok.json["saved_at"] == "15:00:00"
    stale = client.post(url, json={"seq": 3, "answers": [{"item": short.id, "response": "cũ", "flagged": False}]})
    assert stale.status_code == 200 and stale.json["stale"] == [short.id]
    again = client.post(url, json={"seq": 5, "answers": [{"item": short.id, "response": "lặp", "flagged": False}]})
    assert again.json["stale"] == [short.id]
    item = _attempt(db, attempt_id).items[short.position - 1]
    assert (item.response, item.flagged, item.saved_seq) == ("mới", True, 5)
    assert _attempt(db, attempt_id).last_seq == 5
    page = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    saved = json.loads(page.split('id="saved-answers">')[1].split("</script>")[0])
    assert saved[str(short.id)] == {"response": "mới", "flagged": True} and 'data-last-seq="5"' in page


def test_late_save_refused_and_earlier_answers_kept(client, login, db, exam_world, frozen_clock):
    login("thisinh")
    attempt_id = _start(client, exam_world["theory"].id)
    item = _attempt(db, attempt_id).items[0]
    url = f"/exams/attempts/{attempt_id}/answers"
    assert client.post(url, json={"seq": 1, "answers": [{"item": item.id, "response": 0}]}).status_code == 200
    kept = _attempt(db, attempt_id).items[0].response
    assert kept is not None
    frozen_clock.advance(timedelta(minutes=29, seconds=59))
    assert client.get(f"/exams/attempts/{attempt_id}/clock").json["remaining"] == 1
    frozen_clock.advance(timedelta(seconds=5))
    late = client.post(url, json={"seq": 2, "answers": [{"item": item.id, "response": 1}]})
    assert late.status_code == 409 and "hết giờ" in late.json["error"] and late.json["closed"] is True
    attempt = _attempt(db, attempt_id)
    assert attempt.state == "closed" and attempt.items[0].response == kept and attempt.items[0].saved_seq == 1
    assert attempt.finished_at == attempt.deadline_at and attempt.auto_points is not None
    clock = client.get(f"/exams/attempts/{attempt_id}/clock").json
    assert (clock["remaining"], clock["state"], clock["last_seq"]) == (0, "closed", 1)
    assert client.get(f"/exams/attempts/{attempt_id}").status_code == 302   # finished: back to my exams


def test_save_inside_the_grace_after_the_deadline_is_kept(client, login, db, exam_world, frozen_clock):
    login("thisinh")
    attempt_id = _start(client, exam_world["theory"].id)
    item = _attempt(db, attempt_id).items[0]
    frozen_clock.advance(timedelta(minutes=30, seconds=1))   # sent in the last second, arrived one second late
    assert client.post(f"/exams/attempts/{attempt_id}/answers",
                       json={"seq": 1, "answers": [{"item": item.id, "response": 0}]}).status_code == 200


def test_a_stale_csrf_token_is_told_apart_and_the_clock_gives_a_fresh_one(app, client, login, db, exam_world):
    """After a login in another tab the page's token is stale: the save is refused as JSON saying so
    (the page then takes a fresh token from the clock and sends again), and nothing is lost."""
    login("thisinh")
    attempt_id = _start(client, exam_world["theory"].id)
    item = _attempt(db, attempt_id).items[0]
    url = f"/exams/attempts/{attempt_id}/answers"
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        stale = client.post(url, json={"seq": 1, "answers": [{"item": item.id, "response": 0}]},
                            headers={"X-CSRFToken": "a-token-of-an-older-session", "Accept": "application/json"})
        assert stale.status_code == 400 and stale.json["csrf"] is True and stale.json["error"]
        token = client.get(f"/exams/attempts/{attempt_id}/clock").json["csrf"]
        fresh = client.post(url, json={"seq": 1, "answers": [{"item": item.id, "response": 0}]},
                            headers={"X-CSRFToken": token, "Accept": "application/json"})
        assert fresh.status_code == 200
        form = client.post(f"/exams/attempts/{attempt_id}/submit")     # a plain form still gets the page
        assert form.status_code == 400 and "text/html" in form.content_type
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _attempt(db, attempt_id).items[0].saved_seq == 1 and _attempt(db, attempt_id).state == "open"


def test_someone_elses_attempt_does_not_exist(client, login, db, exam_world, make_user):
    from exams.delivery import services
    attempt = services.start_attempt(exam_world["candidate"].id, exam_world["theory"].id)
    item_id = attempt.items[0].id
    login("ngoai")
    base = f"/exams/attempts/{attempt.id}"
    assert client.get(base).status_code == 404
    assert client.get(base + "/clock").status_code == 404
    assert client.get(base + "/submit").status_code == 404
    assert client.post(base + "/submit").status_code == 404
    assert client.post(base + "/answers", json={"seq": 1, "answers": [{"item": item_id, "response": 1}]}).status_code == 404
    assert client.post(f"{base}/items/{item_id}/file", data={}).status_code == 404
    assert _attempt(db, attempt.id).items[0].response is None
    # and an item of another attempt cannot be written through one's own attempt
    login_other = services.start_attempt(exam_world["outsider"].id, exam_world["practical"].id)
    bad = client.post(f"/exams/attempts/{login_other.id}/answers",
                      json={"seq": 1, "answers": [{"item": item_id, "response": 1}]})
    assert bad.status_code == 400
    assert _attempt(db, login_other.id).last_seq == 0      # a refused save leaves no trace on the attempt


def test_outsider_cannot_start_and_bad_saves_are_refused_clearly(client, app, login, db, exam_world):
    login("ngoai")
    assert client.post(f"/exams/parts/{exam_world['theory'].id}/start").status_code == 404
    assert "Kỳ thi thử" not in client.get("/exams/mine").get_data(as_text=True)
    client = app.test_client()
    assert client.post("/login", data={"username": "thisinh", "password": TEST_PASSWORD}).status_code == 302
    attempt_id = _start(client, exam_world["theory"].id)
    item = _attempt(db, attempt_id).items[0]
    url = f"/exams/attempts/{attempt_id}/answers"
    assert client.post(url, data="not json").status_code == 400
    for body in ({"seq": "x", "answers": []}, {"seq": 1, "answers": [{"item": item.id, "response": {"a": 1}}]},
                 {"seq": 1, "answers": [{"item": item.id, "response": "x" * 20_001}]}):
        response = client.post(url, json=body)
        assert response.status_code == 400 and response.json["error"]
    attempt = _attempt(db, attempt_id)
    assert attempt.items[0].response is None and attempt.last_seq == 0 and attempt.last_saved_at is None


def test_every_question_type_is_saved_and_auto_marked(client, login, db, exam_world):
    login("thisinh")
    attempt_id = _start(client, exam_world["theory"].id)
    attempt = _attempt(db, attempt_id)
    answers = [{"item": i.id, "response": shown(i, RIGHT[i.version.type]) if i.version.type in RIGHT else "Bài luận",
                "flagged": False} for i in attempt.items]
    assert client.post(f"/exams/attempts/{attempt_id}/answers", json={"seq": 1, "answers": answers}).status_code == 200
    confirm = client.get(f"/exams/attempts/{attempt_id}/submit").get_data(as_text=True)
    assert "7 / 7" in confirm
    assert client.post(f"/exams/attempts/{attempt_id}/submit").status_code == 302
    attempt = _attempt(db, attempt_id)
    assert attempt.state == "submitted"
    by_type = {i.version.type: i for i in attempt.items}
    assert by_type["single"].response == 0 and by_type["multiple"].response == [0, 1]
    for type_ in RIGHT:
        assert by_type[type_].auto_fraction == 1.0, type_
    essay = by_type["essay"]
    assert essay.needs_manual and essay.auto_fraction is None and essay.response == "Bài luận"
    assert attempt.points is None and attempt.passed is None          # the essay waits for a grader
    assert attempt.auto_points == pytest.approx(10 * 6 / 7, abs=1e-3)
    from exams.delivery.services import recompute_attempt
    essay.manual_fraction = 0.5
    recompute_attempt(attempt)
    assert attempt.points == pytest.approx(10 * 6.5 / 7, abs=1e-3) and attempt.passed is True
    assert attempt.manual_points == pytest.approx(10 * 0.5 / 7, abs=1e-3)
    # one attempt allowed: starting again is refused with the reason
    again = client.post(f"/exams/parts/{exam_world['theory'].id}/start", follow_redirects=True)
    assert "hết số lần" in again.get_data(as_text=True)


def test_wrong_answers_score_nothing_and_fail(client, login, db, exam_world):
    from exams.delivery import services
    attempt = services.start_attempt(exam_world["candidate"].id, exam_world["theory"].id)
    single = next(i for i in attempt.items if i.version.type == "single")
    services.save_answers(exam_world["candidate"].id, attempt.id, 1,
                          [{"item": single.id, "response": shown(single, 2)}])
    services.finish_attempt(attempt, "submitted")
    assert single.auto_fraction == 0.0 and single.response == 2 and attempt.auto_points == 0


def test_a_start_racing_another_tab_gets_the_same_attempt(db, exam_world, monkeypatch):
    from exams.delivery import services
    from exams.delivery.models import AttemptItem, ExamAttempt
    first = services.start_attempt(exam_world["candidate"].id, exam_world["theory"].id)
    first_id, items = first.id, len(first.items)
    monkeypatch.setattr(services, "_latest", lambda part_id, user_id: None)   # the other tab did not see it yet
    second = services.start_attempt(exam_world["candidate"].id, exam_world["theory"].id)
    assert second.id == first_id
    assert db.session.scalar(select(func.count()).select_from(ExamAttempt)) == 1
    assert db.session.scalar(select(func.count()).select_from(AttemptItem)) == items


def test_the_same_seed_gives_the_same_form(db, exam_world):
    from exams.delivery import forms_drawing, services
    part = exam_world["theory"]
    attempt = services.start_attempt(exam_world["candidate"].id, part.id)
    forms_drawing.clear_cache()
    again = forms_drawing.draw(part, attempt.seed, forms_drawing.pools_for(part), shuffle_questions=True,
                               shuffle_options=True)
    assert [(d.version_id, d.option_order) for d in again] == \
        [(i.question_version_id, i.option_order) for i in attempt.items]
    other = forms_drawing.draw(part, attempt.seed + 1, forms_drawing.pools_for(part), shuffle_questions=True,
                               shuffle_options=True)
    assert sorted(d.version_id for d in other) == sorted(d.version_id for d in again)
    assert sum(d.points for d in again) == pytest.approx(10.0)


def test_pools_are_computed_once_per_part(db, exam_world, make_user, make_person, staff_setup):
    from exams.delivery import forms_drawing, services
    part = exam_world["theory"]
    forms_drawing.clear_cache()
    statements = []
    engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        for n in range(5):
            person = make_person(f"CB-W{n}", staff_setup["commune"])
            user = make_user(f"wave{n}", person_id=person.id)
            services.start_attempt(user.id, part.id)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    bank_scans = [s for s in statements if "question_category" in s and "question_version" in s]
    assert len(bank_scans) == 1, bank_scans


def _statements_of(db, request):
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = request()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return response, statements


def test_the_save_endpoint_is_a_few_queries_and_writes_no_session(client, login, db, exam_world):
    login("thisinh")
    attempt_id = _start(client, exam_world["theory"].id)
    items = _attempt(db, attempt_id).items
    url = f"/exams/attempts/{attempt_id}/answers"
    response, first = _statements_of(db, lambda: client.post(url, json={"seq": 1, "answers": [
        {"item": items[0].id, "response": 1}, {"item": items[1].id, "response": "x"}]}))
    assert response.status_code == 200 and response.json["stale"] == []
    assert "Set-Cookie" not in response.headers
    # no user row loaded: the attempt row updated first, only if the session still holds (its row
    # lock: two tabs' saves are applied in turn); the items' option orders, read once per attempt and
    # process; both items written at once; which of them a newer save had written. No grants, no
    # tree, no person, no question.
    kinds = [s.lstrip().split(None, 1)[0].upper() for s in first]
    assert kinds == ["UPDATE", "SELECT", "UPDATE", "SELECT"], first
    assert "exam_attempt" in first[0] and "session_version" in first[0] and "attempt_item" in first[2], first
    touched = re.compile(r"\b(FROM|JOIN)\s+\"?(role_grant|role|organisation|person|question_version)\b", re.I)
    assert not any(touched.search(s) for s in first), first
    # every later save of one answer: the attempt (with the session check) and the answer; on
    # PostgreSQL both in one statement (data-modifying CTEs, in autocommit: one round trip)
    one = db.engine.dialect.name == "postgresql"
    response, later = _statements_of(db, lambda: client.post(url, json={"seq": 2, "answers": [
        {"item": items[2].id, "response": 0}]}))
    assert response.status_code == 200 and response.json["stale"] == []
    kinds = [s.lstrip().split(None, 1)[0].upper() for s in later]
    assert kinds == (["WITH"] if one else ["UPDATE", "UPDATE"]), later
    if one:
        assert "UPDATE exam_attempt" in later[0] and "UPDATE attempt_item" in later[0] and "session_version" in later[0]
    response, stale = _statements_of(db, lambda: client.post(url, json={"seq": 1, "answers": [
        {"item": items[2].id, "response": 1}]}))
    assert response.json["stale"] == [items[2].id] and len(stale) == len(kinds)
    assert _attempt(db, attempt_id).items[2].response is not None and _attempt(db, attempt_id).last_seq == 2


@pytest.mark.parametrize("ended", ["logged_out", "deactivated", "password_reset", "temporary_password"])
def test_a_save_on_a_session_that_ended_is_refused_and_writes_nothing(client, login, db, exam_world, ended):
    """The save endpoint checks the session in its own statement: everything Flask-Login's user
    loader and the password-change hook refuse, it refuses too, and nothing of the save is kept."""
    from tinhoc.accounts.models import User
    login("thisinh")
    attempt_id = _start(client, exam_world["theory"].id)
    item = _attempt(db, attempt_id).items[0]
    url = f"/exams/attempts/{attempt_id}/answers"
    assert client.post(url, json={"seq": 1, "answers": [{"item": item.id, "response": "đầu"}]}).status_code == 200
    user = db.session.scalar(select(User).where(User.username == "thisinh"))
    if ended == "logged_out":
        user.session_version += 1          # as logging out in another tab does
    elif ended == "deactivated":
        user.active = False
    elif ended == "password_reset":
        user.session_version += 1
        user.must_change_password = True
    else:
        user.must_change_password = True
    db.session.commit()
    saved_at = _attempt(db, attempt_id).last_saved_at
    r = client.post(url, json={"seq": 2, "answers": [{"item": item.id, "response": "sau"}]})
    assert r.status_code == 302
    assert ("/password" in r.location) == (ended == "temporary_password") and ("/login" in r.location) != (ended == "temporary_password")
    db.session.expire_all()
    attempt = _attempt(db, attempt_id)
    assert attempt.items[0].response == "đầu" and attempt.last_seq == 1 and attempt.last_saved_at == saved_at


def test_a_stale_cached_option_order_is_never_used(client, login, db, exam_world):
    """The option orders a process keeps are tied to the attempt's seed: if they belonged to another
    attempt with the same id, the answer is not written through them but read again and written."""
    from exams.delivery import saving
    login("thisinh")
    attempt_id = _start(client, exam_world["theory"].id)
    attempt = _attempt(db, attempt_id)
    single = next(i for i in attempt.items if i.option_order and len(set(i.option_order)) > 1)
    url = f"/exams/attempts/{attempt_id}/answers"
    assert client.post(url, json={"seq": 1, "answers": [{"item": single.id, "response": 0}]}).status_code == 200
    seed, orders = saving.option_orders.peek(attempt_id)
    wrong = {**orders, single.id: list(reversed(orders[single.id]))}
    saving.option_orders.entries[attempt_id] = (seed + 1, wrong)
    assert client.post(url, json={"seq": 2, "answers": [{"item": single.id, "response": 0}]}).status_code == 200
    db.session.expire_all()
    assert db.session.get(type(single), single.id).response == orders[single.id][0]
    assert saving.option_orders.peek(attempt_id)[0] == seed


def test_an_anonymous_save_goes_to_the_login_page(app, db, exam_world):
    r = app.test_client().post("/exams/attempts/1/answers", json={"seq": 1, "answers": []})
    assert r.status_code == 302 and "/login" in r.location


def test_saves_use_each_attempts_own_option_order(client, login, db, exam_world):
    """Options are shown shuffled per candidate; a save maps the shown position back through that
    attempt's order (kept per process), never another attempt's."""
    from exams.delivery import saving
    login("thisinh")
    attempt_id = _start(client, exam_world["theory"].id)
    attempt = _attempt(db, attempt_id)
    single = next(i for i in attempt.items if i.option_order and len(set(i.option_order)) > 1)
    key, shown_order = (attempt_id, attempt.seed), list(single.option_order)
    for shown, stored in enumerate(shown_order):
        seq = shown + 1
        assert client.post(f"/exams/attempts/{attempt_id}/answers",
                           json={"seq": seq, "answers": [{"item": single.id, "response": shown}]}).status_code == 200
        db.session.expire_all()
        assert db.session.get(type(single), single.id).response == stored
    # cached per (attempt, seed): the same id with another seed (an id reused after a delete on
    # SQLite) is read again, never served another attempt's orders
    orders, cached = _statements_of(db, lambda: saving.option_orders.get(*key))
    assert orders[single.id] == shown_order and cached == []
    _orders, reread = _statements_of(db, lambda: saving.option_orders.get(key[0], key[1] + 1))
    assert len(reread) == 1


def test_close_expired_closes_and_marks(app, db, exam_world, frozen_clock):
    from exams.delivery import services
    attempt = services.start_attempt(exam_world["candidate"].id, exam_world["theory"].id)
    assert services.close_expired() == 0
    frozen_clock.advance(timedelta(minutes=31))
    result = app.test_cli_runner().invoke(args=["tinhoc", "close-expired-attempts"])
    assert result.exit_code == 0 and "closed 1 attempt" in result.output
    attempt = _attempt(db, attempt.id)
    assert attempt.state == "closed" and attempt.auto_points == 0.0


def test_deadline_is_capped_by_the_window_and_no_start_outside_it(db, exam_world, frozen_clock):
    from exams.delivery import services
    from exams.delivery.errors import NotAllowed
    exam = exam_world["exam"]
    exam.closes_at = frozen_clock.now() + timedelta(minutes=10)
    db.session.commit()
    attempt = services.start_attempt(exam_world["candidate"].id, exam_world["theory"].id)
    assert attempt.deadline_at == exam.closes_at
    frozen_clock.advance(timedelta(minutes=11))
    with pytest.raises(NotAllowed):
        services.start_attempt(exam_world["outsider"].id, exam_world["theory"].id)


def test_my_exams_and_the_home_panel(client, login, db, exam_world):
    login("thisinh")
    page = client.get("/exams/mine").get_data(as_text=True)
    assert "Kỳ thi thử" in page and page.count("start-part") == 2
    attempt_id = _start(client, exam_world["theory"].id)
    home = client.get("/").get_data(as_text=True)
    assert 'id="my-exams"' in home and f"/exams/attempts/{attempt_id}" in home
    client.post(f"/exams/attempts/{attempt_id}/submit")
    page = client.get("/exams/mine").get_data(as_text=True)
    assert "Đã nộp" in page and "chờ công bố" in page


def test_a_bank_that_shrank_below_the_blueprint_refuses_the_start_clearly(client, login, db, exam_world):
    from exams import services as bank
    from exams.delivery import forms_drawing
    from exams.models import Question
    from tinhoc.access import SYSTEM
    victim = db.session.scalar(select(Question).where(Question.category_id == exam_world["categories"]["theory"]))
    bank.archive_question(SYSTEM, victim.id)
    forms_drawing.clear_cache()
    login("thisinh")
    response = client.post(f"/exams/parts/{exam_world['theory'].id}/start", follow_redirects=True)
    assert response.status_code == 200 and "không còn đủ câu hỏi" in response.get_data(as_text=True)
