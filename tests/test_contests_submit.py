"""Submitting: entry, window (server clock), language, size, rate limit; the row is committed before
'received'; results stored idempotently; contestants never see another's code or hidden messages."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.contest_helpers import cw, fresh_board_cache, judge_result  # noqa: F401 (fixtures)

from contests import recovery

SRC = "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}\n"


def _count(db):
    from contests.models import Submission
    return db.session.scalar(select(func.count(Submission.id)))


def _submit(client, problem_id, source=SRC, language="cpp17", **extra):
    return client.post(f"/contests/problems/{problem_id}/submit",
                       data={"language": language, "source": source, **extra})


def test_contestant_submits_and_the_row_is_queued_before_received(client, login, cw, db):
    from contests.models import Submission
    login("alice")
    r = _submit(client, cw["problem"].id)
    assert r.status_code == 302 and "/contests/submissions/" in r.headers["Location"]
    sub = db.session.scalar(select(Submission))
    assert sub.status == "queued" and sub.entry_id == cw["entry_a"].id and sub.source == SRC
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert f"#{sub.id}" in page and "Đang chờ chấm" in page
    status = client.get(f"/contests/submissions/{sub.id}/status").get_json()
    assert status["status"] == "queued" and status["done"] is False


def test_source_is_kept_byte_for_byte(client, login, cw, db):
    from contests.models import Submission
    login("alice")
    src = "a  =  1\n\tb = 2   \nprint( a+b )\n"
    _submit(client, cw["problem"].id, source=src, language="python3")
    assert db.session.scalar(select(Submission.source)) == src


def test_late_submission_refused_with_message_and_nothing_stored(client, login, cw, db, frozen_clock):
    login("alice")
    frozen_clock.advance(timedelta(hours=3))   # 11:00, the round ended at 10:00
    r = _submit(client, cw["problem"].id)
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Vòng thi đã kết thúc" in page and "nộp muộn" in page
    assert _count(db) == 0


def test_early_submission_refused(client, login, cw, db, frozen_clock):
    login("alice")
    frozen_clock.advance(timedelta(hours=-2))   # 06:00, before the start
    # before the start a contestant cannot even open the problem
    assert client.get(f"/contests/problems/{cw['problem'].id}").status_code == 404
    assert _submit(client, cw["problem"].id).status_code == 404
    assert _count(db) == 0


def test_language_outside_the_round_refused(client, login, cw, db):
    login("alice")
    r = _submit(client, cw["problem"].id, language="scratch3")
    assert r.status_code == 302
    assert "Hãy chọn ngôn ngữ" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert _count(db) == 0


def test_empty_and_oversized_source_refused(client, login, cw, db):
    login("alice")
    r = _submit(client, cw["problem"].id, source="   \n")
    assert "Mã nguồn trống" in client.get(r.headers["Location"]).get_data(as_text=True)
    r = _submit(client, cw["problem"].id, source="x" * (64 * 1024 + 1))
    assert "dài quá" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert _count(db) == 0


def test_file_upload_submits_its_content(client, login, cw, db):
    import io

    from contests.models import Submission
    login("alice")
    r = client.post(f"/contests/problems/{cw['problem'].id}/submit",
                    data={"language": "cpp17", "source": "", "file": (io.BytesIO(SRC.encode()), "a.cpp")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    assert db.session.scalar(select(Submission.source)) == SRC


def test_pending_entry_and_outsider_cannot_submit(client, login, cw, db, make_user):
    login("carol")   # registered, not approved yet
    assert client.get(f"/contests/problems/{cw['problem'].id}").status_code == 404
    assert _submit(client, cw["problem"].id).status_code == 404
    client.post("/logout")
    login("learner")
    assert _submit(client, cw["problem"].id).status_code == 404
    assert _count(db) == 0


def test_rate_limit_per_contestant(client, login, cw, db, app):
    app.config["CONTEST_SUBMIT_LIMIT"] = "2 per minute"
    try:
        login("alice")
        assert _submit(client, cw["problem"].id).status_code == 302
        assert _submit(client, cw["problem"].id).status_code == 302
        assert _submit(client, cw["problem"].id).status_code == 429
        assert _count(db) == 2
    finally:
        app.config["CONTEST_SUBMIT_LIMIT"] = "6 per minute"


def _stored(db, cw, result, user="alice"):
    from contests import judging
    from contests.models import Submission
    from tinhoc.access import load_actor
    from tinhoc.accounts.services import find_by_username
    sub = judging.submit(load_actor(find_by_username(user).id), cw["problem"].id, "cpp17", SRC)
    assert judging.store_result(sub.id, result)
    return db.session.get(Submission, sub.id)


def test_contestant_never_sees_hidden_test_messages(client, login, cw, db):
    sub = _stored(db, cw, judge_result("WA", 0.0))
    login("alice")
    page = client.get(f"/contests/submissions/{sub.id}").get_data(as_text=True)
    assert "WA" in page and "sample ok" in page
    assert "expected 3, got 4" not in page and "jury-only note" not in page and "secret/01" not in page
    status = client.get(f"/contests/submissions/{sub.id}/status").get_json()
    assert status["verdict"] == "WA" and status["time"] == 0.02 and status["memory"] == 1200
    assert [t["name"] for t in status["tests"]] == ["sample/1"]
    assert "expected 3" not in str(status) and "message" not in status


def test_round_showing_hidden_tests_shows_rows_but_never_messages(client, login, cw, db):
    cw["round"].show_hidden_tests = True
    db.session.commit()
    sub = _stored(db, cw, judge_result("WA", 0.0))
    login("alice")
    status = client.get(f"/contests/submissions/{sub.id}/status").get_json()
    assert [t["name"] for t in status["tests"]] == ["sample/1", "secret/01"]
    assert all("message" not in t for t in status["tests"]) and "expected 3" not in str(status)


def test_jury_sees_the_messages(client, login, cw, db):
    sub = _stored(db, cw, judge_result("WA", 0.0))
    login("organiser")
    page = client.get(f"/contests/submissions/{sub.id}").get_data(as_text=True)
    assert "expected 3, got 4" in page and "jury-only note" in page and "Nguyễn Thị An" in page


def test_another_contestants_code_and_result_are_404(client, login, cw, db):
    sub = _stored(db, cw, judge_result("AC"))
    login("bob")
    assert client.get(f"/contests/submissions/{sub.id}").status_code == 404
    assert client.get(f"/contests/submissions/{sub.id}/status").status_code == 404
    page = client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)
    assert f">{sub.id}<" not in page
    client.post("/logout")
    login("district")   # an organiser, but of a district: the province contest is not theirs
    assert client.get(f"/contests/submissions/{sub.id}").status_code == 404


def test_storing_the_same_result_twice_changes_nothing(db, cw):
    from contests import judging
    from contests.models import Round
    sub = _stored(db, cw, judge_result("AC"))
    version = db.session.get(Round, cw["round"].id).board_version
    assert judging.store_result(sub.id, judge_result("AC")) is False
    db.session.expire_all()
    assert db.session.get(Round, cw["round"].id).board_version == version


def test_requeue_at_start_up_sends_every_submission_without_a_result(db, cw, app, monkeypatch):
    from contests import judging
    from contests.models import Submission
    from tinhoc.access import load_actor
    done = _stored(db, cw, judge_result("AC"))
    waiting = judging.submit(load_actor(cw["bob"].id), cw["problem"].id, "cpp17", SRC)
    db.session.get(Submission, waiting.id).status = "judging"   # the process died while judging it
    db.session.commit()
    sent = []
    monkeypatch.setattr(judging, "dispatch", lambda subs: sent.extend(s.id for s in subs) or len(sent))
    assert recovery.requeue_pending(app) == 1
    assert sent == [waiting.id] and done.id not in sent
    db.session.expire_all()
    assert db.session.get(Submission, waiting.id).status == "queued"


def _pending(db, cw, n):
    """n submissions left without a result (queued or judging when the process died)."""
    from contests import judging
    from contests.models import Submission
    from tinhoc.access import load_actor
    ids = [judging.submit(load_actor(cw["bob"].id), cw["problem"].id, "cpp17", SRC).id for _ in range(n)]
    db.session.get(Submission, ids[0]).status = "judging"
    db.session.commit()
    return ids


def test_two_start_ups_queue_each_pending_submission_once(db, cw, app, monkeypatch, frozen_clock):
    """gunicorn's workers each build the app: the first claims the pending rows, the next sends none;
    a start-up after the claim window (a restart after a crash) claims them again."""
    from contests import judging
    done = _stored(db, cw, judge_result("AC"))
    ids = _pending(db, cw, 3)
    sent = []
    monkeypatch.setattr(judging, "dispatch", lambda subs: sent.extend(s.id for s in subs) or len(subs))
    assert recovery.requeue_pending(app) == 3
    assert recovery.requeue_pending(app) == 0        # the second worker of the same start-up
    assert sorted(sent) == ids and done.id not in sent
    frozen_clock.advance(timedelta(seconds=app.config["CONTEST_REQUEUE_CLAIM_SECONDS"] + 1))
    assert recovery.requeue_pending(app) == 3        # a later start-up: still without a result
    assert sorted(sent) == sorted(ids + ids)


@pytest.mark.skipif(not __import__("os").environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="concurrent start-ups need a server database (TEST_DATABASE_URL)")
def test_concurrent_start_ups_on_postgresql_split_the_pending_submissions(db, cw, app, monkeypatch):
    """Four processes starting at the same instant: every pending submission is sent exactly once."""
    import threading

    from contests import judging
    ids = _pending(db, cw, 20)
    db.session.remove()
    sent, lock, barrier = [], threading.Lock(), threading.Barrier(4)

    def record(subs):
        with lock:
            sent.extend(s.id for s in subs)
        return len(subs)
    monkeypatch.setattr(judging, "dispatch", record)

    def start_up():
        barrier.wait()
        recovery.requeue_pending(app)     # its own app context, so its own session and connection
    threads = [threading.Thread(target=start_up) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(sent) == ids


def test_requeue_flag_in_create_app(monkeypatch):
    """create_app re-queues only when CONTEST_REQUEUE_ON_START is on (tests keep it off)."""
    from tinhoc import create_app
    from tinhoc.config import TestConfig

    class RequeueConfig(TestConfig):
        def __init__(self, instance_path):
            super().__init__(instance_path)
            self.CONTEST_REQUEUE_ON_START = True

    calls = []
    monkeypatch.setattr(recovery, "requeue_pending", lambda app: calls.append(app) or 0)
    create_app(TestConfig)
    assert calls == []
    app = create_app(RequeueConfig)
    assert calls == [app]


def test_scratch_project_uploaded_as_a_file_travels_as_bytes(client, login, cw, db):
    import io

    from contests.judging import job_for
    from contests.models import Submission
    cw["round"].languages = ["scratch3"]
    db.session.commit()
    project = b"PK\x03\x04 not really a zip but binary \x00\xff"
    login("alice")
    r = client.post(f"/contests/problems/{cw['problem'].id}/submit",
                    data={"language": "scratch3", "source": "", "file": (io.BytesIO(project), "bai.sb3")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    sub = db.session.scalar(select(Submission))
    assert sub.source_binary and job_for(sub).source == project
    page = client.get(f"/contests/submissions/{sub.id}").get_data(as_text=True)
    assert "Tệp nhị phân (.sb3)" in page


def test_start_up_before_the_tables_exist_logs_one_short_line(caplog, tmp_path):
    """The benches and a first `gunicorn` before `flask db upgrade` build the app with no tables: the
    re-queue is skipped with the driver's reason on one line, not the statement and its parameters."""
    import logging

    from tinhoc import create_app
    from tinhoc.config import TestConfig

    class EmptyDatabase(TestConfig):
        def __init__(self, instance_path):
            super().__init__(instance_path)
            self.CONTEST_REQUEUE_ON_START = True
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/empty.sqlite3"

    # alembic's fileConfig (test_core_migrations, earlier in the run) disables existing loggers
    logging.getLogger("tinhoc").disabled = False
    with caplog.at_level(logging.WARNING):
        create_app(EmptyDatabase)
    lines = [r.getMessage() for r in caplog.records if "re-queued" in r.getMessage()]
    assert len(lines) == 1 and "no such table" in lines[0], lines
    assert "\n" not in lines[0] and "UPDATE" not in lines[0] and "[SQL" not in lines[0], lines
