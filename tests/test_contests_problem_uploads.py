"""Problem packages are verified off the request: the upload returns at once, its page follows the
verification, a refusal gives the reason and the form back with what was typed, the verdict is taken
once however many times the package is verified, and a start-up verifies what a dead process left."""
from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.contest_helpers import cw, fresh_board_cache, held  # noqa: F401 (fixtures)

STATEMENT = "Tính **a+b** với $a, b \\le 10^9$."


@pytest.fixture
def fake_verify(monkeypatch):
    """inspect_package as if the judge accepted the package (time limit 1.5 s), without a sandbox."""
    from contests import problems
    from tinhoc.judge.verify import VerifyReport
    calls = []

    def inspect(path):
        calls.append(path)
        report = VerifyReport(package=path, format="kattis-2023-07", time_limit=1.5, time_limit_derived=False)
        return report, "kattis-2023-07", 256, 100.0, [{"name": "sample/1", "input": "1 2\n", "output": "3\n"}]
    monkeypatch.setattr(problems, "inspect_package", inspect)
    return calls


def _left_verifying(app, cw):
    """An upload recorded and never sent to be verified (as if its process died at once)."""
    from contests import problem_uploads
    from tinhoc.access import load_actor
    app.config["CONTEST_BACKGROUND_VIA"] = "none"
    try:
        with app.test_request_context():
            return problem_uploads.start(load_actor(cw["organiser"].id), cw["round"], letter="C", title="T",
                                         statement_md="", data=b"zip")
    finally:
        app.config["CONTEST_BACKGROUND_VIA"] = "inline"


def _junk_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("readme.txt", "no tests here")
    return out.getvalue()


def _post(client, rnd, data: bytes, letter="C", title="Tổng hai số lớn", statement=STATEMENT):
    return client.post(f"/contests/rounds/{rnd.id}/problems/new",
                       data={"letter": letter, "title": title, "statement": statement,
                             "package": (io.BytesIO(data), "goi.zip")}, content_type="multipart/form-data")


def _problems(db):
    from contests.models import Problem
    return db.session.scalar(select(func.count(Problem.id)))


def _upload_id(r) -> int:
    assert r.status_code == 302 and "/contests/problem-uploads/" in r.headers["Location"], r.status_code
    return int(r.headers["Location"].rsplit("/", 1)[1])


def test_the_request_returns_before_verifying_and_the_page_follows_it(client, login, cw, db, held, fake_verify):
    login("organiser")
    up = _upload_id(_post(client, cw["round"], b"PK\x03\x04 any bytes: the fake judge accepts them"))
    assert fake_verify == [] and len(held.jobs) == 1            # nothing verified inside the request
    page = client.get(f"/contests/problem-uploads/{up}").get_data(as_text=True)
    assert "Trình chấm đang chạy các lời giải mẫu" in page and 'data-state="verifying"' in page
    assert client.get(f"/contests/problem-uploads/{up}/status").get_json()["state"] == "verifying"
    round_page = client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)
    assert "Đang kiểm tra gói đề bài C (Tổng hai số lớn)" in round_page
    # contestants never see a problem still being verified
    client.post("/logout")
    login("alice")
    assert "Tổng hai số lớn" not in client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)
    client.post("/logout")

    held.run_all()
    login("organiser")
    status = client.get(f"/contests/problem-uploads/{up}/status").get_json()
    assert status["state"] == "accepted" and status["problem_url"].startswith("/contests/problems/")
    r = client.get(f"/contests/problem-uploads/{up}")
    assert r.status_code == 302 and r.headers["Location"].endswith(status["problem_url"])
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Đã thêm bài C; giới hạn thời gian 1.5 giây." in page
    from contests.models import Problem
    problem = db.session.scalar(select(Problem).where(Problem.letter == "C"))
    assert problem.time_limit == 1.5 and problem.title == "Tổng hai số lớn" and problem.statement_md == STATEMENT
    assert "Đang kiểm tra" not in client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)


def test_a_refused_package_gives_the_reason_and_keeps_what_was_typed(client, login, cw, db, app):
    from contests import problems
    from contests.models import ProblemUpload
    login("organiser")
    up = _upload_id(_post(client, cw["round"], _junk_zip()))
    page = client.get(f"/contests/problem-uploads/{up}").get_data(as_text=True)
    assert 'id="refused"' in page and "Gói đề không dùng được" in page and "broken package" in page
    assert 'value="Tổng hai số lớn"' in page and 'value="C"' in page and "a, b \\le 10^9" in page
    assert _problems(db) == 1
    row = db.session.get(ProblemUpload, up)
    assert row.state == "refused" and row.finished_at is not None
    assert not (problems.packages_dir() / row.package_file).exists()      # the refused zip is not kept
    round_page = client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)
    assert "Gói đề không dùng được: broken package" in round_page
    # the form on the refusal page posts a new upload for the same letter
    assert 'action="/contests/rounds/%d/problems/new"' % cw["round"].id in page


def test_a_letter_being_verified_cannot_be_uploaded_twice(client, login, cw, db, app, fake_verify):
    login("organiser")
    app.config["CONTEST_BACKGROUND_VIA"] = "none"
    try:
        _upload_id(_post(client, cw["round"], b"first"))
        page = _post(client, cw["round"], b"second").get_data(as_text=True)
    finally:
        app.config["CONTEST_BACKGROUND_VIA"] = "inline"
    assert "Gói đề cho bài C đang được kiểm tra" in page
    page = _post(client, cw["round"], b"third", letter="A").get_data(as_text=True)   # the world's problem A
    assert "Ký hiệu A đã có trong vòng thi" in page


def test_verifying_twice_creates_one_problem(cw, db, app, fake_verify):
    """A start-up re-dispatch while the first verification still runs: one verdict, one problem."""
    from contests import problem_uploads
    up = _left_verifying(app, cw)
    before = _problems(db)
    assert problem_uploads.verify(up.id) == "accepted"
    assert problem_uploads.verify(up.id) == "accepted"
    assert _problems(db) == before + 1 and len(fake_verify) == 1


def test_a_letter_taken_while_verifying_is_a_refusal_not_a_crash(cw, db, app, fake_verify):
    from contests import problem_uploads
    from contests.models import ProblemUpload
    from tests.contest_helpers import place_problem
    up = _left_verifying(app, cw)
    place_problem(db, cw["round"], letter="C", title="Đã có")      # another organiser, meanwhile
    assert problem_uploads.verify(up.id) == "refused"
    row = db.session.get(ProblemUpload, up.id)
    assert "letter C was taken" in row.message and row.problem_id is None


def test_start_up_verifies_what_a_dead_process_left_once(cw, db, app, fake_verify, frozen_clock):
    from contests import background, problem_uploads
    from contests.models import ProblemUpload
    from tinhoc.access import load_actor
    app.config["CONTEST_BACKGROUND_VIA"] = "none"
    try:
        with app.test_request_context():
            up = problem_uploads.start(load_actor(cw["organiser"].id), cw["round"], letter="C", title="T",
                                       statement_md="", data=b"zip")
        # a process starting right after the upload leaves it to the one verifying it
        assert background.resume_all(app) == 0
        frozen_clock.advance(timedelta(minutes=5))          # that process died; this one starts later
        app.config["CONTEST_BACKGROUND_VIA"] = "inline"
        assert background.resume_all(app) == 1
        assert background.resume_all(app) == 0             # a sibling worker starting at once: claimed
    finally:
        app.config["CONTEST_BACKGROUND_VIA"] = "inline"
    db.session.expire_all()
    assert db.session.get(ProblemUpload, up.id).state == "accepted" and len(fake_verify) == 1


def test_only_the_contest_s_organisers_see_an_upload(client, login, cw, db, app, fake_verify):
    login("organiser")
    up = _upload_id(_post(client, cw["round"], b"zip"))
    client.post("/logout")
    for who in ("alice", "district"):
        login(who)
        assert client.get(f"/contests/problem-uploads/{up}").status_code in (403, 404), who
        assert client.get(f"/contests/problem-uploads/{up}/status").status_code in (403, 404), who
        client.post("/logout")


def test_its_page_takes_up_a_check_whose_process_died_and_leaves_a_live_one(client, login, cw, db, app,
                                                                            fake_verify, frozen_clock):
    """gunicorn's max-requests or a deploy kills the process mid-verify: the organiser's page, polling,
    takes it up again once its heartbeat is stale; a live check (fresh heartbeat) is left alone."""
    from contests.models import ProblemUpload
    login("organiser")
    app.config["CONTEST_BACKGROUND_VIA"] = "none"          # sent nowhere: as if its process died
    try:
        up = _upload_id(_post(client, cw["round"], b"zip"))
    finally:
        app.config["CONTEST_BACKGROUND_VIA"] = "inline"
    assert client.get(f"/contests/problem-uploads/{up}/status").get_json()["state"] == "verifying"
    assert fake_verify == []                                 # heartbeat fresh: left to its process
    frozen_clock.advance(timedelta(seconds=61))
    assert client.get(f"/contests/problem-uploads/{up}/status").get_json()["state"] == "accepted"
    assert len(fake_verify) == 1
    assert db.session.get(ProblemUpload, up).problem_id is not None
