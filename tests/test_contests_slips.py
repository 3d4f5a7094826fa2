"""Login slips for more accounts than a request may hash passwords for: made off the request on a
page that follows them, the passwords set only when the PDF is ready, the PDF for its requester only
and deleted after CONTEST_SLIPS_KEEP_SECONDS."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from tests.contest_helpers import cw, held  # noqa: F401 (fixtures)


@pytest.fixture
def few_inline(app):
    app.config["CONTEST_SLIPS_INLINE"] = 1       # the three pupils of `cw` are "many"
    yield
    app.config["CONTEST_SLIPS_INLINE"] = 60


def _hashes(db, cw):
    db.session.expire_all()
    return {u: db.session.get(type(cw[u]), cw[u].id).password_hash for u in ("alice", "bob", "carol")}


def _passwords(pdf: bytes) -> dict[str, str]:
    from pypdf import PdfReader
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    out = {}
    for block in text.split("Tên đăng nhập:")[1:]:
        username = block.split()[0]
        out[username] = block.split("Mật khẩu:")[1].split()[0]
    return out


def _start(client, cw) -> str:
    r = client.post(f"/contests/{cw['contest'].id}/slips.pdf", data={})
    assert r.status_code == 302 and "/contests/slips/" in r.headers["Location"], r.status_code
    return r.headers["Location"]


def test_many_slips_are_made_off_the_request_then_downloaded(client, login, cw, db, held, few_inline, frozen_clock):
    login("organiser")
    before = _hashes(db, cw)
    url = _start(client, cw)
    assert len(held.jobs) == 1 and _hashes(db, cw) == before        # nothing hashed nor set yet
    page = client.get(url).get_data(as_text=True)
    assert "Đang đặt mật khẩu mới" in page and 'id="follow"' in page and "3 phiếu" in page
    assert client.get(url + "/status").get_json() == {"id": int(url.rsplit("/", 1)[1]), "state": "making",
                                                      "done": 0, "total": 3}
    held.run_all()
    status = client.get(url + "/status").get_json()
    assert (status["state"], status["done"], status["total"]) == ("ready", 3, 3)
    page = client.get(url).get_data(as_text=True)
    assert "Đã tạo 3 phiếu đăng nhập" in page and 'id="slips-file"' in page and "60 phút" in page
    pdf = client.get(url + "/file")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    passwords = _passwords(pdf.data)
    assert set(passwords) == {"alice", "bob", "carol"} and _hashes(db, cw) != before
    # the printed password works
    client.post("/logout")
    ok = client.post("/login", data={"username": "bob", "password": passwords["bob"]})
    assert ok.status_code == 302 and "/login" not in ok.headers["Location"]
    # nobody else reaches the batch (bob, logged in with it, neither)
    assert client.get(url).status_code == 404 and client.get(url + "/file").status_code == 404
    # an hour later the PDF (it holds passwords) is gone
    client.post("/logout")
    login("organiser")
    from contests import slips
    from contests.models import SlipBatch
    batch = db.session.get(SlipBatch, int(url.rsplit("/", 1)[1]))
    kept = slips.slips_dir() / batch.stored_file
    assert kept.exists()
    frozen_clock.advance(timedelta(seconds=3601))
    page = client.get(url).get_data(as_text=True)          # looking at the batch deletes it
    assert "không còn (đã quá hạn giữ): hãy in lại" in page and 'id="slips-file"' not in page
    assert not kept.exists()
    r = client.get(url + "/file", follow_redirects=True)
    assert "không còn (đã quá hạn giữ): hãy in lại" in r.get_data(as_text=True)


def test_another_organiser_gets_404(client, login, cw, db, held, few_inline, make_user):
    login("organiser")
    url = _start(client, cw)
    client.post("/logout")
    make_user("organiser2", roles=["organiser"])
    login("organiser2")
    assert client.get(url).status_code == 404 and client.get(url + "/status").status_code == 404


def test_a_change_while_they_are_made_fails_the_batch_and_sets_no_password(client, login, cw, db, held, few_inline,
                                                                          monkeypatch):
    """A pupil logs in for the first time while the slips are made: the printed set would no longer
    match (that pupil's password must not be reset), so the batch fails with a reason and nothing is set."""
    from sqlalchemy import update

    from contests import slips
    from tinhoc import clock
    from tinhoc.accounts.models import User
    login("organiser")
    before = _hashes(db, cw)
    url = _start(client, cw)
    real = slips.hash_passwords

    def alice_logs_in_meanwhile(passwords):
        db.session.execute(update(User).where(User.id == cw["alice"].id).values(last_login_at=clock.now()))
        return real(passwords)
    monkeypatch.setattr(slips, "hash_passwords", alice_logs_in_meanwhile)
    held.run_all()
    page = client.get(url).get_data(as_text=True)
    assert "Không tạo được phiếu đăng nhập" in page and "có em vừa đăng nhập lần đầu" in page
    assert "a pupil has just logged in for the first time" in client.get(url + "?lang=en").get_data(as_text=True)
    assert _hashes(db, cw) == before


def test_a_commit_that_fails_leaves_no_pdf_behind(client, login, cw, db, held, few_inline, monkeypatch):
    """The PDF is written before the transaction that records it: if that commit fails, nothing names
    the file (the sweep would never find it) and its passwords were never set, so it is deleted."""
    from sqlalchemy.exc import OperationalError

    from contests import slips
    login("organiser")
    before = _hashes(db, cw)
    url = _start(client, cw)
    real_audit, real_commit, failing = slips.audit, db.session.commit, []
    files = set(slips_dir_of(client.application).iterdir())      # other tests' files may be there

    def audit_then_fail(*args, **kw):
        failing.append(True)
        return real_audit(*args, **kw)

    def commit(*args, **kw):
        if failing:
            failing.clear()
            raise OperationalError("COMMIT", {}, Exception("the database went away"))
        return real_commit(*args, **kw)
    with monkeypatch.context() as patched, pytest.raises(OperationalError):
        patched.setattr(slips, "audit", audit_then_fail)
        patched.setattr(db.session, "commit", commit)
        slips.make(int(url.rsplit("/", 1)[1]))
    assert set(slips_dir_of(client.application).iterdir()) == files
    assert _hashes(db, cw) == before
    held.run_all()                                     # the job, run again, makes the batch
    assert client.get(url + "/status").get_json()["state"] == "ready"
    assert len(set(slips_dir_of(client.application).iterdir()) - files) == 1


def slips_dir_of(app):
    from contests import slips
    with app.app_context():
        return slips.slips_dir()


def test_a_batch_whose_process_died_is_taken_up_by_its_page(client, login, cw, db, held, few_inline, frozen_clock,
                                                            app):
    login("organiser")
    url = _start(client, cw)
    held.jobs.clear()                                     # the process died before the job ran
    client.get(url)
    assert not held.jobs                                  # still within its heartbeat: left alone
    frozen_clock.advance(timedelta(seconds=app.config["CONTEST_BACKGROUND_STALE_SECONDS"] + 1))
    client.get(url)
    assert len(held.jobs) == 1
    held.run_all()
    assert client.get(url + "/status").get_json()["state"] == "ready"


def test_running_the_job_again_changes_nothing(client, login, cw, db, few_inline):
    """Background jobs may run twice (a claim racing a job that is just finishing)."""
    from contests import slips
    login("organiser")
    url = _start(client, cw)                              # CONTEST_BACKGROUND_VIA inline: made at once
    batch_id = int(url.rsplit("/", 1)[1])
    first = _passwords(client.get(url + "/file").data)
    hashes = _hashes(db, cw)
    assert slips.make(batch_id) == slips.READY
    assert _hashes(db, cw) == hashes and _passwords(client.get(url + "/file").data) == first


def test_a_school_s_slips_still_come_at_once(client, login, cw, db):
    login("organiser")
    r = client.post(f"/contests/{cw['contest'].id}/slips.pdf", data={"school": cw["school"].id})
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert set(_passwords(r.data)) == {"alice", "bob", "carol"}
