"""Problems: packages verified on upload (a broken one refused with the reason), the settled time
limit stored and passed in every job; statements sanitised; a real submission judged through the
pool; rejudge previews then applies exactly what it showed."""
from __future__ import annotations

import io
import threading
import time
import zipfile

from sqlalchemy import func, select

from tests.contest_helpers import cw, fresh_board_cache, judge_result, zip_package  # noqa: F401 (fixtures)
from tests.helpers import needs_sandbox

CPP_AB = "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}\n"


def _upload(client, round_id, data: bytes, letter="C", title="Tổng", statement="Tính **a+b**.", follow=False):
    return client.post(f"/contests/rounds/{round_id}/problems/new",
                       data={"letter": letter, "title": title, "statement": statement,
                             "package": (io.BytesIO(data), "goi.zip")}, content_type="multipart/form-data",
                       follow_redirects=follow)


def _problems(db):
    from contests.models import Problem
    return db.session.scalar(select(func.count(Problem.id)))


def test_a_zip_that_is_no_package_is_refused_with_the_reason(client, login, cw, db):
    login("organiser")
    junk = io.BytesIO()
    with zipfile.ZipFile(junk, "w") as zf:
        zf.writestr("readme.txt", "no tests here")
    r = _upload(client, cw["round"].id, junk.getvalue())
    assert r.status_code == 302 and "/contests/problem-uploads/" in r.headers["Location"]
    r = client.get(r.headers["Location"])
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Gói đề không dùng được" in page and "broken package" in page
    assert _problems(db) == 1   # only the world's problem


def test_no_file_is_a_clear_message(client, login, cw, db):
    login("organiser")
    r = client.post(f"/contests/rounds/{cw['round'].id}/problems/new",
                    data={"letter": "C", "title": "X", "statement": ""}, content_type="multipart/form-data")
    assert "Không thêm được bài" in r.get_data(as_text=True)
    assert _problems(db) == 1


def test_statement_is_sanitised_and_samples_shown(client, login, cw):
    login("alice")
    page = client.get(f"/contests/problems/{cw['problem'].id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "Tính $a+b$." in page
    assert "1 2" in page and "Giới hạn thời gian: 1.0 giây" in page


def test_organiser_edits_the_statement(client, login, cw, db):
    login("organiser")
    r = client.post(f"/contests/problems/{cw['problem'].id}/statement",
                    data={"title": "Tổng mới", "statement": "# Đề\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<img src=x onerror=alert(1)>"})
    assert r.status_code == 302
    db.session.expire_all()
    html = cw["problem"].statement_html
    assert "<table>" in html and "onerror" not in html and "<img" not in html


def test_job_carries_the_stored_limits(db, cw):
    from contests.judging import job_for
    from contests.models import Submission
    cw["problem"].time_limit = 1.7
    cw["problem"].memory_limit = 128
    sub = Submission(entry_id=cw["entry_a"].id, problem_id=cw["problem"].id, language="cpp17", source=CPP_AB)
    db.session.add(sub)
    db.session.commit()
    job = job_for(sub)
    assert job.limits.time == 1.7 and job.limits.memory == 128 and job.submission_id == str(sub.id)
    assert job.package_path.endswith(cw["problem"].package_file)


class TestWithTheJudge:
    pytestmark = needs_sandbox()

    def test_upload_verifies_and_stores_the_settled_limit(self, client, login, cw, db):
        from contests.models import Problem
        login("organiser")
        r = _upload(client, cw["round"].id, zip_package("kattis_aplusb"))
        assert r.status_code == 302, r.get_data(as_text=True)[:2000]
        r = client.get(r.headers["Location"])      # the upload's page: settled, on to the problem
        assert r.status_code == 302 and "/contests/problems/" in r.headers["Location"]
        problem = db.session.scalar(select(Problem).where(Problem.letter == "C"))
        assert problem.time_limit > 0 and problem.memory_limit > 0 and problem.max_score > 0
        assert problem.package_format.startswith("kattis") and problem.samples
        assert "<strong>a+b</strong>" in problem.statement_html

    def test_a_package_whose_solutions_fail_is_refused(self, client, login, cw, db, tmp_path):
        src = io.BytesIO(zip_package("kattis_aplusb"))
        out = io.BytesIO()
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
            for item in zin.infolist():
                data = zin.read(item)
                if item.filename.startswith("data/secret/") and item.filename.endswith(".ans"):
                    data = b"-1\n"   # every answer wrong: the accepted solutions fail
                zout.writestr(item, data)
        login("organiser")
        page = _upload(client, cw["round"].id, out.getvalue(), follow=True).get_data(as_text=True)
        assert "Gói đề không dùng được" in page and "expected AC" in page, page[page.find("<main"):][:1500]
        assert _problems(db) == 1

    def test_a_real_submission_is_judged_through_the_pool(self, client, login, cw, db, app, monkeypatch):
        from contests import judging
        from contests.models import Submission
        # The tests' in-memory SQLite is one connection shared by every thread: the pool thread's
        # transaction and a request's rollback must not interleave (a real site has a connection per
        # thread). One lock around the pool's database work and the test's own requests.
        lock = threading.RLock()
        run, done = judging._run_in_pool, judging._on_done

        def locked_run(*args):
            with lock:
                return run(*args)

        def locked_done(*args):
            with lock:
                return done(*args)
        monkeypatch.setattr(judging, "_run_in_pool", locked_run)
        monkeypatch.setattr(judging, "_on_done", locked_done)
        login("organiser")
        assert _upload(client, cw["round"].id, zip_package("kattis_aplusb")).status_code == 302
        from contests.models import Problem
        problem_id = db.session.scalar(select(Problem.id).where(Problem.letter == "C"))
        client.post("/logout")
        login("alice")
        app.config["CONTEST_JUDGE_VIA"] = "pool"
        try:
            with lock:
                r = client.post(f"/contests/problems/{problem_id}/submit", data={"language": "cpp17", "source": CPP_AB})
        finally:
            app.config["CONTEST_JUDGE_VIA"] = "none"
        sub_id = int(r.headers["Location"].rsplit("/", 1)[1])
        deadline = time.time() + 180
        status = {}
        while time.time() < deadline:
            with lock:
                status = client.get(f"/contests/submissions/{sub_id}/status").get_json()
            if status["done"]:
                break
            time.sleep(0.5)
        assert status["done"] and status["verdict"] == "AC", status
        assert status["score"] == status["max_score"] > 0
        sub = db.session.get(Submission, sub_id)
        assert sub.result["time_limit"] > 0 and sub.judged_at is not None
        board = client.get(f"/api/contests/{cw['contest'].id}/scoreboard").get_json()["boards"][0]
        alice = next(r for r in board["rows"] if r["name"] == "Nguyễn Thị An")
        assert alice["total"] == status["score"]
        assert db.session.scalar(select(func.count(Submission.id)).where(Submission.status != "done")) == 0

    def test_rejudge_previews_then_applies_what_it_showed(self, client, login, cw, db):
        from contests import judging
        from contests.models import Problem, Submission
        from tinhoc.access import load_actor
        login("organiser")
        assert _upload(client, cw["round"].id, zip_package("kattis_aplusb")).status_code == 302
        problem_id = db.session.scalar(select(Problem.id).where(Problem.letter == "C"))
        sub = judging.submit(load_actor(cw["alice"].id), problem_id, "cpp17", CPP_AB)
        judging.store_result(sub.id, judge_result("WA", 0.0))   # as if judged wrongly the first time
        page = client.get("/contests/rejudge", query_string={"kind": "problem", "id": problem_id})
        assert "1 bài nộp sẽ được chấm lại" in page.get_data(as_text=True)
        page = client.post("/contests/rejudge/start", data={"kind": "problem", "id": problem_id},
                           follow_redirects=True)
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "1 bài đổi kết quả" in text and "WA" in text
        token = text.split('name="plan" value="')[1].split('"')[0]
        db.session.expire_all()
        assert db.session.get(Submission, sub.id).verdict == "WA"   # nothing stored by the preview
        r = client.post("/contests/rejudge", data={"kind": "problem", "id": problem_id, "plan": token})
        assert r.status_code == 302
        db.session.expire_all()
        assert db.session.get(Submission, sub.id).verdict == "AC"
        # a plan is applied once
        r = client.post("/contests/rejudge", data={"kind": "problem", "id": problem_id, "plan": token})
        assert r.status_code == 302
        assert "hết hạn" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_rejudge_of_another_scope_is_404(client, login, cw):
    login("district")
    r = client.get("/contests/rejudge", query_string={"kind": "round", "id": cw["round"].id})
    assert r.status_code == 404
