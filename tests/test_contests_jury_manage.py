"""The organiser's jury set-up: rubric (locked after the first score), settings, balanced automatic
and manual assignment, results with names and the .xlsx export; scope like the rest of contests."""
from __future__ import annotations

import io

import pytest

from tests.contest_helpers import _user, make_entry
from tests.jury_helpers import JURY_OPENS, jury_world, put_product


@pytest.fixture
def jw(db, frozen_clock):
    return jury_world(db)


def _criteria(db, rnd):
    from contests.jury import services
    db.session.expire_all()
    return services.criteria_of(rnd.id)


def _assignments(db, rnd):
    from contests.jury import services
    db.session.expire_all()
    return services.assignments_of(rnd.id)


def test_rubric_add_update_delete(client, login, db, jw):
    login("organiser")
    base = f"/contests/creative/{jw['creative'].id}/jury"
    page = client.get(base).get_data(as_text=True)
    assert "Ý tưởng sáng tạo" in page and "tổng tối đa</small>" not in page
    r = client.post(base + "/criteria", data={"name": "Trình bày, thuyết minh", "weight": "1,5", "min_score": "0",
                                               "max_score": "10"}, follow_redirects=True)
    assert "Đã thêm tiêu chí." in r.get_data(as_text=True)
    added = _criteria(db, jw["creative"])[-1]
    assert (added.name, added.weight, added.max_score) == ("Trình bày, thuyết minh", 1.5, 10.0)
    r = client.post(f"{base}/criteria/{added.id}", data={"name": "Thuyết trình", "weight": "2", "min_score": "1",
                                                         "max_score": "5"}, follow_redirects=True)
    assert "Đã sửa tiêu chí." in r.get_data(as_text=True)
    assert _criteria(db, jw["creative"])[-1].name == "Thuyết trình"
    r = client.post(f"{base}/criteria/{added.id}/delete", follow_redirects=True)
    assert "Đã xoá tiêu chí." in r.get_data(as_text=True) and len(_criteria(db, jw["creative"])) == 2


@pytest.mark.parametrize("data,message", [
    ({"name": "X", "weight": "0", "min_score": "0", "max_score": "10"}, "Trọng số phải lớn hơn 0."),
    ({"name": "X", "weight": "1", "min_score": "5", "max_score": "5"}, "Thang điểm không hợp lệ"),
    ({"name": "X", "weight": "1", "min_score": "-1", "max_score": "5"}, "Thang điểm không hợp lệ"),
    ({"name": "X", "weight": "một", "min_score": "0", "max_score": "5"}, "Trọng số: hãy nhập một số."),
    ({"name": "X", "weight": "nan", "min_score": "0", "max_score": "5"}, "Trọng số: hãy nhập một số."),
    ({"name": "", "weight": "1", "min_score": "0", "max_score": "5"}, "Hãy nhập đủ tên"),
])
def test_bad_criterion_refused(client, login, db, jw, data, message):
    login("organiser")
    r = client.post(f"/contests/creative/{jw['creative'].id}/jury/criteria", data=data, follow_redirects=True)
    assert message in r.get_data(as_text=True)
    assert len(_criteria(db, jw["creative"])) == 2


def test_rubric_locked_after_first_score(client, login, db, jw, frozen_clock):
    from tinhoc.access import Actor
    from contests.jury import scoring, services
    from tinhoc.access import SYSTEM
    product = put_product(db, jw["creative"], jw["team_a"])
    a = services.assign(SYSTEM, jw["creative"], code=product.code, juror_id=jw["grader"].id)
    frozen_clock.advance(JURY_OPENS - frozen_clock.now())
    scoring.save_scores(Actor(jw["grader"].id, {"grader": None}), a.id, {jw["c1"].id: "5", jw["c2"].id: "5"}, "")
    login("organiser")
    base = f"/contests/creative/{jw['creative'].id}/jury"
    assert "tiêu chí không sửa được nữa" in client.get(base).get_data(as_text=True)
    for url, data in ((base + "/criteria", {"name": "Mới", "weight": "1", "min_score": "0", "max_score": "1"}),
                      (f"{base}/criteria/{jw['c1'].id}", {"name": "Đổi", "weight": "9", "min_score": "0",
                                                         "max_score": "1"}),
                      (f"{base}/criteria/{jw['c1'].id}/delete", {})):
        assert "không sửa được tiêu chí chấm nữa" in client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert [(c.name, c.weight) for c in _criteria(db, jw["creative"])] == [("Ý tưởng sáng tạo", 2.0), ("Kỹ thuật", 1.0)]


def test_criterion_of_another_round_is_404(client, login, db, jw):
    from tinhoc.access import SYSTEM
    from contests import services
    other = services.add_round(SYSTEM, jw["d1"], title="Vòng khác", kind="creative", starts_at=jw["creative"].starts_at,
                               ends_at=jw["creative"].ends_at, languages=[])
    login("organiser")
    r = client.post(f"/contests/creative/{other.id}/jury/criteria/{jw['c1'].id}/delete")
    assert r.status_code == 404 and len(_criteria(db, jw["creative"])) == 2
    # a round without settings yet shows the defaults and stores nothing by being looked at
    from contests.jury.models import JuryPanel
    page = client.get(f"/contests/creative/{other.id}/jury").get_data(as_text=True)
    assert 'value="10"' in page and "Chưa có tiêu chí." in page
    db.session.expire_all()
    assert db.session.get(JuryPanel, other.id) is None


def test_settings_saved_and_checked(client, login, db, jw):
    from contests.jury.models import JuryPanel
    login("organiser")
    url = f"/contests/creative/{jw['creative'].id}/jury/settings"
    r = client.post(url, data={"margin": "7,5", "chair": jw["juror2"].id, "closes_at": "2026-03-04T17:00"},
                    follow_redirects=True)
    assert "Đã lưu cài đặt ban giám khảo." in r.get_data(as_text=True)
    db.session.expire_all()
    panel = db.session.get(JuryPanel, jw["creative"].id)
    assert panel.margin == 7.5 and panel.chair_id == jw["juror2"].id and panel.closes_at.hour == 10   # 17:00 ICT
    page = client.get(f"/contests/creative/{jw['creative'].id}/jury").get_data(as_text=True)
    assert 'value="2026-03-04T17:00"' in page and 'value="7.5"' in page   # shown again as saved, in Vietnam time
    for data, message in (({"margin": "-1", "chair": 0}, "không được âm"),
                          ({"margin": "2", "chair": jw["alice"].id}, "không phải là giám khảo"),
                          ({"margin": "2", "chair": 0, "closes_at": "2026-03-01T16:00"}, "Hạn chấm phải sau"),
                          ({"margin": "", "chair": 0}, "Hãy nhập độ lệch")):
        assert message in client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(JuryPanel, jw["creative"].id).margin == 7.5


def test_automatic_assignment_is_balanced_and_keeps_existing(client, login, db, jw):
    juror3 = _user("juror3", ["grader"], "Giám khảo Ba")
    extra = [make_entry(db, jw["d1"], [_user(f"pupil{i}", ["student"])], name=f"Đội {i}", grade=4) for i in range(3)]
    for entry in [jw["team_a"], jw["team_b"], *extra]:
        put_product(db, jw["creative"], entry)
    login("organiser")
    url = f"/contests/creative/{jw['creative'].id}/jury/assign-auto"
    jurors = [jw["grader"].id, jw["juror2"].id, juror3.id]
    r = client.post(url, data={"jurors": jurors, "per_entry": "2"}, follow_redirects=True)
    assert "Đã phân công thêm 10 lượt chấm." in r.get_data(as_text=True)
    rows = _assignments(db, jw["creative"])
    per_entry, per_juror = {}, {}
    for a in rows:
        per_entry.setdefault(a.entry_id, set()).add(a.juror_id)
        per_juror[a.juror_id] = per_juror.get(a.juror_id, 0) + 1
    assert all(len(v) == 2 for v in per_entry.values()) and len(per_entry) == 5
    assert max(per_juror.values()) - min(per_juror.values()) <= 1
    again = client.post(url, data={"jurors": jurors, "per_entry": "2"}, follow_redirects=True)
    assert "Đã phân công thêm 0 lượt chấm." in again.get_data(as_text=True)
    assert len(_assignments(db, jw["creative"])) == 10
    # one juror is not enough; a non-juror in the list is ignored
    r = client.post(url, data={"jurors": [jw["grader"].id], "per_entry": "3"}, follow_redirects=True)
    assert "Cần chọn ít nhất 3 giám khảo." in r.get_data(as_text=True)


def test_manual_assign_and_unassign(client, login, db, jw, frozen_clock):
    product = put_product(db, jw["creative"], jw["team_a"])
    login("organiser")
    url = f"/contests/creative/{jw['creative'].id}/jury/assignments"
    r = client.post(url, data={"code": product.code.lower(), "juror": jw["juror2"].id}, follow_redirects=True)
    assert "Đã phân công giám khảo." in r.get_data(as_text=True)
    r = client.post(url, data={"code": product.code, "juror": jw["juror2"].id}, follow_redirects=True)
    assert "đã được phân công chấm" in r.get_data(as_text=True)
    assert "Không có sản phẩm nào mang mã D1-000" in client.post(url, data={"code": "D1-000", "juror": jw["juror2"].id},
                                                                follow_redirects=True).get_data(as_text=True)
    [a] = _assignments(db, jw["creative"])
    page = client.get(f"/contests/creative/{jw['creative'].id}/jury").get_data(as_text=True)
    assert "cần ít nhất 2 giám khảo" in page and "Đội Sơn Ca" in page
    r = client.post(f"/contests/jury-assignments/{a.id}/remove", follow_redirects=True)
    assert "Đã bỏ phân công." in r.get_data(as_text=True) and _assignments(db, jw["creative"]) == []
    # a scored assignment stays
    from tinhoc.access import SYSTEM, Actor
    from contests.jury import scoring, services
    a = services.assign(SYSTEM, jw["creative"], code=product.code, juror_id=jw["juror2"].id)
    frozen_clock.advance(JURY_OPENS - frozen_clock.now())
    scoring.save_scores(Actor(jw["juror2"].id, {"grader": None}), a.id, {jw["c1"].id: "1", jw["c2"].id: "1"}, "")
    r = client.post(f"/contests/jury-assignments/{a.id}/remove", follow_redirects=True)
    assert "không bỏ phân công được" in r.get_data(as_text=True) and len(_assignments(db, jw["creative"])) == 1


def test_non_juror_cannot_be_assigned(client, login, db, jw):
    product = put_product(db, jw["creative"], jw["team_a"])
    login("organiser")
    r = client.post(f"/contests/creative/{jw['creative'].id}/jury/assignments",
                    data={"code": product.code, "juror": jw["alice"].id}, follow_redirects=True)
    assert "Hãy nhập mã sản phẩm và chọn giám khảo." in r.get_data(as_text=True)
    assert _assignments(db, jw["creative"]) == []


def test_scope_district_organiser_and_programming_round(client, login, db, jw):
    login("district")       # the province contest is outside a district organiser's scope
    base = f"/contests/creative/{jw['creative'].id}"
    for url in (base + "/jury", base + "/results", base + "/results.xlsx"):
        assert client.get(url).status_code == 404
    assert client.post(base + "/jury/criteria", data={"name": "X", "weight": "1", "min_score": "0",
                                                      "max_score": "1"}).status_code == 404
    assert len(_criteria(db, jw["creative"])) == 2
    client.post("/logout")
    login("organiser")
    assert client.get(f"/contests/creative/{jw['round'].id}/jury").status_code == 404   # not a creative round


def test_district_organiser_manages_their_district_contest(client, login, db, frozen_clock):
    w = jury_world(db, in_district=True)
    login("district")
    assert client.get(f"/contests/creative/{w['creative'].id}/jury").status_code == 200


def test_results_show_names_and_export_xlsx(client, login, db, jw, frozen_clock):
    from openpyxl import load_workbook

    from tinhoc.access import SYSTEM, Actor
    from contests.jury import scoring, services
    pa = put_product(db, jw["creative"], jw["team_a"])
    pb = put_product(db, jw["creative"], jw["team_b"])
    services.assign_automatically(SYSTEM, jw["creative"], [jw["grader"].id, jw["juror2"].id])
    frozen_clock.advance(JURY_OPENS - frozen_clock.now())
    g, j2 = Actor(jw["grader"].id, {"grader": None}), Actor(jw["juror2"].id, {"grader": None})
    by = {(a.entry_id, a.juror_id): a.id for a in _assignments(db, jw["creative"])}
    scoring.save_scores(g, by[(jw["team_a"].id, jw["grader"].id)], {jw["c1"].id: "8", jw["c2"].id: "6"}, "")
    scoring.save_scores(j2, by[(jw["team_a"].id, jw["juror2"].id)], {jw["c1"].id: "7", jw["c2"].id: "7,5"}, "")
    scoring.save_scores(g, by[(jw["team_b"].id, jw["grader"].id)], {jw["c1"].id: "9", jw["c2"].id: "9"}, "")
    login("organiser")
    page = client.get(f"/contests/creative/{jw['creative'].id}/results").get_data(as_text=True)
    assert "Đội Sơn Ca" in page and "Phạm Thị Dạ" in page and "Trường THCS An Bình" in page
    assert "21.75" in page       # (22 + 21.5) / 2
    row_b = page.split(f'data-code="{pb.code}"')[1].split("</tr>")[0]
    assert "chưa chấm xong" in row_b      # one juror of two has scored: why there is no final score
    from contests.jury.models import JuryAssignment
    services.unassign(SYSTEM, db.session.get(JuryAssignment, by[(jw["team_b"].id, jw["juror2"].id)]))
    page = client.get(f"/contests/creative/{jw['creative'].id}/results").get_data(as_text=True)
    assert "cần ít nhất 2 giám khảo" in page.split(f'data-code="{pb.code}"')[1].split("</tr>")[0]
    response = client.get(f"/contests/creative/{jw['creative'].id}/results.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Mã"
    first = rows[1]
    assert first[0] == pa.code and first[1] == "Đội Sơn Ca" and "Võ Minh Đức" in first[2] and first[-1] == 21.75
    assert rows[2][0] == pb.code and rows[2][-1] is None      # one juror of two: not final yet
    assert scoring.final_scores(jw["creative"].id) == {jw["team_a"].id: 21.75}
