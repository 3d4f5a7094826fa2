"""Rejudge previews are judged off the request: the page says how many will be judged, the preview
follows the count judged, then shows the changes; applying stores exactly them, once. A failure is
said, a dead process's preview is taken up again at start-up, and another scope's preview is a 404."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.contest_helpers import cw, fresh_board_cache, held, judge_result  # noqa: F401 (fixtures)


@pytest.fixture
def judged_wa(cw, db):
    """Alice's submission to problem A, stored as WA; the judge (faked) now says AC."""
    from contests import judging
    from tinhoc.access import load_actor
    sub = judging.submit(load_actor(cw["alice"].id), cw["problem"].id, "cpp17", "int main(){}")
    judging.store_result(sub.id, judge_result("WA", 0.0))
    return sub


@pytest.fixture
def fake_judge(monkeypatch):
    import tinhoc.judge
    calls = []

    def judge(job, progress=None):
        calls.append(job.submission_id)
        return judge_result("AC", 100.0)
    monkeypatch.setattr(tinhoc.judge, "judge", judge)
    return calls


def _plan_url(r) -> str:
    assert r.status_code == 302 and "/contests/rejudge/plans/" in r.headers["Location"], r.status_code
    return r.headers["Location"]


def test_preview_is_judged_off_the_request_then_applied_once(client, login, cw, db, held, judged_wa, fake_judge):
    from contests.models import RejudgePlan, Submission
    login("organiser")
    target = {"kind": "problem", "id": cw["problem"].id}
    page = client.get("/contests/rejudge", query_string=target).get_data(as_text=True)
    assert "1 bài nộp sẽ được chấm lại" in page and "Chấm lại và xem trước" in page
    assert db.session.scalar(select(RejudgePlan.id)) is None          # a GET starts nothing
    url = _plan_url(client.post("/contests/rejudge/start", data=target))
    assert fake_judge == [] and len(held.jobs) == 1                    # nothing judged in the request
    page = client.get(url).get_data(as_text=True)
    assert "Đã chấm lại" in page and 'id="follow"' in page and 'data-state="judging"' in page
    assert client.get(url + "/status").get_json() == {"id": int(url.rsplit("/", 1)[1]), "state": "judging",
                                                      "done": 0, "total": 1}
    held.run_all()
    assert fake_judge == [str(judged_wa.id)]
    status = client.get(url + "/status").get_json()
    assert status["state"] == "ready" and status["done"] == status["total"] == 1
    page = client.get(url).get_data(as_text=True)
    assert "1 bài đổi kết quả" in page and "WA 0.0" in page and "AC 100.0" in page
    db.session.expire_all()
    assert db.session.get(Submission, judged_wa.id).verdict == "WA"     # the preview stored nothing
    token = page.split('name="plan" value="')[1].split('"')[0]
    r = client.post("/contests/rejudge", data={**target, "plan": token})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Submission, judged_wa.id).verdict == "AC"
    assert "Bản xem trước này đã được áp dụng" in client.get(url).get_data(as_text=True)
    r = client.post("/contests/rejudge", data={**target, "plan": token})
    assert "hết hạn" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_a_preview_still_judging_cannot_be_applied(client, login, cw, db, held, judged_wa, fake_judge):
    from contests.models import RejudgePlan, Submission
    login("organiser")
    target = {"kind": "submission", "id": judged_wa.id}
    _plan_url(client.post("/contests/rejudge/start", data=target))
    token = db.session.scalar(select(RejudgePlan.token))
    r = client.post("/contests/rejudge", data={**target, "plan": token})
    assert "hết hạn" in client.get(r.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Submission, judged_wa.id).verdict == "WA"


def test_a_judge_failure_is_said_and_nothing_can_be_applied(client, login, cw, db, judged_wa, monkeypatch):
    import tinhoc.judge

    def broken(job, progress=None):
        raise RuntimeError("judge host unreachable")
    monkeypatch.setattr(tinhoc.judge, "judge", broken)
    login("organiser")
    url = _plan_url(client.post("/contests/rejudge/start", data={"kind": "round", "id": cw["round"].id}))
    page = client.get(url).get_data(as_text=True)
    assert 'id="rejudge-failed"' in page and "judge host unreachable" in page and 'name="plan"' not in page


def test_nothing_to_rejudge_is_a_clear_message(client, login, cw, db):
    login("organiser")
    r = client.post("/contests/rejudge/start", data={"kind": "problem", "id": cw["problem"].id},
                    follow_redirects=True)
    assert "Chưa có bài nộp nào để chấm lại" in r.get_data(as_text=True)


def test_start_up_takes_up_a_preview_a_dead_process_left_once(cw, db, app, judged_wa, fake_judge, frozen_clock):
    from contests import background, rejudge
    from contests.models import RejudgePlan
    from tinhoc.access import load_actor
    app.config["CONTEST_BACKGROUND_VIA"] = "none"
    try:
        with app.test_request_context():
            plan = rejudge.start(load_actor(cw["organiser"].id), rejudge.Target("problem", cw["problem"].id))
        assert background.resume_all(app) == 0                    # just started by a live process
        frozen_clock.advance(timedelta(minutes=5))
        app.config["CONTEST_BACKGROUND_VIA"] = "inline"
        assert background.resume_all(app) == 1
        assert background.resume_all(app) == 0
    finally:
        app.config["CONTEST_BACKGROUND_VIA"] = "inline"
    db.session.expire_all()
    assert db.session.get(RejudgePlan, plan.id).state == "ready" and len(fake_judge) == 1
    assert rejudge.judge_plan(plan.id) == "ready" and len(fake_judge) == 1   # settled: not judged again


def test_another_scope_s_preview_is_404(client, login, cw, db, judged_wa, fake_judge):
    login("organiser")
    url = _plan_url(client.post("/contests/rejudge/start", data={"kind": "round", "id": cw["round"].id}))
    client.post("/logout")
    login("district")
    assert client.get(url).status_code == 404 and client.get(url + "/status").status_code == 404


def test_through_celery_jobs_are_sent_a_few_at_a_time_and_collected_in_order(client, login, cw, db, judged_wa,
                                                                             monkeypatch):
    """No waiting thread per submission, and never a whole round ahead of the contestants in the
    judge's queue: at most CONTEST_REJUDGE_WINDOW jobs sent and not yet collected."""
    from contests import judging
    from tinhoc.judge import worker
    sent = []

    class Pending:
        def __init__(self, job):
            self.job = job

        def get(self, timeout=None):
            return judge_result("AC", 100.0).to_dict()

    collected = []

    def send(job):
        sent.append(job.submission_id)
        assert len(sent) - len(collected) <= 2, "past the window"
        return Pending(job)
    real_get = Pending.get

    def get(self, timeout=None):
        collected.append(self.job.submission_id)
        return real_get(self, timeout)
    Pending.get = get
    from tinhoc.access import load_actor
    second = judging.submit(load_actor(cw["bob"].id), cw["problem"].id, "cpp17", "int main(){}")
    judging.store_result(second.id, judge_result("AC", 100.0))
    more = [judging.submit(load_actor(cw["bob"].id), cw["problem"].id, "cpp17", f"// {i}") for i in range(3)]
    for sub in more:
        judging.store_result(sub.id, judge_result("AC", 100.0))
    monkeypatch.setattr(judging, "judge_via", lambda app: "celery")
    monkeypatch.setattr(worker, "send_celery", send)
    login("organiser")
    url = _plan_url(client.post("/contests/rejudge/start", data={"kind": "round", "id": cw["round"].id}))
    assert sent == collected == [str(judged_wa.id), str(second.id)] + [str(s.id) for s in more]
    page = client.get(url).get_data(as_text=True)
    assert "5 bài nộp đã được chấm lại; 1 bài đổi kết quả" in page


def test_through_the_pool_the_preview_waits_on_its_futures(client, login, cw, db, judged_wa, monkeypatch):
    from concurrent.futures import Future

    from contests import judging
    from tinhoc.judge import worker
    asked = []

    def submit(job, via=None, progress=None):
        asked.append((job.submission_id, via))
        done = Future()
        done.set_result(judge_result("AC", 100.0))
        return done
    monkeypatch.setattr(judging, "judge_via", lambda app: "pool")
    monkeypatch.setattr(worker, "submit", submit)
    login("organiser")
    url = _plan_url(client.post("/contests/rejudge/start", data={"kind": "submission", "id": judged_wa.id}))
    assert asked == [(str(judged_wa.id), "pool")]
    assert "1 bài đổi kết quả" in client.get(url).get_data(as_text=True)


def test_its_page_takes_up_a_preview_whose_process_died(client, login, cw, db, app, judged_wa, fake_judge,
                                                        frozen_clock):
    """A deploy in the middle of a preview: the organiser's page, polling, takes it up once stale."""
    login("organiser")
    app.config["CONTEST_BACKGROUND_VIA"] = "none"          # sent nowhere: as if its process died
    try:
        url = _plan_url(client.post("/contests/rejudge/start", data={"kind": "problem", "id": cw["problem"].id}))
    finally:
        app.config["CONTEST_BACKGROUND_VIA"] = "inline"
    assert client.get(url + "/status").get_json()["state"] == "judging" and fake_judge == []
    frozen_clock.advance(timedelta(seconds=61))
    assert client.get(url + "/status").get_json()["state"] == "ready" and len(fake_judge) == 1
    assert "1 bài đổi kết quả" in client.get(url).get_data(as_text=True)
