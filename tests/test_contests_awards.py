"""Awards over HTTP: rule, compute from the live board, adjust with a reason (audited), review,
publish (certificates once per awarded contestant), withdraw (certificates revoked), who sees what,
the PDF (Vietnamese text) and .xlsx results list, several rounds summed, pluggable score sources."""
from __future__ import annotations

import io
import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.contest_helpers import START, _user, contest_world, make_entry, place_problem
from tests.test_contests_board import record


@pytest.fixture
def aw(db, frozen_clock):
    """Division B: alice 100, bob 40, dave 40 (a tie), erin 0; carol pending (not ranked)."""
    cw = contest_world(db)
    cw["dave"] = _user("dave", ["student"], "Phạm Thị Dung")
    cw["erin"] = _user("erin", ["student"], "Hồ Văn Em")
    cw["entry_d"] = make_entry(db, cw["division"], [cw["dave"]], school=cw["school"])
    cw["entry_e"] = make_entry(db, cw["division"], [cw["erin"]], school=cw["school"])
    p = cw["problem"]
    record(frozen_clock, cw["alice"], p, START + timedelta(minutes=10), "AC")
    record(frozen_clock, cw["bob"], p, START + timedelta(minutes=11), "WA", 40.0)
    record(frozen_clock, cw["dave"], p, START + timedelta(minutes=12), "WA", 40.0)
    frozen_clock.freeze(START + timedelta(hours=4))   # the round is over
    cw["url"] = f"/contests/divisions/{cw['division'].id}/awards"
    return cw


RULE = {"method": "counts", "first": "1", "second": "1", "third": "1", "encouragement": ""}


def _set(db, cw):
    from contests.awards.models import AwardSet
    db.session.expire_all()
    return db.session.scalar(select(AwardSet).where(AwardSet.division_id == cw["division"].id))


def _prizes(db, cw):
    return {row.entry.name: row.prize for row in _set(db, cw).rows}


def _certs(db, revoked=None):
    from tinhoc.certification.models import Certificate
    db.session.expire_all()
    stmt = select(Certificate).where(Certificate.kind == "contest_award")
    if revoked is not None:
        stmt = stmt.where(Certificate.revoked_at.is_not(None) if revoked else Certificate.revoked_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Certificate.id)))


def _flash(client, response) -> str:
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_whole_workflow_with_certificates(client, login, aw, db):
    login("organiser")
    url = aw["url"]
    page = _flash(client, client.post(f"{url}/compute"))
    assert "Hãy đặt cách xét giải trước." in page
    assert client.post(f"{url}/rule", data=RULE).status_code == 302
    page = _flash(client, client.post(f"{url}/compute"))
    assert "Đã tính giải" in page
    # a changed rule drops the computed rows: compute again before any review
    client.post(f"{url}/rule", data={**RULE, "third": "2"})
    assert _set(db, aw).status == "empty" and _set(db, aw).rows == []
    assert "Chỉ bản nháp vừa tính" in _flash(client, client.post(f"{url}/review"))
    client.post(f"{url}/rule", data=RULE)
    client.post(f"{url}/compute")
    # one first (100), the tie at 40 shares the second prize, so no third; 0 points: no prize
    assert _prizes(db, aw) == {"Nguyễn Thị An": "first", "Trần Văn Bình": "second", "Phạm Thị Dung": "second",
                               "Hồ Văn Em": None}
    assert [r.rank for r in _set(db, aw).rows] == [1, 2, 2, 4]
    # publishing an unreviewed draft is refused
    assert "Hãy rà soát kết quả trước khi công bố." in _flash(client, client.post(f"{url}/publish"))
    # adjusting needs a reason; with one it is audited
    row_e = next(r for r in _set(db, aw).rows if r.entry_id == aw["entry_e"].id)
    page = _flash(client, client.post(f"/contests/awards/rows/{row_e.id}/adjust",
                                      data={"prize": "encouragement", "reason": ""}))
    assert "Sửa giải phải nêu lý do." in page
    page = _flash(client, client.post(f"/contests/awards/rows/{row_e.id}/adjust",
                                      data={"prize": "encouragement", "reason": "Bài làm sáng tạo, hội đồng đề nghị"}))
    assert "Đã sửa giải của Hồ Văn Em." in page and "đã sửa; theo quy tắc:" in page
    from tinhoc.audit import AuditEntry
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contest.award.adjust"))
    assert entry.after["reason"] == "Bài làm sáng tạo, hội đồng đề nghị" and entry.before["prize"] is None
    assert _flash(client, client.post(f"{url}/review")) and _set(db, aw).status == "reviewed"
    page = _flash(client, client.post(f"{url}/publish"))
    assert "Đã công bố kết quả" in page and _set(db, aw).status == "published"
    certs = _certs(db)
    assert sorted(c.holder_name for c in certs) == ["Hồ Văn Em", "Nguyễn Thị An", "Phạm Thị Dung", "Trần Văn Bình"]
    alice_cert = next(c for c in certs if c.holder_name == "Nguyễn Thị An")
    assert alice_cert.details == {"title": "Hội thi Tin học trẻ 2026", "division": "Bảng B", "award": "Giải Nhất",
                                  "score": 100.0}
    assert alice_cert.user_id == aw["alice"].id
    # publishing again issues nothing twice; editing a published set is refused
    client.post(f"{url}/publish")
    assert len(_certs(db)) == 4
    assert "hãy hủy công bố trước khi sửa" in _flash(client, client.post(f"{url}/compute"))
    # revising a published prize revokes that entry's certificate and issues the new one; others stay
    alice_before = (alice_cert.id, alice_cert.number)
    page = _flash(client, client.post(f"/contests/awards/rows/{row_e.id}/adjust",
                                      data={"prize": "third", "reason": "Chấm lại phần mở rộng"}))
    assert "Đã sửa giải của Hồ Văn Em." in page
    em = [c for c in _certs(db) if c.holder_name == "Hồ Văn Em"]
    assert [(c.details["award"], c.is_revoked) for c in em] == [("Giải Khuyến khích", True), ("Giải Ba", False)]
    assert em[0].revoked_reason == "Giải được điều chỉnh: Chấm lại phần mở rộng"
    # given back the earlier prize: a new certificate again (the revoked one stays revoked)
    client.post(f"/contests/awards/rows/{row_e.id}/adjust", data={"prize": "encouragement", "reason": "Giữ giải cũ"})
    em = [c for c in _certs(db) if c.holder_name == "Hồ Văn Em"]
    assert [(c.details["award"], c.is_revoked) for c in em] == [("Giải Khuyến khích", True), ("Giải Ba", True),
                                                                ("Giải Khuyến khích", False)]
    alice_now = [c for c in _certs(db) if c.holder_name == "Nguyễn Thị An"]
    assert [(c.id, c.number) for c in alice_now] == [alice_before] and not alice_now[0].is_revoked
    assert len(_certs(db, revoked=False)) == 4
    # withdrawing needs a reason and revokes every certificate of the set
    assert "Hủy công bố phải nêu lý do." in _flash(client, client.post(f"{url}/unpublish", data={"reason": ""}))
    page = _flash(client, client.post(f"{url}/unpublish", data={"reason": "Phúc khảo bài của Hồ Văn Em"}))
    assert "4 giấy chứng nhận bị thu hồi" in page
    assert len(_certs(db, revoked=True)) == 6 and _certs(db, revoked=False) == []
    assert [c.revoked_reason for c in _certs(db)].count("Phúc khảo bài của Hồ Văn Em") == 4
    client.post("/logout")   # withdrawn: hidden from the public again
    assert "Kết quả của bảng này chưa được công bố." in client.get(url).get_data(as_text=True)
    login("organiser")
    # revised: Em loses the prize; publishing again issues new certificates for the three others only
    client.post(f"/contests/awards/rows/{row_e.id}/adjust", data={"prize": "", "reason": "Phúc khảo: giữ nguyên"})
    client.post(f"{url}/publish")
    valid = _certs(db, revoked=False)
    assert sorted(c.holder_name for c in valid) == ["Nguyễn Thị An", "Phạm Thị Dung", "Trần Văn Bình"]
    assert len({c.number for c in _certs(db)}) == 9


def test_unpublished_results_are_the_organisers_only(client, login, aw, db):
    from contests.awards import services
    from tinhoc.access import SYSTEM
    services.save_rule(SYSTEM, aw["division"], "counts", {"first": 1})
    services.compute(SYSTEM, aw["division"])
    url = aw["url"]
    _user("teacher", [])
    for who in (None, "alice", "teacher", "district"):
        if who:
            client.post("/logout")
            login(who)
        page = client.get(url).get_data(as_text=True)
        assert "Kết quả của bảng này chưa được công bố." in page and 'id="award-rows"' not in page, who
        assert "Trần Văn Bình" not in page, who
        assert client.get(f"{url}.pdf").status_code == 404, who
        assert client.get(f"{url}.xlsx").status_code == 404, who
        assert "Trần Văn Bình" not in client.get(f"/contests/{aw['contest'].id}/awards").get_data(as_text=True)
    # the district organiser does not manage a province contest
    assert client.get(f"{url}/manage").status_code == 404
    assert client.post(f"{url}/compute").status_code == 404
    row = services.award_set(aw["division"]).rows[0]
    assert client.post(f"/contests/awards/rows/{row.id}/adjust", data={"prize": "", "reason": "x"}).status_code == 404
    client.post("/logout")
    login("alice")
    assert client.get(f"{url}/manage").status_code == 403
    # the organiser sees the draft, marked as such
    client.post("/logout")
    login("organiser")
    page = client.get(url).get_data(as_text=True)
    assert "Bản chưa công bố" in page and "Nguyễn Thị An" in page
    # published: contestants and the public see it
    services.review(SYSTEM, aw["division"])
    services.publish(SYSTEM, aw["division"])
    client.post("/logout")
    page = client.get(url).get_data(as_text=True)
    assert "Nguyễn Thị An" in page and "Giải Nhất" in page and "Bản chưa công bố" not in page
    assert client.get(f"{url}.pdf").status_code == 200
    assert f"/contests/divisions/{aw['division'].id}/awards" in client.get(
        f"/contests/{aw['contest'].id}/awards").get_data(as_text=True)


def test_district_organiser_manages_a_district_contest(client, login, db, frozen_clock):
    cw = contest_world(db, in_district=True)
    login("district")
    url = f"/contests/divisions/{cw['division'].id}/awards"
    assert client.get(f"{url}/manage").status_code == 200
    assert client.post(f"{url}/rule", data={**RULE, "method": "threshold", "first": "90", "second": "50",
                                            "third": "", "encouragement": ""}).status_code == 302
    assert client.post(f"{url}/compute").status_code == 302
    from contests.awards import services
    assert services.award_set(cw["division"]).status == "draft"


def test_bad_rules_are_refused_with_a_message(client, login, aw, db):
    login("organiser")
    page = _flash(client, client.post(f"{aw['url']}/rule", data={**RULE, "method": "percent", "first": "70",
                                                                   "second": "40"}))
    assert "Tổng tỉ lệ các giải không được quá 100%." in page and _set(db, aw) is None
    page = _flash(client, client.post(f"{aw['url']}/rule", data={**RULE, "first": "hai"}))
    assert "Giải Nhất: hãy nhập một số." in page
    assert client.get("/contests/divisions/99999/awards/manage").status_code == 404
    assert client.get("/contests/divisions/99999/awards").status_code == 404


def test_percentages_are_of_the_entries_that_took_part(client, login, aw, db):
    """Four approved entries, one (erin) never submitted: 50% first and 30% second are of the three
    who took part (cut-offs 1 and 2), not of four (2 and 3, which would make the 40s first)."""
    login("organiser")
    client.post(f"{aw['url']}/rule", data={**RULE, "method": "percent", "first": "50", "second": "30", "third": ""})
    page = _flash(client, client.post(f"{aw['url']}/compute"))
    assert "Tỉ lệ giải tính trên 3 bài dự thi đã tham gia; 1 bài đăng ký nhưng vắng mặt không được tính." in page
    assert _prizes(db, aw) == {"Nguyễn Thị An": "first", "Trần Văn Bình": "second", "Phạm Thị Dung": "second",
                               "Hồ Văn Em": None}


def test_scores_not_final_yet_are_told_on_the_draft(client, login, aw, db, frozen_clock):
    """A submission still waiting for the judge counts as nothing yet: the draft says so, and the
    note goes once it is judged and the awards computed again."""
    from contests import judging
    from tests.test_contests_board import SRC, judge_result
    from tinhoc.access import load_actor
    frozen_clock.freeze(START + timedelta(minutes=50))
    waiting = judging.submit(load_actor(aw["erin"].id), aw["problem"].id, "python3", SRC)
    frozen_clock.freeze(START + timedelta(hours=4))
    login("organiser")
    client.post(f"{aw['url']}/rule", data=RULE)
    page = _flash(client, client.post(f"{aw['url']}/compute"))
    note = "còn 1 bài chưa có điểm cuối"
    assert note in page and "Hãy tính lại giải khi đã chấm xong" in page
    assert _prizes(db, aw)["Hồ Văn Em"] is None
    judging.store_result(waiting.id, judge_result("AC", 100.0))
    page = _flash(client, client.post(f"{aw['url']}/compute"))
    assert note not in page
    assert _prizes(db, aw)["Hồ Văn Em"] == "first"


def _published(aw):
    from contests.awards import services
    from tinhoc.access import SYSTEM
    services.save_rule(SYSTEM, aw["division"], "counts", {"first": 1, "second": 1, "third": 1})
    services.compute(SYSTEM, aw["division"])
    services.review(SYSTEM, aw["division"])
    services.publish(SYSTEM, aw["division"])


def test_pdf_results_list_shows_vietnamese_names(client, aw, db):
    from pypdf import PdfReader
    _published(aw)
    r = client.get(f"{aw['url']}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(r.data))
    text = reader.pages[0].extract_text()
    assert unicodedata.is_normalized("NFC", text)
    for shown in ("Hội thi Tin học trẻ 2026", "DANH SÁCH ĐẠT GIẢI – Bảng B", "Nguyễn Thị An", "Trần Văn Bình",
                  "Phạm Thị Dung", "Trường THCS An Bình", "Giải Nhất", "Giải Nhì"):
        assert shown in text, shown
    assert "BẢN NHÁP" not in text and "Giải Ba" not in text
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert any("DejaVuSans" in str(f["/BaseFont"]) for f in fonts)
    # an English reader gets the same Vietnamese document; the page itself is in English
    client.get("/lang/en")
    assert "Giải Nhất" in PdfReader(io.BytesIO(client.get(f"{aw['url']}.pdf").data)).pages[0].extract_text()
    assert "First prize" in client.get(aw["url"]).get_data(as_text=True)


def test_xlsx_results_list(client, aw, db):
    from openpyxl import load_workbook
    _published(aw)
    r = client.get(f"{aw['url']}.xlsx")
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Hội thi Tin học trẻ 2026" and rows[2] == ("Hạng", "Thí sinh / đội", "Thành viên", "Trường",
                                                                     "Điểm", "Giải")
    assert rows[3:] == [(1, "Nguyễn Thị An", "Nguyễn Thị An", "Trường THCS An Bình", 100, "Giải Nhất"),
                        (2, "Phạm Thị Dung", "Phạm Thị Dung", "Trường THCS An Bình", 40, "Giải Nhì"),
                        (2, "Trần Văn Bình", "Trần Văn Bình", "Trường THCS An Bình", 40, "Giải Nhì"),
                        (4, "Hồ Văn Em", "Hồ Văn Em", "Trường THCS An Bình", 0, None)]


def test_draft_downloads_are_marked(client, login, aw, db):
    from contests.awards import services
    from tinhoc.access import SYSTEM
    services.save_rule(SYSTEM, aw["division"], "counts", {"first": 1})
    services.compute(SYSTEM, aw["division"])
    login("organiser")
    from pypdf import PdfReader
    text = PdfReader(io.BytesIO(client.get(f"{aw['url']}.pdf").data)).pages[0].extract_text()
    assert "BẢN NHÁP – CHƯA RÀ SOÁT" in text


def test_rounds_sum_and_sources_are_pluggable(client, login, aw, db, frozen_clock, monkeypatch):
    """Two programming rounds add up; a round kind without a source is noted and left out; a source
    registered for it (as the creative-product jury will) is added in."""
    from contests import services as contests
    from contests.awards import services, sources
    from tinhoc.access import SYSTEM
    r2 = contests.add_round(SYSTEM, aw["division"], title="Vòng 2", starts_at=START + timedelta(hours=5),
                            ends_at=START + timedelta(hours=8))
    p2 = place_problem(db, r2, letter="B")
    record(frozen_clock, aw["bob"], p2, START + timedelta(hours=5, minutes=5), "AC")   # bob 40 + 100
    creative = contests.add_round(SYSTEM, aw["division"], title="Sản phẩm sáng tạo", kind="quiz",
                                  starts_at=START, ends_at=START + timedelta(hours=1))
    monkeypatch.delitem(sources._SOURCES, "quiz")        # a round kind with no source yet
    services.save_rule(SYSTEM, aw["division"], "counts", {"first": 1, "second": 1})
    found = services.compute(SYSTEM, aw["division"])
    assert [(r.entry.name, r.score, r.prize) for r in found.rows][:3] == [
        ("Trần Văn Bình", 140.0, "first"), ("Nguyễn Thị An", 100.0, "second"), ("Phạm Thị Dung", 40.0, None)]
    assert found.notes == ["Vòng “Sản phẩm sáng tạo” chưa có nguồn điểm nên không được tính."]
    monkeypatch.setitem(sources._SOURCES, "quiz",
                        lambda rnd: {aw["entry_d"].id: (200.0, 0)} if rnd.id == creative.id else {})
    found = services.compute(SYSTEM, aw["division"])
    assert found.rows[0].entry.name == "Phạm Thị Dung" and found.rows[0].score == 240.0 and found.notes == []
    login("organiser")
    assert "Phạm Thị Dung" in client.get(f"{aw['url']}/manage").get_data(as_text=True)
    with pytest.raises(ValueError):
        sources.register("programming")(lambda rnd: {})


def test_demo_publishes_awards(app, db, client):
    from contests.awards.models import AwardSet
    from contests.models import Division
    result = app.test_cli_runner().invoke(args=["tinhoc", "seed-demo"])
    assert result.exit_code == 0, result.output
    sets = list(db.session.scalars(select(AwardSet)))
    assert {s.division.code for s in sets} == {"A", "B", "C1", "C2"}
    assert all(s.status == "published" for s in sets)
    b = db.session.scalar(select(Division).where(Division.code == "B"))
    page = client.get(f"/contests/divisions/{b.id}/awards").get_data(as_text=True)
    assert "Giải Nhất" in page
    from tinhoc.certification.models import Certificate
    issued = db.session.scalar(select(func.count(Certificate.id)).where(Certificate.kind == "contest_award",
                                                                       Certificate.source.like("contest_award:s%")))
    assert issued >= 4
    again = app.test_cli_runner().invoke(args=["tinhoc", "seed-demo"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count(Certificate.id)).where(
        Certificate.kind == "contest_award", Certificate.source.like("contest_award:s%"))) == issued


def test_icpc_division_ranks_by_solved_then_penalty_and_certificates_show_no_score(db, frozen_clock):
    from contests.awards import services
    from tinhoc.access import SYSTEM
    cw = contest_world(db, scoring="icpc")
    p = cw["problem"]
    record(frozen_clock, cw["bob"], p, START + timedelta(minutes=30), "AC")      # 30 minutes
    record(frozen_clock, cw["alice"], p, START + timedelta(minutes=5), "WA")
    record(frozen_clock, cw["alice"], p, START + timedelta(minutes=10), "AC")    # 10 + 20 = 30: a tie
    services.save_rule(SYSTEM, cw["division"], "counts", {"first": 1, "second": 1})
    found = services.compute(SYSTEM, cw["division"])
    assert [(r.entry.name, r.score, r.penalty, r.rank, r.prize) for r in found.rows] == [
        ("Nguyễn Thị An", 1.0, 30, 1, "first"), ("Trần Văn Bình", 1.0, 30, 1, "first")]
    services.review(SYSTEM, cw["division"])
    _found, issued, _revoked = services.publish(SYSTEM, cw["division"])
    assert issued == 2
    assert all("score" not in c.details and c.details["award"] == "Giải Nhất" for c in _certs(db))
