"""Live judging on the submission page: queued → compiling → test k of n → verdict, written from the
judge's progress reports, never over a stored result; a contestant never sees our exception text."""
from __future__ import annotations

import threading
import time

import pytest

from tests.contest_helpers import cw, fresh_board_cache, judge_result  # noqa: F401 (fixtures)
from tests.helpers import needs_sandbox
from tinhoc.judge.progress import COMPILING, TESTING, JudgeProgress

SRC = "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}\n"


@pytest.fixture
def no_throttle(app):
    app.config["CONTEST_PROGRESS_INTERVAL"] = 0.0
    yield
    app.config["CONTEST_PROGRESS_INTERVAL"] = 0.25


def _queued(cw, user="alice"):
    from contests import judging
    from tinhoc.access import load_actor
    return judging.submit(load_actor(cw[user].id), cw["problem"].id, "cpp17", SRC)


def _status(client, sub_id, **query):
    r = client.get(f"/contests/submissions/{sub_id}/status", query_string=query)
    assert r.status_code == 200
    return r.get_json()


def test_status_follows_the_judge_from_queued_to_test_k_to_the_verdict(client, login, cw, db, app, no_throttle):
    from contests import judging
    sub = _queued(cw)
    login("alice")
    st = _status(client, sub.id)
    assert st["status"] == "queued" and not st["done"]
    assert st["progress"] == {"stage": "queued", "test": 0, "tests": 0, "text": "Đang chờ chấm…", "label": "Chờ chấm",
                              "rows": []}

    write = judging.progress_writer(app, sub.id, judging.sample_names(cw["problem"]))
    write(JudgeProgress(COMPILING, tests=4))
    st = _status(client, sub.id)
    assert st["status"] == "judging" and st["progress"]["stage"] == "compiling"
    assert st["progress"]["text"] == "Đang biên dịch…" and st["progress"]["label"] == "Đang chấm"

    write(JudgeProgress(TESTING, test=1, tests=4, name="sample/1"))
    st = _status(client, sub.id)
    assert st["progress"] == {"stage": "testing", "test": 1, "tests": 4, "text": "Đang chấm test 1/4…",
                              "label": "Đang chấm", "rows": []}
    assert _status(client, sub.id, lang="en")["progress"]["text"] == "Judging test 1/4…"
    page = client.get(f"/contests/submissions/{sub.id}").get_data(as_text=True)
    assert "Đang chấm test 1/4…" in page and 'id="progress-bar"' in page and 'max="4" value="0"' in page
    assert 'data-stage="testing"' in page

    # the same JSON through the API, which tools and the projector use
    api = client.get(f"/api/submissions/{sub.id}").get_json()
    assert api["progress"]["stage"] == "testing" and api["progress"]["test"] == 1

    assert judging.store_result(sub.id, judge_result())
    st = _status(client, sub.id)
    assert st["done"] and st["verdict"] == "AC" and st["progress"]["stage"] == "done"
    page = client.get(f"/contests/submissions/{sub.id}").get_data(as_text=True)
    assert 'id="progress-bar"' not in page and 'id="tests"' in page


FINISHED = ({"name": "sample/1", "verdict": "AC", "time": 0.011, "memory": 900},
            {"name": "secret/01", "verdict": "WA", "time": 0.02, "memory": 1000})


@pytest.mark.parametrize("show_hidden", [False, True])
def test_finished_tests_show_live_as_the_round_allows(client, login, cw, db, app, no_throttle, show_hidden):
    """While judged, the page lists the tests finished so far: samples to everyone, hidden tests to
    contestants only where the round shows them, every test to the jury; the table fills, then the
    result's table takes its place."""
    from contests import judging
    cw["round"].show_hidden_tests = show_hidden
    db.session.commit()
    sub = _queued(cw)
    judging.progress_writer(app, sub.id)(JudgeProgress(TESTING, test=3, tests=4, finished=FINISHED))
    login("alice")
    rows = _status(client, sub.id)["progress"]["rows"]
    assert [r["name"] for r in rows] == (["sample/1", "secret/01"] if show_hidden else ["sample/1"])
    assert rows[0] == {"name": "sample/1", "verdict": "AC", "time": 0.011, "memory": 900}
    page = client.get(f"/contests/submissions/{sub.id}").get_data(as_text=True)
    live = page[page.index('id="live-tests"'):page.index("</table>", page.index('id="live-tests"'))]
    assert "sample/1" in live and ("secret/01" in live) == show_hidden and "0.011 s" in live
    client.post("/logout")
    login("organiser")
    assert [r["name"] for r in _status(client, sub.id)["progress"]["rows"]] == ["sample/1", "secret/01"]
    assert judging.store_result(sub.id, judge_result())
    st = _status(client, sub.id)
    assert st["done"] and st["progress"]["rows"] == []
    from contests.models import Submission
    db.session.expire_all()
    assert db.session.get(Submission, sub.id).live_tests is None


SAMPLE_DONE = ({"name": "sample/1", "verdict": "AC", "time": 0.011, "memory": 900},)


@pytest.mark.parametrize("show_hidden", [False, True])
def test_the_hidden_tests_number_is_told_only_where_their_rows_are(client, login, cw, db, app, no_throttle,
                                                                   show_hidden):
    """With `on_reject: break`, "test 3/4" then WA says which hidden test failed: a contestant who may
    not see hidden rows reads "judging the hidden tests" (an endless bar) once the samples are done;
    where the round shows hidden rows, and for the jury, the count stays."""
    from contests import judging
    cw["round"].show_hidden_tests = show_hidden
    db.session.commit()
    sub = _queued(cw)
    write = judging.progress_writer(app, sub.id, judging.sample_names(cw["problem"]))
    write(JudgeProgress(TESTING, test=2, tests=4, name="secret/01", finished=SAMPLE_DONE))
    login("alice")
    p = _status(client, sub.id)["progress"]
    assert [r["name"] for r in p["rows"]] == ["sample/1"]
    if show_hidden:
        assert (p["test"], p["tests"], p["text"]) == (2, 4, "Đang chấm test 2/4…")
    else:
        assert (p["stage"], p["test"], p["tests"], p["text"]) == ("testing", 0, 0, "Đang chấm các test ẩn…")
        assert _status(client, sub.id, lang="en")["progress"]["text"] == "Judging the hidden tests…"
        page = client.get(f"/contests/submissions/{sub.id}").get_data(as_text=True)
        bar = page[page.index('<progress id="progress-bar"'):page.index("</progress>")]
        assert "Đang chấm các test ẩn…" in page and "value=" not in bar and "hidden" not in bar
        assert "2/4" not in page and "/4" not in str(_status(client, sub.id))
    # a sample run after a hidden test (a plain package may list them so) still hides the count:
    # that the judge went on tells that the hidden test passed
    write(JudgeProgress(TESTING, test=3, tests=4, name="sample/1",
                        finished=SAMPLE_DONE + ({"name": "secret/01", "verdict": "AC", "time": 0.01, "memory": 900},)))
    assert (_status(client, sub.id)["progress"]["test"] == 3) == show_hidden
    # an old worker's report without a test name counts as hidden
    write(JudgeProgress(TESTING, test=1, tests=4))
    assert (_status(client, sub.id)["progress"]["test"] == 1) == show_hidden
    client.post("/logout")
    login("organiser")
    assert _status(client, sub.id)["progress"]["text"] == "Đang chấm test 1/4…"


def test_a_report_arriving_after_the_result_changes_nothing(client, login, cw, db, app, no_throttle):
    """Celery delivers progress on another channel than the result: a late one must not reopen it."""
    from contests import judging
    from contests.models import Submission
    sub = _queued(cw)
    write = judging.progress_writer(app, sub.id)
    write(JudgeProgress(TESTING, test=1, tests=4))
    assert judging.store_result(sub.id, judge_result("WA", 0))
    write(JudgeProgress(TESTING, test=4, tests=4))
    db.session.expire_all()
    row = db.session.get(Submission, sub.id)
    assert (row.status, row.verdict, row.progress) == ("done", "WA", "")
    login("alice")
    st = _status(client, sub.id)
    assert st["done"] and st["verdict"] == "WA"


def test_reports_are_throttled_per_submission(cw, db, app):
    """A problem with a hundred fast tests writes a handful of rows, not a hundred."""
    from contests import judging
    from contests.models import Submission
    app.config["CONTEST_PROGRESS_INTERVAL"] = 3600.0
    try:
        sub = _queued(cw)
        write = judging.progress_writer(app, sub.id)
        write(JudgeProgress(COMPILING, tests=100))
        for k in range(1, 101):
            write(JudgeProgress(TESTING, test=k, tests=100))
    finally:
        app.config["CONTEST_PROGRESS_INTERVAL"] = 0.25
    db.session.expire_all()
    # the stage change went through at once; the 99 test reports inside the interval did not
    assert db.session.get(Submission, sub.id).progress == "testing 1/100 hidden"


def test_a_judging_error_is_explained_to_the_jury_only(client, login, cw, db):
    from sqlalchemy import update

    from contests.models import Submission
    sub = _queued(cw)
    db.session.execute(update(Submission).where(Submission.id == sub.id)
                       .values(status="error", progress="ConnectionError: redis:6379 refused"))
    db.session.commit()
    login("alice")
    st = _status(client, sub.id)
    assert st["progress"]["stage"] == "error" and "redis" not in str(st)
    assert "chấm lại" in st["progress"]["text"] and st["progress"]["label"] == "Lỗi"
    page = client.get(f"/contests/submissions/{sub.id}").get_data(as_text=True)
    assert "redis" not in page
    client.post("/logout")
    login("organiser")
    assert "redis:6379 refused" in _status(client, sub.id)["progress"]["text"]


def test_a_stored_row_with_unknown_progress_reads_as_judging(client, login, cw, db):
    """Rows marked judging before progress existed (or a garbled value) show "judging", not a crash."""
    from sqlalchemy import update

    from contests.models import Submission
    sub = _queued(cw)
    for garbled in ("", "judging", "testing x/y", "testing 3"):
        db.session.execute(update(Submission).where(Submission.id == sub.id)
                           .values(status="judging", progress=garbled))
        db.session.commit()
        login("alice")
        st = _status(client, sub.id)
        assert st["progress"]["stage"] == "judging" and st["progress"]["text"] == "Đang chấm…", garbled


def test_the_round_page_lists_pending_submissions_in_vietnamese(client, login, cw, db):
    _queued(cw)
    login("alice")
    page = client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)
    assert "Chờ chấm" in page and ">queued<" not in page


class TestLive:
    pytestmark = needs_sandbox()

    def test_a_real_judging_shows_each_test_as_it_runs(self, client, login, cw, db, app, monkeypatch):
        """Through the in-process pool: a solution that takes ~0.4 s a test is watched over HTTP; the
        status walks through the tests in order and ends on AC with the result table."""
        from contests import judging
        from contests.models import Problem
        from contests.problems import package_path
        from tinhoc.access import load_actor
        from tinhoc.judge import load_package
        # The tests' in-memory SQLite is one connection shared by every thread: the pool thread's writes
        # and the test's requests take turns (a real site has a connection per thread).
        lock = threading.RLock()
        make_writer, done = judging.progress_writer, judging._on_done

        def locked_writer(*args):
            write = make_writer(*args)

            def locked(event):
                with lock:
                    write(event)
            return locked

        def locked_done(*args):
            with lock:
                return done(*args)
        monkeypatch.setattr(judging, "progress_writer", locked_writer)
        monkeypatch.setattr(judging, "_on_done", locked_done)
        slow = "import sys, time\na, b = map(int, sys.stdin.read().split())\ntime.sleep(0.4)\nprint(a + b)\n"
        cw["round"].show_hidden_tests = True        # the count of hidden tests is told (see above)
        db.session.commit()
        app.config.update(CONTEST_JUDGE_VIA="pool", CONTEST_PROGRESS_INTERVAL=0.05)
        try:
            with lock:
                sub = judging.submit(load_actor(cw["alice"].id), cw["problem"].id, "python3", slow)
            login("alice")
            seen, totals, deadline, st = [], set(), time.time() + 180, {}
            while time.time() < deadline:
                with lock:
                    st = _status(client, sub.id)
                if st["done"]:
                    break
                p = st["progress"]
                if not seen or seen[-1] != (p["stage"], p["test"]):
                    seen.append((p["stage"], p["test"]))
                    totals.add(p["tests"])
                time.sleep(0.05)
        finally:
            app.config.update(CONTEST_JUDGE_VIA="none", CONTEST_PROGRESS_INTERVAL=0.25)
        assert st["done"] and st["verdict"] == "AC", st
        tests_seen = [k for stage, k in seen if stage == "testing"]
        assert len(set(tests_seen)) >= 2, seen              # at least two different tests watched live
        assert tests_seen == sorted(tests_seen), seen       # never backwards
        total = len(load_package(package_path(db.session.get(Problem, cw["problem"].id))).tree.tests())
        assert totals <= {0, total}, (totals, total)        # "of n" is the package's test count
        assert all(0 < k <= total for k in tests_seen), seen
        order = ["queued", "judging", "compiling", "testing"]
        ranks = [order.index(stage) for stage, _k in seen]
        assert ranks == sorted(ranks), seen                 # queued → compiling → testing, never back
