"""Jurors grade blind (codes only: no names, schools, usernames or file names on any juror page or
download header), only their own assignments, within each criterion's range, until the jury closes;
the chair settles flagged entries with a reason in the audit log; final_scores() for the rest."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from tests.jury_helpers import JURY_CLOSES, JURY_OPENS, jury_world, put_product, small_zip


@pytest.fixture
def graded(db, frozen_clock):
    """Both teams' products, each assigned to `grader` and `juror2`; the clock at the round's end."""
    from tinhoc.access import SYSTEM
    from contests.jury import services
    w = jury_world(db)
    w["pa"] = put_product(db, w["creative"], w["team_a"], filename="SonCa-PhamThiDa.zip",
                          description="Trò chơi học toán cho lớp 5", data=small_zip("Sơn Ca"))
    w["pb"] = put_product(db, w["creative"], w["team_b"], filename="HoaMi.zip")
    services.assign_automatically(SYSTEM, w["creative"], [w["grader"].id, w["juror2"].id])
    w["by"] = {(a.entry_id, a.juror_id): a.id for a in services.assignments_of(w["creative"].id)}
    frozen_clock.advance(JURY_OPENS - frozen_clock.now())
    return w


def _aid(w, team, juror):
    return w["by"][(w[team].id, w[juror].id)]


def _grade(client, aid, c1, c2, comment="Ổn định, sáng tạo", w=None):
    return client.post(f"/contests/jury/assignments/{aid}", data={f"c{w['c1'].id}": c1, f"c{w['c2'].id}": c2,
                                                                  "comment": comment}, follow_redirects=True)


def _assignment(db, aid):
    from contests.jury.models import JuryAssignment
    db.session.expire_all()
    return db.session.get(JuryAssignment, aid)


SECRETS = ("Đội Sơn Ca", "Phạm Thị Dạ", "Võ Minh Đức", "danasc", "ducsc", "Trường THCS An Bình", "SonCa-PhamThiDa",
           "Đội Họa Mi", "Hồ Ngọc Én", "evehm", "HoaMi.zip")


def _assert_blind(text: str):
    for secret in SECRETS:
        assert secret not in text, secret


def test_juror_pages_and_download_never_show_who(client, login, db, graded):
    from contests.jury import scoring
    from tinhoc.access import Actor
    w = graded
    scoring.save_scores(Actor(w["juror2"].id, {"grader": None}), _aid(w, "team_a", "juror2"),
                        {w["c1"].id: "1", w["c2"].id: "1"}, "Chưa tốt")
    login("grader")     # also the chair
    aid = _aid(w, "team_a", "grader")
    pages = [client.get("/contests/jury/"), client.get(f"/contests/jury/assignments/{aid}"),
             _grade(client, aid, "9", "9", w=w), client.get(f"/contests/jury/chair/{w['creative'].id}")]
    for page in pages:
        assert page.status_code == 200
        _assert_blind(page.get_data(as_text=True))
    assert w["pa"].code in pages[0].get_data(as_text=True) and "Trò chơi học toán" in pages[1].get_data(as_text=True)
    assert w["pa"].code in pages[3].get_data(as_text=True)       # flagged: 27 vs 3
    download = client.get(f"/contests/jury/assignments/{aid}/product")
    assert download.status_code == 200 and download.data == small_zip("Sơn Ca")
    header = " ".join(f"{k}: {v}" for k, v in download.headers.items())
    assert f"{w['pa'].code}.zip" in header
    _assert_blind(header)


def test_juror_sees_only_own_assignments(client, login, db, graded):
    w = graded
    other = _aid(w, "team_a", "juror2")
    login("grader")
    queue = client.get("/contests/jury/").get_data(as_text=True)
    assert f"/contests/jury/assignments/{other}" not in queue
    assert client.get(f"/contests/jury/assignments/{other}").status_code == 404
    assert client.get(f"/contests/jury/assignments/{other}/product").status_code == 404
    assert _grade(client, other, "5", "5", w=w).status_code == 404
    assert _assignment(db, other).total is None
    assert client.get("/contests/jury/assignments/999999").status_code == 404


@pytest.mark.parametrize("who", ["danasc", "organiser", "alice"])
def test_non_jurors_get_nothing(client, login, db, graded, who):
    w = graded
    login(who)
    aid = _aid(w, "team_a", "grader")
    assert client.get(f"/contests/jury/assignments/{aid}").status_code == 404
    assert client.get(f"/contests/jury/assignments/{aid}/product").status_code == 404
    assert client.get(f"/contests/jury/chair/{w['creative'].id}").status_code == 404
    assert client.post(f"/contests/jury/chair/{w['creative'].id}/decisions",
                       data={"code": w["pa"].code, "score": "1", "reason": "x"}).status_code == 404
    if who != "organiser":
        assert client.get("/contests/jury/").status_code == 403


def test_grading_within_range_weighted_total_and_revision(client, login, db, graded):
    w = graded
    login("grader")
    aid = _aid(w, "team_a", "grader")
    for c1, c2, message in (("11", "5", "phải từ 0 đến 10"), ("-1", "5", "phải từ 0 đến 10"),
                            ("", "5", "Hãy cho điểm tiêu chí “Ý tưởng sáng tạo”"),
                            ("tám", "5", "Ý tưởng sáng tạo: hãy nhập một số."), ("inf", "5", "hãy nhập một số")):
        text = _grade(client, aid, c1, c2, w=w).get_data(as_text=True)
        assert message in text
        assert _assignment(db, aid).total is None
    text = _grade(client, aid, "7,5", "6", comment="Ý tưởng hay; cần thêm hướng dẫn", w=w).get_data(as_text=True)
    assert "Đã lưu điểm." in text and 'value="7,5"' in text
    a = _assignment(db, aid)
    assert a.total == 21.0 and a.scores == {str(w["c1"].id): 7.5, str(w["c2"].id): 6.0}
    assert a.comment == "Ý tưởng hay; cần thêm hướng dẫn"
    _grade(client, aid, "8", "8", w=w)
    assert _assignment(db, aid).total == 24.0


def test_grading_closed_before_round_end_and_after_jury_closes(client, login, db, graded, frozen_clock):
    w = graded
    aid = _aid(w, "team_a", "grader")
    login("grader")
    frozen_clock.advance(timedelta(minutes=-1))       # 09:59: teams may still replace their products
    assert "Ngoài thời gian chấm" in _grade(client, aid, "5", "5", w=w).get_data(as_text=True)
    assert _assignment(db, aid).total is None
    frozen_clock.advance(timedelta(minutes=1))
    _grade(client, aid, "5", "5", w=w)
    frozen_clock.advance(JURY_CLOSES - frozen_clock.now())
    text = _grade(client, aid, "9", "9", w=w).get_data(as_text=True)
    assert "Ngoài thời gian chấm: điểm không được ghi nhận. Điểm đã chấm trước đó vẫn được giữ." in text
    assert _assignment(db, aid).total == 15.0
    page = client.get(f"/contests/jury/assignments/{aid}").get_data(as_text=True)
    assert "chỉ xem được điểm đã chấm" in page and "Lưu điểm" not in page


def test_flag_chair_decision_audit_and_final_scores(client, login, db, graded):
    from tinhoc.audit import AuditEntry
    from contests.jury import scoring
    w = graded
    login("juror2")
    _grade(client, _aid(w, "team_a", "juror2"), "9", "9", w=w)      # 27
    _grade(client, _aid(w, "team_b", "juror2"), "6", "6", w=w)      # 18
    assert client.get(f"/contests/jury/chair/{w['creative'].id}").status_code == 404   # not the chair
    client.post("/logout")
    login("grader")
    _grade(client, _aid(w, "team_a", "grader"), "5", "5", w=w)      # 15: 12 apart, margin 5: flagged
    _grade(client, _aid(w, "team_b", "grader"), "7", "5", w=w)      # 19: 1 apart
    assert scoring.final_scores(w["creative"].id) == {w["team_b"].id: 18.5}
    from contests.awards import services as awards
    _standings, notes = awards.standings(w["creative"].division)     # computing awards now would say
    assert len(notes) == 1 and "còn 1 bài chưa có điểm cuối" in notes[0] and w["creative"].title in notes[0]
    page = client.get(f"/contests/jury/chair/{w['creative'].id}").get_data(as_text=True)
    flagged = page.split('id="flagged"')[1].split("</table>")[0]
    assert w["pa"].code in flagged and w["pb"].code not in flagged
    url = f"/contests/jury/chair/{w['creative'].id}/decisions"
    for data, message in (({"code": w["pa"].code, "score": "20", "reason": ""}, "Hãy nhập điểm cuối và lý do"),
                          ({"code": w["pa"].code, "score": "31", "reason": "Quá cao"}, "phải từ 0 đến 30"),
                          ({"code": w["pb"].code, "score": "20", "reason": "Không lệch"}, "không bị đánh dấu lệch"),
                          ({"code": "D1-000", "score": "20", "reason": "?"}, "Không có sản phẩm nào mang mã")):
        assert message in client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert w["team_a"].id not in scoring.final_scores(w["creative"].id)
    r = client.post(url, data={"code": w["pa"].code.lower(), "score": "22,5",
                               "reason": "Xem lại sản phẩm: giám khảo 2 chưa chạy được phần mềm"}, follow_redirects=True)
    assert f"Đã ghi quyết định của trưởng ban cho {w['pa'].code}" in r.get_data(as_text=True)
    assert scoring.final_scores(w["creative"].id) == {w["team_a"].id: 22.5, w["team_b"].id: 18.5}
    # the awards read the settled scores as the creative round's part of the division's total
    standings, notes = awards.standings(w["creative"].division)
    totals = {s.entry_id: s.score for s in standings}
    assert totals[w["team_a"].id] >= 22.5 and totals[w["team_b"].id] >= 18.5 and notes == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contest.jury.decision"))
    assert entry.actor_id == w["grader"].id and entry.after["score"] == 22.5
    assert entry.after["reason"].startswith("Xem lại sản phẩm") and sorted(entry.after["juror_totals"]) == [15.0, 27.0]
    # the organiser's results show the decision with its reason
    client.post("/logout")
    login("organiser")
    results = client.get(f"/contests/creative/{w['creative'].id}/results").get_data(as_text=True)
    assert "22.5" in results and "giám khảo 2 chưa chạy được phần mềm" in results


def test_decision_refused_before_round_end(client, login, db, graded, frozen_clock):
    from contests.jury import scoring
    w = graded
    frozen_clock.advance(timedelta(hours=-1))
    login("grader")
    r = client.post(f"/contests/jury/chair/{w['creative'].id}/decisions",
                    data={"code": w["pa"].code, "score": "10", "reason": "sớm"}, follow_redirects=True)
    assert "Vòng thi chưa kết thúc" in r.get_data(as_text=True)
    assert scoring.final_scores(w["creative"].id) == {}


def test_final_scores_of_other_rounds_is_empty(db, graded):
    from contests.jury import scoring
    assert scoring.final_scores(graded["round"].id) == {} and scoring.final_scores(999) == {}


def test_nav_link_for_jurors(client, login, graded):
    login("juror2")
    assert 'href="/contests/jury/"' in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login("danasc")
    assert 'href="/contests/jury/"' not in client.get("/").get_data(as_text=True)


def test_revoked_juror_loses_access(client, login, db, graded):
    from tinhoc.accounts.models import RoleGrant
    w = graded
    db.session.execute(delete(RoleGrant).where(RoleGrant.user_id == w["grader"].id))   # the role taken back
    db.session.commit()
    login("grader")
    assert client.get(f"/contests/jury/assignments/{_aid(w, 'team_a', 'grader')}").status_code == 404
    assert client.get(f"/contests/jury/chair/{w['creative'].id}").status_code == 404
