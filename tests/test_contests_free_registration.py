"""Free candidates (thí sinh tự do) register themselves for a division the organiser opened to them:
the window, eligibility, duplicates, the password rule, the rate limit, a logged-in pupil's own entry,
and the organiser's approval after which the candidate logs in and reaches the round."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.contest_helpers import START, contest_world

PASSWORD = "mật-khẩu-đủ-dài"


@pytest.fixture
def cw(db, frozen_clock):
    cw = contest_world(db)
    cw["division"].open_to_free = True
    db.session.commit()
    return cw


def _data(**over):
    base = {"full_name": "Đặng Thị Hồng Nhung", "date_of_birth": "2012-05-17", "grade": 8, "level": "lower",
            "school": 0, "school_name": "Trường THCS Lê Lợi (tỉnh bạn)", "contact": "nhung@example.vn",
            "password": PASSWORD, "confirm": PASSWORD}
    return {**base, **over}


def _url(cw, division=None):
    return f"/contests/divisions/{(division or cw['division']).id}/free-register"


def _entries(db):
    from contests.models import Entry
    return db.session.scalar(select(func.count(Entry.id)))


def _free_entry(db, name="Đặng Thị Hồng Nhung"):
    from contests.models import Entry
    return db.session.scalar(select(Entry).where(Entry.name == name))


def _is_open(db, division):
    from contests.models import Division
    db.session.expire_all()
    return db.session.get(Division, division.id).open_to_free


def test_anonymous_registers_gets_a_username_and_waits_for_approval(client, cw, db):
    page = client.get(_url(cw)).get_data(as_text=True)
    assert "free-register-form" in page and "Bảng B" in page and "Trường THCS An Bình" in page
    r = client.post(_url(cw), data=_data(), follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="username"' in page
    entry = _free_entry(db)
    assert entry.status == "pending" and entry.free_candidate and entry.school_id is None
    assert entry.school_name == "Trường THCS Lê Lợi (tỉnh bạn)" and entry.contact == "nhung@example.vn"
    member = entry.members[0]
    assert str(member.date_of_birth) == "2012-05-17" and member.grade == 8
    user = member.user
    assert user.username in page and user.username.startswith("ts26b") and "student" in user.role_names
    assert user.email == "nhung@example.vn" and not user.must_change_password
    # not approved yet: the round is not theirs
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    assert client.get(f"/contests/rounds/{cw['round'].id}").status_code == 404


def test_chosen_school_and_phone(client, cw, db):
    r = client.post(_url(cw), data=_data(school=cw["school"].id, school_name="", contact="0912 345 678"), follow_redirects=True)
    assert r.status_code == 200
    entry = _free_entry(db)
    assert entry.school_id == cw["school"].id and entry.contact == "0912345678" and entry.members[0].user.email is None


def test_division_not_open_to_free_candidates_is_404(client, cw, db):
    from contests import services
    from tinhoc.access import SYSTEM
    closed_div = services.add_division(SYSTEM, cw["contest"], code="C2", name="Bảng C2", school_levels=["upper"],
                                       min_grade=10, max_grade=12)
    assert client.get(_url(cw, closed_div)).status_code == 404
    assert client.post(_url(cw, closed_div), data=_data(grade=11, level="upper"), follow_redirects=True).status_code == 404
    assert client.get("/contests/divisions/99999/free-register").status_code == 404
    assert _entries(db) == 3
    listing = client.get("/contests/free").get_data(as_text=True)
    assert "Bảng B" in listing and "Bảng C2" not in listing


def test_window_before_and_after(client, cw, db):
    contest = cw["contest"]
    contest.registration_opens_at = START + timedelta(days=1)
    db.session.commit()
    page = client.get(_url(cw)).get_data(as_text=True)
    assert "Chưa đến thời gian đăng ký" in page and "free-register-form" not in page
    page = client.post(_url(cw), data=_data(), follow_redirects=True).get_data(as_text=True)
    assert "Chưa đến thời gian đăng ký" in page and _free_entry(db) is None
    assert "Bảng B" not in client.get("/contests/free").get_data(as_text=True)
    contest.registration_opens_at = START - timedelta(days=10)
    contest.registration_closes_at = START - timedelta(days=1)
    db.session.commit()
    page = client.post(_url(cw), data=_data(), follow_redirects=True).get_data(as_text=True)
    assert "Đã hết thời gian đăng ký" in page and _free_entry(db) is None
    contest.registration_closes_at = START + timedelta(days=1)
    db.session.commit()
    assert 'id="username"' in client.post(_url(cw), data=_data(), follow_redirects=True).get_data(as_text=True)


def test_ineligible_grade_refused_and_form_kept(client, cw, db):
    page = client.post(_url(cw), data=_data(grade=11, level="upper"), follow_redirects=True).get_data(as_text=True)
    assert "Lớp 11 cao hơn quy định của bảng B" in page
    assert 'value="Đặng Thị Hồng Nhung"' in page and 'value="Trường THCS Lê Lợi (tỉnh bạn)"' in page
    assert 'value="nhung@example.vn"' in page and 'value="2012-05-17"' in page
    assert _free_entry(db) is None
    # the declared level must fit the grade (a grade-12 pupil cannot pass as a primary pupil)
    page = client.post(_url(cw), data=_data(grade=9, level="primary"), follow_redirects=True).get_data(as_text=True)
    assert "Lớp 9 không thuộc cấp học đã chọn" in page and _free_entry(db) is None
    # a primary pupil may enter above their level (as a school's registration allows)
    assert 'id="username"' in client.post(_url(cw), data=_data(grade=5, level="primary"), follow_redirects=True).get_data(as_text=True)


def test_duplicate_name_and_birth_date_refused(client, cw, db):
    from tinhoc.accounts.models import User
    assert client.post(_url(cw), data=_data(), follow_redirects=True).status_code == 200
    users = db.session.scalar(select(func.count(User.id)))
    # the same person again, typed in capitals and without tones
    page = client.post(_url(cw), data=_data(full_name="DANG THI HONG NHUNG", contact="khac@example.vn"), follow_redirects=True) \
        .get_data(as_text=True)
    assert "đã đăng ký bảng B; không đăng ký lại" in page and 'value="DANG THI HONG NHUNG"' in page
    assert db.session.scalar(select(func.count(User.id))) == users and _entries(db) == 4
    # another person with the same name but another birth date is welcome
    assert 'id="username"' in client.post(_url(cw), data=_data(date_of_birth="17/06/2012"), follow_redirects=True).get_data(as_text=True)


def test_weak_password_mismatch_and_missing_fields(client, cw, db):
    page = client.post(_url(cw), data=_data(password="ngan", confirm="ngan"), follow_redirects=True).get_data(as_text=True)
    assert "Mật khẩu phải có ít nhất 8 ký tự" in page and 'value="Đặng Thị Hồng Nhung"' in page
    page = client.post(_url(cw), data=_data(confirm="khác-hẳn-đi-nhé"), follow_redirects=True).get_data(as_text=True)
    assert "Hai lần nhập mật khẩu không trùng nhau" in page
    page = client.post(_url(cw), data=_data(contact="gọi tôi"), follow_redirects=True).get_data(as_text=True)
    assert "thư điện tử hoặc số điện thoại hợp lệ" in page
    assert _free_entry(db) is None and _entries(db) == 3


def test_school_date_and_name_checked(client, cw, db):
    page = client.post(_url(cw), data=_data(school_name=""), follow_redirects=True).get_data(as_text=True)
    assert "Hãy chọn trường trong danh sách hoặc nhập tên trường" in page
    page = client.post(_url(cw), data=_data(date_of_birth="32/13/2012", full_name=""), follow_redirects=True).get_data(as_text=True)
    assert "Ngày không hợp lệ" in page and "Mục này không được để trống" in page
    page = client.post(_url(cw), data=_data(school=987654), follow_redirects=True).get_data(as_text=True)
    assert "không thuộc phạm vi của hội thi" in page
    assert _free_entry(db) is None and _entries(db) == 3


def test_rate_limit_per_address_counts_registrations_made(app, client, cw, db):
    """A school room shares one address: only the registrations made count toward its quota, so a
    pupil's typos do not lock out the next pupil; posts of any outcome have a looser limit."""
    app.config.update(CONTEST_FREE_REGISTER_LIMIT="2 per hour", CONTEST_FREE_ATTEMPT_LIMIT="6 per hour")
    try:
        for _ in range(3):     # refused forms: no account made, not counted as registrations
            page = client.post(_url(cw), data=_data(password="ngan"), follow_redirects=True)
            assert page.status_code == 200 and "danger" in page.get_data(as_text=True)
        for name in ("Đặng Thị Hồng Nhung", "Lê Văn Đức"):
            r = client.post(_url(cw), data=_data(full_name=name, contact=f"{len(name)}@example.vn"))
            assert r.status_code == 302 and _free_entry(db, name) is not None
        r = client.post(_url(cw), data=_data(full_name="Ngô Bảo Châu", contact="chau@example.vn"),
                        follow_redirects=True)
        assert r.status_code == 429 and _free_entry(db, "Ngô Bảo Châu") is None
        assert client.get(_url(cw)).status_code == 200   # reading the page is not limited
        other = {"REMOTE_ADDR": "10.9.8.7"}
        r = client.post(_url(cw), data=_data(full_name="Ngô Bảo Châu", contact="chau@example.vn"),
                        environ_base=other)
        assert r.status_code == 302 and _free_entry(db, "Ngô Bảo Châu") is not None
        for _ in range(5):     # a script posting junk from that address: stopped by the attempts limit
            assert client.post(_url(cw), data=_data(password="x"), environ_base=other).status_code == 200
        r = client.post(_url(cw), data=_data(full_name="Phạm Thu Hà", contact="ha@example.vn"), environ_base=other)
        assert r.status_code == 429 and _free_entry(db, "Phạm Thu Hà") is None
    finally:
        app.config.update(CONTEST_FREE_REGISTER_LIMIT="30 per hour;100 per day",
                          CONTEST_FREE_ATTEMPT_LIMIT="120 per hour")


def test_logged_in_pupil_registers_themselves_without_a_new_account(client, login, cw, db, make_user):
    from tinhoc.accounts.models import User
    dung = make_user("dung", roles=["student"], full_name="Vũ Tiến Dũng")
    login("dung")
    page = client.get(_url(cw)).get_data(as_text=True)
    assert 'value="Vũ Tiến Dũng"' in page and 'name="password"' not in page
    users = db.session.scalar(select(func.count(User.id)))
    r = client.post(_url(cw), data=_data(full_name="Vũ Tiến Dũng", contact="", password="", confirm=""), follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="username"' not in page and "chờ ban tổ chức duyệt" in page
    assert db.session.scalar(select(func.count(User.id))) == users
    entry = _free_entry(db, "Vũ Tiến Dũng")
    assert entry.members[0].user_id == dung.id and entry.free_candidate and entry.status == "pending"
    # once is enough: the same account again (another birth date typed) is refused
    page = client.post(_url(cw), data=_data(full_name="Vũ Tiến Dũng", date_of_birth="2012-01-01", contact="",
                                           password="", confirm=""), follow_redirects=True).get_data(as_text=True)
    assert "không đăng ký lại" in page
    assert "chờ duyệt" in client.get(f"/contests/{cw['contest'].id}").get_data(as_text=True)


def test_organiser_opens_division_approves_and_candidate_reaches_the_round(client, login, cw, db):
    from contests import services
    from tinhoc.access import SYSTEM
    c2 = services.add_division(SYSTEM, cw["contest"], code="C2", name="Bảng C2", school_levels=["upper"],
                               min_grade=10, max_grade=12)
    login("organiser")
    page = client.get(f"/contests/{cw['contest'].id}").get_data(as_text=True)
    assert "Mở cho thí sinh tự do" in page
    r = client.post(f"/contests/divisions/{c2.id}/free-candidates", data={"open": "y"})
    assert r.status_code == 302 and _is_open(db, c2)
    client.post(f"/contests/divisions/{c2.id}/free-candidates", data={})
    assert not _is_open(db, c2)
    client.post("/logout")
    client.delete_cookie("session")
    page = client.post(_url(cw), data=_data(), follow_redirects=True).get_data(as_text=True)
    entry = _free_entry(db)
    username = entry.members[0].user.username
    login("organiser")
    page = client.get(f"/contests/{cw['contest'].id}/entries").get_data(as_text=True)
    assert "Thí sinh tự do" in page and "Trường THCS Lê Lợi (tỉnh bạn)" in page and "nhung@example.vn" in page
    # the slips never reset a free candidate's own password
    assert client.post(f"/contests/{cw['contest'].id}/slips.pdf", data={}).status_code == 200
    assert client.post(f"/contests/entries/{entry.id}/approve", data={}).status_code == 302
    client.post("/logout")
    client.delete_cookie("session")
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    assert "đã duyệt" in client.get(f"/contests/{cw['contest'].id}").get_data(as_text=True)
    assert "Vòng tỉnh" in client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)


def test_toggle_only_by_the_contest_s_organisers(client, login, cw, db, make_user, grant):
    division = cw["division"]
    login("district")   # a district organiser does not manage the province contest
    assert client.post(f"/contests/divisions/{division.id}/free-candidates", data={}).status_code == 404
    assert _is_open(db, division)
    login("teacher", roles=["teacher"])
    assert client.post(f"/contests/divisions/{division.id}/free-candidates", data={}).status_code == 403


@pytest.mark.db
@pytest.mark.skipif(not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
                    reason="concurrent transactions need PostgreSQL")
def test_the_same_candidate_posted_four_times_at_once_is_one_entry(app, cw, db):
    """Four requests at once, each in its own session: one entry, three refusals as duplicates."""
    import threading
    from datetime import date

    from contests import free_registration
    from contests.models import Division
    from contests.services import ContestError
    from tinhoc.access import Actor
    division_id = cw["division"].id
    barrier, refused, errors = threading.Barrier(4), [], []

    def work() -> None:
        with app.test_request_context():
            try:
                division = db.session.get(Division, division_id)
                application = free_registration.Application(
                    full_name="Đặng Thị Hồng Nhung", date_of_birth=date(2012, 5, 17), grade=8, school_level="lower",
                    school_name="Trường THCS Lê Lợi", contact="0912345678", password=PASSWORD)
                barrier.wait(timeout=10)
                free_registration.register(Actor(None, {}, "127.0.0.1"), division, application)
            except ContestError as exc:
                refused.append(str(exc))
            except Exception as exc:  # noqa: BLE001  (reported below)
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(refused) == 3 and all("không đăng ký lại" in r for r in refused)
    db.session.expire_all()
    assert _entries(db) == 4


def test_the_username_page_is_its_own_and_shows_once(client, cw, db):
    """After the post comes a redirect: refreshing the page shown does not post the form again, and the
    username shows once (it leaves the session as it is shown)."""
    r = client.post(_url(cw), data=_data())
    assert r.status_code == 302 and r.headers["Location"].endswith(_url(cw) + "/done")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="username"' in page and "Đặng Thị Hồng Nhung" in page
    again = client.get(r.headers["Location"])
    assert again.status_code == 302 and "/contests/free" in again.headers["Location"]
    assert _entries(db) == 4            # the world's three and this one: nothing posted twice
