"""The targets pages over HTTP: dashboard with drill-down, missing lists and their .xlsx, the yearly
report (.xlsx, PDF), the emulation ranking, the plan pages; a district organiser sees and exports
only their district; a period without targets; careless input."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.targets_helpers import target_province  # noqa: F401


@pytest.fixture
def plan(db, target_province, make_user, grant):
    from tinhoc.access import SYSTEM
    from tinhoc.certification.targets import emulation, services
    period = services.create_period(SYSTEM, name="Kế hoạch 2021–2025", start_year=2021, end_year=2025)
    services.set_target(SYSTEM, period.id, metric="cio_leader", value=100)
    services.set_target(SYSTEM, period.id, metric="basic_certificate", value=60)
    services.set_target(SYSTEM, period.id, metric="basic_certificate", value=80, year=2026 - 1)
    services.set_target(SYSTEM, period.id, metric="it_staff", value=90,
                        org_id=target_province["units"]["H-0"].id)
    services.set_target(SYSTEM, period.id, metric="trained_year", value=50)
    emulation.set_criteria(SYSTEM, period.id, {"cio_leader": "40", "it_staff": "30", "basic_certificate": "30"})
    make_user("organiser", roles=["organiser"])
    grant(make_user("district", roles=[]), "organiser", "H-0")
    return {"period": period, **target_province}


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_dashboard_shows_figures_targets_gaps_and_children(client, login, plan):
    from tinhoc.certification.targets import metrics, services
    login("organiser")
    response = client.get(f"/reports/targets?period={plan['period'].id}&year=2025")
    assert response.status_code == 200
    page = _text(response)
    root = plan["units"]["T01"]
    num, den = services.subtree_figure(metrics.get("cio_leader"), root, services.day_for(plan["period"], 2025)[1])
    assert f'id="metric-cio_leader" data-numerator="{num}" data-denominator="{den}"' in page
    assert "80,0 %" in page or "80.0 %" in page          # the 2025 target beats the period's 60 %
    for code in ("H-0", "H-1", "SO-2"):
        assert f'data-unit="{code}"' in page
    assert 'id="targets-chart"' in page and "vendor/chartjs/chart.umd.min.js" in page


def test_drill_down_into_a_district_inherits_and_overrides_targets(client, login, plan):
    login("organiser")
    district = plan["units"]["H-0"]
    response = client.get(f"/reports/targets?org={district.id}&period={plan['period'].id}")
    page = _text(response)
    assert response.status_code == 200 and "UBND huyện 0" in page
    assert 'data-unit="H-0-X1"' in page and 'data-unit="H-1"' not in page
    assert "90,0 %" in page or "90.0 %" in page        # H-0's own it_staff target, inherited by its communes
    assert 'id="targets-up"' in page


def test_district_organiser_sees_only_their_district(client, login, plan):
    login("district")
    page = _text(client.get("/reports/targets"))
    assert 'id="targets-unit">UBND huyện 0<' in page
    assert 'id="targets-up"' not in page
    other = plan["units"]["H-1"]
    assert client.get(f"/reports/targets?org={other.id}").status_code == 404
    assert client.get(f"/reports/targets?org={plan['units']['T01'].id}").status_code == 404
    assert client.get(f"/reports/targets/missing/basic_certificate?org={other.id}").status_code == 404
    assert client.get(f"/reports/targets/missing/cio_leader.xlsx?org={other.id}").status_code == 404
    assert client.get(f"/reports/targets/report.xlsx?org={other.id}").status_code == 404
    assert client.get(f"/reports/targets/report.pdf?org={other.id}").status_code == 404
    assert client.get(f"/reports/emulation?org={other.id}").status_code == 404
    # Without ?org= their exports cover their district only
    book = load_workbook(io.BytesIO(client.get("/reports/targets/missing/basic_certificate.xlsx").data))
    units = {row[3] for row in book.active.iter_rows(min_row=3, values_only=True)}
    assert units and all(u.startswith("UBND xã 0.") or u in ("UBND huyện 0", "Trường 0") for u in units)
    ranking = _text(client.get("/reports/emulation"))
    assert 'data-unit="H-0-X0"' in ranking and 'data-unit="H-1' not in ranking and 'data-unit="SO-' not in ranking


def test_district_organiser_may_not_change_the_plan(client, login, plan):
    login("district")
    period = plan["period"]
    assert client.get(f"/plans/{period.id}").status_code == 200
    assert client.post(f"/plans/{period.id}/targets", data={"metric": "it_staff", "org": 0, "year": 0,
                                                            "value": "10"}).status_code == 403
    assert client.post(f"/plans/{period.id}/criteria", data={"weight-it_staff": "99"}).status_code == 403
    assert client.post("/plans/", data={"name": "X", "start_year": 2026, "end_year": 2030}).status_code == 403


def test_missing_list_pages_and_exports_the_complement(client, login, plan):
    from tinhoc.certification.targets import metrics, services
    login("organiser")
    root = plan["units"]["T01"]
    num, den = services.subtree_figure(metrics.get("basic_certificate"), root, services.today())
    page = _text(client.get("/reports/targets/missing/basic_certificate"))
    assert f'id="missing-total">{den - num}<' in page
    response = client.get("/reports/targets/missing/basic_certificate.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=3, values_only=True))
    assert len(rows) == den - num
    agencies = load_workbook(io.BytesIO(client.get("/reports/targets/missing/cio_leader.xlsx").data)).active
    num, den = services.subtree_figure(metrics.get("cio_leader"), root, services.today())
    assert agencies.max_row - 2 == den - num
    assert client.get("/reports/targets/missing/nonsense").status_code == 404
    assert client.get("/reports/targets/missing/trained_year").status_code == 404   # a count has no list


def test_yearly_report_xlsx_and_pdf(client, login, plan):
    from pypdf import PdfReader
    login("organiser")
    period = plan["period"]
    response = client.get(f"/reports/targets/report.xlsx?period={period.id}&year=2025")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == ["Tổng hợp", "Theo đơn vị"] and "cio_leader" in book.sheetnames
    summary = list(book["Tổng hợp"].iter_rows(values_only=True))
    basic = next(r for r in summary if r[0] == "Cán bộ, công chức có chứng chỉ ứng dụng CNTT cơ bản")
    assert basic[4] == 80.0
    response = client.get(f"/reports/targets/report.pdf?period={period.id}&year=2025")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Báo cáo kết quả thực hiện chỉ tiêu nhân lực CNTT năm 2025" in text
    assert "UBND huyện 0" in text and "Cơ quan có cán bộ chuyên trách CNTT" in text


def test_emulation_ranking_ordered_with_ties_in_vietnamese_order(client, login, plan):
    from tinhoc.access import SYSTEM
    from tinhoc.certification.targets import emulation
    login("organiser")
    board = emulation.ranking(SYSTEM, None, plan["period"].id)
    totals = [r.total for r in board.rows]
    assert totals == sorted(totals, reverse=True) and len(board.rows) == 3 + 3 + 12
    for a, b in zip(board.rows, board.rows[1:]):
        if a.total == b.total:
            from tinhoc.text import sort_key
            assert sort_key(a.unit.name) <= sort_key(b.unit.name) and a.rank == b.rank
        else:
            assert b.rank > a.rank
    for row in board.rows:
        assert row.total == round(sum(row.points.values()), 2) <= board.max_total
        assert row.points["cio_leader"] in (0.0, 40.0)       # an agency has a CIO-trained leader or not
    page = _text(client.get(f"/reports/emulation?period={plan['period'].id}"))
    assert page.index(board.rows[0].unit.name) < page.index(board.rows[-1].unit.name)
    response = client.get(f"/reports/emulation.xlsx?period={plan['period'].id}")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in rows] == [r.unit.name for r in board.rows]
    assert [r[-1] for r in rows] == [r.total for r in board.rows]


def test_period_without_targets_and_no_period_at_all(client, login, target_province, make_user):
    from tinhoc.access import SYSTEM
    from tinhoc.certification.targets import services
    make_user("organiser", roles=["organiser"])
    login("organiser")
    page = _text(client.get("/reports/targets"))
    assert 'id="no-period"' in page and 'id="metric-it_staff"' in page
    period = services.create_period(SYSTEM, name="Kế hoạch trống", start_year=2026, end_year=2030)
    page = _text(client.get(f"/reports/targets?period={period.id}"))
    assert 'id="no-targets"' in page
    assert client.get(f"/reports/targets/report.pdf?period={period.id}").status_code == 200
    assert 'id="no-criteria"' in _text(client.get(f"/reports/emulation?period={period.id}"))
    assert client.get("/reports/targets?period=999999").status_code == 404
    assert client.get("/plans/999999").status_code == 404


def test_organiser_creates_a_period_sets_targets_and_criteria(client, login, target_province, make_user, db):
    from tinhoc.certification.targets.models import EmulationCriterion, PlanPeriod, Target
    make_user("organiser", roles=["organiser"])
    login("organiser")
    response = client.post("/plans/", data={"name": "Giai đoạn 2026–2030", "start_year": 2026, "end_year": 2030})
    assert response.status_code == 302
    period = db.session.query(PlanPeriod).one()
    bad = client.post("/plans/", data={"name": "Ngược", "start_year": 2030, "end_year": 2026})
    assert bad.status_code == 400 and "không hợp lệ" in _text(bad)
    district = target_province["units"]["H-1"]
    assert client.post(f"/plans/{period.id}/targets", data={"metric": "basic_certificate", "org": district.id,
                                                            "year": 2027, "value": "75"}).status_code == 302
    target = db.session.query(Target).one()
    assert (target.organisation_id, target.year, target.value) == (district.id, 2027, 75.0)
    refused = client.post(f"/plans/{period.id}/targets", data={"metric": "basic_certificate", "org": 0, "year": 0,
                                                               "value": "140"}, follow_redirects=True)
    assert "từ 0 đến 100" in _text(refused) and db.session.query(Target).count() == 1
    client.post(f"/plans/{period.id}/criteria", data={"weight-cio_leader": "50", "weight-it_staff": "2,5"})
    assert {(c.metric, c.weight) for c in db.session.query(EmulationCriterion)} == {("cio_leader", 50.0),
                                                                                     ("it_staff", 2.5)}
    kept = client.post(f"/plans/{period.id}/criteria", data={"weight-cio_leader": "abc"}, follow_redirects=True)
    assert "phải là một số" in _text(kept) and db.session.query(EmulationCriterion).count() == 2
    assert client.post(f"/plans/targets/{target.id}/delete").status_code == 302
    assert db.session.query(Target).count() == 0
    assert client.post("/plans/targets/999999/delete").status_code == 404


def test_snapshot_command_writes_the_trend(app, client, login, plan, db):
    from datetime import timedelta
    from tinhoc.certification.targets import services
    runner = app.test_cli_runner()
    day = services.today()
    for back in (40, 30, 0):   # all in 2026 (the clock is frozen at 1 March 2026)
        result = runner.invoke(args=["tinhoc", "snapshot-targets", "--date", (day - timedelta(days=back)).isoformat()])
        assert result.exit_code == 0, result.output
    assert runner.invoke(args=["tinhoc", "snapshot-targets", "--date", "31/12/2025"]).exit_code != 0
    login("organiser")
    page = _text(client.get(f"/reports/targets?period={plan['period'].id}&year=2025"))
    assert 'id="no-trend"' in page   # the snapshots are of 2026, after the 2021–2025 period
    from tinhoc.certification.targets.services import create_period
    from tinhoc.access import SYSTEM
    current = create_period(SYSTEM, name="Kế hoạch 2026–2030", start_year=2026, end_year=2030)
    page = _text(client.get(f"/reports/targets?period={current.id}"))
    assert 'id="trend-chart"' in page and (day - timedelta(days=30)).strftime("%d/%m/%Y") in page
