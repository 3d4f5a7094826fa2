"""The demo seeds plans, targets, certificates of 2021–2025 and backfilled snapshots: the dashboard shows
real figures and real gaps for the province, the demo district and a department; the trend shows; the
demo certificates verify."""
from __future__ import annotations

import re

from sqlalchemy import func, select


def test_demo_dashboard_has_real_figures_gaps_and_a_trend(app, db):
    from tinhoc.certification.targets import services
    from tinhoc.certification.targets.demo import CIO_GAP_AGENCY
    from tinhoc.certification.targets.models import PlanPeriod, TargetSnapshot
    from tinhoc.demo import DEMO_PASSWORD
    from tinhoc.orgs.services import find_by_code
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tinhoc", "seed-demo"]).exit_code == 0
    snapshots = db.session.scalar(select(func.count(TargetSnapshot.id)))
    assert runner.invoke(args=["tinhoc", "seed-demo"]).exit_code == 0          # idempotent
    assert db.session.scalar(select(func.count(TargetSnapshot.id))) == snapshots > 0
    past = db.session.scalar(select(PlanPeriod).where(PlanPeriod.start_year == 2021))
    assert (past.start_year, past.end_year) == (2021, 2025)

    organiser, district = app.test_client(), app.test_client()
    organiser.post("/login", data={"username": "organiser", "password": DEMO_PASSWORD})
    district.post("/login", data={"username": "district", "password": DEMO_PASSWORD})
    for client, code in ((organiser, "T01"), (district, "H-AB"), (organiser, "SO-TTTT"), (organiser, CIO_GAP_AGENCY)):
        unit = find_by_code(code)
        page = client.get(f"/reports/targets?org={unit.id}&period={past.id}&year=2025").get_data(as_text=True)
        figures = dict(re.findall(r'id="metric-(\w+)" data-numerator="(\d+)"', page))
        assert int(figures["basic_certificate"]) > 0, code
        assert "table-warning" in page, code                                    # a real gap
        assert 'id="trend-chart"' in page, code
    page = district.get(f"/reports/targets?period={past.id}").get_data(as_text=True)
    assert 'id="targets-unit">UBND huyện An Bình<' in page
    gap_agency = find_by_code(CIO_GAP_AGENCY)
    board = services.dashboard(_system(), gap_agency.id, None)
    cio = next(r.figure for r in board.rows if r.figure.metric.name == "cio_leader")
    assert (cio.numerator, cio.denominator) == (0, 1)


def test_demo_dashboard_shows_the_exam_pass_rate_and_contest_entrants_against_targets(app, db):
    from tinhoc.certification.models import Certificate
    from tinhoc.certification.targets import metrics, services
    from tinhoc.demo import DEMO_PASSWORD
    from tinhoc.orgs.services import find_by_code
    assert app.test_cli_runner().invoke(args=["tinhoc", "seed-demo"]).exit_code == 0
    organiser = app.test_client()
    organiser.post("/login", data={"username": "organiser", "password": DEMO_PASSWORD})
    page = organiser.get("/reports/targets").get_data(as_text=True)
    found = {m: (int(n), d) for m, n, d in re.findall(r'id="metric-(\w+)" data-numerator="(\d+)" data-denominator="(\d*)"', page)}
    num, den = found["exam_pass_rate"]
    assert 0 < num < int(den)
    assert "Tỷ lệ bài thi ứng dụng CNTT đạt yêu cầu" in page and "Thí sinh dự Hội thi Tin học trẻ, bảng B" in page
    assert all(found[f"contest_entrants_{code}"][0] > 0 for code in ("A", "B", "C1", "C2"))
    board = services.dashboard(_system(), find_by_code("T01").id, None)
    targets = {r.figure.metric.name: r.figure.target for r in board.rows}
    assert targets["exam_pass_rate"] == 80 and targets["contest_entrants_B"] == 30
    assert db.session.scalar(select(func.count(Certificate.id)).where(Certificate.kind == "exam_pass")) > 0
    live = services.subtree_figure(metrics.get("exam_pass_rate"), find_by_code("T01"), services.today())
    assert live == (num, int(den))


def _system():
    from tinhoc.access import SYSTEM
    return SYSTEM


def test_demo_certificates_of_past_years_verify(app, db):
    from tinhoc.certification import services
    from tinhoc.certification.models import Certificate
    app.test_cli_runner().invoke(args=["tinhoc", "seed-demo"])
    cert = db.session.scalar(select(Certificate).where(Certificate.kind == "cio_track", Certificate.year == 2023))
    assert cert is not None and cert.number.startswith("CIO-2023-")
    assert services.verify(cert.number, services.payload_for(cert)).status == "valid"
    page = app.test_client().get(f"/verify/{cert.number}").get_data(as_text=True)
    assert cert.holder_name in page
