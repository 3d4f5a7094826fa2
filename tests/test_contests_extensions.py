"""Extra time for some entries over HTTP: a school that lost power gets twenty minutes past the end of
the round, its pupils submit and ask in them and nobody else may; one entry, a whole school,
granted again (replaced), removed; bad input refused with the reason; only programming rounds;
audited; the contestant is told, in Vietnamese and English."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.contest_helpers import START, _user, cw, fresh_board_cache, make_entry  # noqa: F401 (fixtures)
from tests.test_contests_board import SRC

END = START + timedelta(hours=3)


def _grant(client, cw, target, minutes="20", reason="Trường mất điện 20 phút"):
    return client.post(f"/contests/rounds/{cw['round'].id}/extensions",
                       data={"target": target, "minutes": minutes, "reason": reason}, follow_redirects=True)


def _submit(client, cw):
    return client.post(f"/contests/problems/{cw['problem'].id}/submit", data={"language": "python3", "source": SRC},
                       follow_redirects=True).get_data(as_text=True)


def _extensions(db):
    from contests.models import RoundExtension
    db.session.expire_all()
    return {x.entry.name: (x.minutes, x.reason) for x in db.session.scalars(select(RoundExtension))}


@pytest.fixture
def other_school(cw, db):
    """Dũng, in another school of the district, entered in the same division."""
    from tinhoc.access import SYSTEM
    from tinhoc.orgs import services as orgs
    school = orgs.create_organisation(SYSTEM, kind="school", code="H-AB-THCS2", name="Trường THCS Bình Minh",
                                      parent_id=cw["school"].parent_id)
    cw["dung"] = _user("dung", ["student"], "Vũ Tiến Dũng")
    cw["entry_d"] = make_entry(db, cw["division"], [cw["dung"]], school=school)
    return school


def test_a_school_s_pupils_submit_in_their_extra_time_and_nobody_else(client, login, cw, db, frozen_clock,
                                                                       other_school):
    from tinhoc.audit import AuditEntry
    login("organiser")
    page = client.get(f"/contests/rounds/{cw['round'].id}/edit").get_data(as_text=True)
    assert f'value="school:{cw["school"].id}"' in page and "Cả trường: Trường THCS An Bình" in page
    r = _grant(client, cw, f"school:{cw['school'].id}")
    assert "Đã gia hạn 20 phút cho 2 bài dự thi." in r.get_data(as_text=True)      # alice and bob; carol pending
    assert _extensions(db) == {"Nguyễn Thị An": (20, "Trường mất điện 20 phút"),
                               "Trần Văn Bình": (20, "Trường mất điện 20 phút")}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contest.round.extend"))
    assert entry.after["minutes"] == 20 and len(entry.after["entries"]) == 2
    frozen_clock.freeze(END + timedelta(minutes=10))              # ten minutes after the round's end
    login("alice")
    page = client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)
    assert "được gia hạn thêm 20 phút" in page and 'id="ask-form"' in page
    assert "Đã nhận bài nộp" in _submit(client, cw)
    assert "extra 20 minutes" in client.get(f"/contests/rounds/{cw['round'].id}?lang=en").get_data(as_text=True)
    login("dung")                                                 # the other school: the round is over
    assert "Vòng thi đã kết thúc" in _submit(client, cw)
    page = client.get(f"/contests/rounds/{cw['round'].id}").get_data(as_text=True)
    assert "gia hạn" not in page and 'id="ask-form"' not in page
    frozen_clock.freeze(END + timedelta(minutes=20))              # the extra time is over too
    login("bob")
    assert "Vòng thi đã kết thúc lúc 10:20:00 UTC" in _submit(client, cw)


def test_one_entry_granted_again_replaces_and_removed_ends_it(client, login, cw, db, frozen_clock, other_school):
    login("organiser")
    assert "cho 1 bài dự thi" in _grant(client, cw, f"entry:{cw['entry_d'].id}", "10").get_data(as_text=True)
    assert "cho 1 bài dự thi" in _grant(client, cw, f"entry:{cw['entry_d'].id}", "30", "Mất mạng").get_data(as_text=True)
    assert _extensions(db) == {"Vũ Tiến Dũng": (30, "Mất mạng")}
    page = client.get(f"/contests/rounds/{cw['round'].id}/edit").get_data(as_text=True)
    listing = page.split('id="extension-list"')[1].split("</table>")[0]
    assert "Vũ Tiến Dũng" in listing and "Mất mạng" in listing and "30 phút" in listing
    from contests.models import RoundExtension
    ext_id = db.session.scalar(select(RoundExtension.id))
    r = client.post(f"/contests/round-extensions/{ext_id}/delete", follow_redirects=True)
    assert "Đã bỏ gia hạn." in r.get_data(as_text=True) and _extensions(db) == {}
    frozen_clock.freeze(END + timedelta(minutes=5))
    login("dung")
    assert "Vòng thi đã kết thúc" in _submit(client, cw)


@pytest.mark.parametrize("target,minutes,reason,message", [
    ("", "20", "x", "Lựa chọn không hợp lệ"),
    ("entry:999999", "20", "x", "Lựa chọn không hợp lệ"),
    ("{entry_c}", "20", "x", "Lựa chọn không hợp lệ"),      # pending, not approved: not offered
    ("{entry_a}", "0", "x", "Số phải nằm trong khoảng 1 đến 600"),
    ("{entry_a}", "601", "x", "Số phải nằm trong khoảng 1 đến 600"),
    ("{entry_a}", "mười", "x", "Hãy nhập một số nguyên"),
    ("{entry_a}", "20", "   ", "Mục này không được để trống"),
])
def test_bad_input_is_refused_with_the_reason(client, login, cw, db, target, minutes, reason, message):
    login("organiser")
    target = target.format(entry_a=f"entry:{cw['entry_a'].id}", entry_c=f"entry:{cw['entry_c'].id}")
    page = _grant(client, cw, target, minutes, reason).get_data(as_text=True)
    assert message in page, page[page.find("alert"):][:300]
    assert _extensions(db) == {}


def test_only_programming_rounds_and_only_their_managers(client, login, cw, db):
    from contests import extensions, services
    from contests.services import ContestError
    from tinhoc.access import SYSTEM, load_actor
    quiz = services.add_round(SYSTEM, cw["division"], title="Trắc nghiệm", kind="quiz",
                              starts_at=START, ends_at=END)
    with pytest.raises(ContestError, match="Chỉ gia hạn riêng được ở vòng thi lập trình"):
        extensions.grant(SYSTEM, quiz.id, target=f"entry:{cw['entry_a'].id}", minutes=10, reason="x")
    login("organiser")
    assert 'id="extension-form"' not in client.get(f"/contests/rounds/{quiz.id}/edit").get_data(as_text=True)
    extensions.grant(SYSTEM, cw["round"].id, target=f"entry:{cw['entry_a'].id}", minutes=10, reason="x")
    from contests.models import RoundExtension
    ext_id = db.session.scalar(select(RoundExtension.id))
    login("district")                    # organiser of a district: this province contest is not theirs
    assert _grant(client, cw, f"entry:{cw['entry_b'].id}").status_code == 404
    assert client.post(f"/contests/round-extensions/{ext_id}/delete").status_code == 404
    with pytest.raises(services.NotFound):
        extensions.remove(load_actor(cw["alice"].id), ext_id)
    assert _extensions(db) == {"Nguyễn Thị An": (10, "x")}
