"""Setting a contest up from the web: the contest (with the national divisions) and its rounds."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from tests.contest_helpers import contest_world


@pytest.fixture
def cw(db, frozen_clock):
    return contest_world(db)


def test_organiser_creates_a_contest_with_the_national_divisions(client, login, cw, db):
    from contests.models import Contest, Division
    login("organiser")
    r = client.post("/contests/new", data={"year": 2027, "level": "province", "title": "Hội thi 2027",
                                           "organisation": 0, "national": "y"})
    assert r.status_code == 302
    contest = db.session.scalar(select(Contest).where(Contest.title == "Hội thi 2027"))
    assert contest.organisation_id is None
    codes = sorted(db.session.scalars(select(Division.code).where(Division.contest_id == contest.id)))
    assert codes == ["A", "B", "C1", "C2", "D1", "D2", "D3"]


def test_district_organiser_creates_only_in_their_district(client, login, cw, db):
    from contests.models import Contest
    login("district")
    page = client.get("/contests/new").get_data(as_text=True)
    assert "Toàn tỉnh" not in page and "Huyện An Bình" in page
    r = client.post("/contests/new", data={"year": 2027, "level": "province", "title": "Lén cấp tỉnh",
                                           "organisation": 0})
    assert r.status_code == 200
    assert client.post("/contests/new", data={"year": 2027, "level": "district", "title": "Hội thi huyện",
                                              "organisation": cw["district_org"].id}).status_code == 302
    assert db.session.scalar(select(func.count(Contest.id))) == 2
    assert db.session.scalar(select(Contest.organisation_id).where(Contest.title == "Hội thi huyện")) == \
        cw["district_org"].id


def test_round_window_is_vietnamese_time_stored_in_utc(client, login, cw, db):
    from contests.models import Round
    login("organiser")
    data = {"division": cw["division"].id, "title": "Vòng 2", "kind": "programming",
            "starts_at": "2026-03-10T08:00", "ends_at": "2026-03-10T11:00", "scoring": "icpc",
            "languages": ["cpp17", "python3"], "freeze_minutes": 30}
    assert client.post(f"/contests/{cw['contest'].id}/rounds/new", data=data).status_code == 302
    rnd = db.session.scalar(select(Round).where(Round.title == "Vòng 2"))
    assert rnd.starts_at == datetime(2026, 3, 10, 1, 0, tzinfo=timezone.utc)
    assert rnd.scoring == "icpc" and rnd.languages == ["cpp17", "python3"] and rnd.freeze_minutes == 30
    bad = client.post(f"/contests/{cw['contest'].id}/rounds/new",
                      data={**data, "title": "Ngược", "ends_at": "2026-03-10T07:00"})
    assert bad.status_code == 200 and db.session.scalar(select(func.count(Round.id)).where(Round.title == "Ngược")) == 0
    # a programming round needs a language (the same checks as editing a round: services.checked_round_settings)
    bad = client.post(f"/contests/{cw['contest'].id}/rounds/new", data={**data, "title": "Không ngôn ngữ",
                                                                         "languages": []})
    assert "Hãy chọn ít nhất một ngôn ngữ lập trình" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Round.id)).where(Round.title == "Không ngôn ngữ")) == 0


def test_rounds_of_another_scope_404(client, login, cw):
    login("district")
    assert client.get(f"/contests/{cw['contest'].id}/rounds/new").status_code == 404
