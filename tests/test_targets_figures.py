"""The dashboard's kept figures (TARGETS_FIGURES_TTL): equal to the live count for every subtree, read
without a metric query while kept, dropped at once when this process commits a counted row (one by
one or in bulk), shown with their age, and counted again after the TTL for a change made elsewhere."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from tests.helpers import page_query_count, recorded_statements
from tests.targets_helpers import hand_count, target_province  # noqa: F401

ROOTS = ["T01", "H-0", "H-2", "SO-1", "H-1-X2"]
METRICS = ["cio_leader", "it_staff", "basic_certificate", "advanced_certificate", "trained_year"]


@pytest.fixture
def kept(app, target_province, make_user):
    from tinhoc.certification.targets import figures
    app.config["TARGETS_FIGURES_TTL"] = 300
    figures.forget()
    make_user("organiser", roles=["organiser"])
    yield target_province
    figures.forget()
    app.config["TARGETS_FIGURES_TTL"] = 0


def _numerator(page: str, metric: str) -> int:
    return int(re.search(rf'id="metric-{metric}" data-numerator="(\d+)"', page).group(1))


def _civil_servant_without(db, world, kind: str):
    from tinhoc.certification.targets import metrics, services
    from tinhoc.orgs.models import Person
    as_of = metrics.end_of_day(services.today())
    return db.session.scalar(select(Person).where(metrics.at_work(as_of), metrics.positions("civil_servant"),
                                                  ~metrics.holds(kind, as_of)).order_by(Person.id))


@pytest.mark.parametrize("days_ago", [0, 30])
def test_unit_figures_equal_the_hand_count_for_every_subtree_and_unit(db, target_province, days_ago):
    from tinhoc.certification.targets import figures, metrics, services
    from tinhoc.certification.targets.metrics import end_of_day
    day = services.today() - timedelta(days=days_ago)
    whole = figures.count(day)
    for code in ROOTS:
        root = target_province["units"][code]
        part = figures.count(day, root)
        for metric in map(metrics.get, METRICS):
            expected = hand_count(target_province, root, metric.name, end_of_day(day))
            assert whole.figure(metric, root.id) == expected == part.figure(metric, root.id), (metric.name, code)


def test_kept_figures_are_read_without_a_metric_query_and_show_their_age(client, login, db, kept):
    from tinhoc.certification.targets import metrics, services
    login("organiser")
    first = page_query_count(db, client, "/reports/targets")
    with recorded_statements(db.engine) as statements:
        page = client.get("/reports/targets").get_data(as_text=True)
    assert len(statements) <= first - len(metrics.all_metrics())
    assert not any("certificate" in s for s in statements), statements
    assert 'id="figures-age"' in page and "được tính lại sau tối đa 300 giây" in page
    root = kept["units"]["T01"]
    assert _numerator(page, "basic_certificate") == services.subtree_figure(
        metrics.get("basic_certificate"), root, services.today())[0]


def test_a_certificate_issued_here_shows_at_once(client, login, db, kept):
    from tinhoc.access import SYSTEM
    from tinhoc.certification import services as certification
    login("organiser")
    before = _numerator(client.get("/reports/targets").get_data(as_text=True), "basic_certificate")
    person = _civil_servant_without(db, kept, "basic_ict")
    certification.issue("basic_ict", person, {"hours": 40}, actor=SYSTEM, source="test:kept")
    assert _numerator(client.get("/reports/targets").get_data(as_text=True), "basic_certificate") == before + 1


def test_a_bulk_insert_through_the_session_drops_the_kept_figures(client, login, db, kept):
    from tinhoc import clock
    from tinhoc.certification.models import Certificate
    login("organiser")
    before = _numerator(client.get("/reports/targets").get_data(as_text=True), "basic_certificate")
    person = _civil_servant_without(db, kept, "basic_ict")
    db.session.execute(insert(Certificate), [{"number": "BULK-1", "kind": "basic_ict", "year": 2026, "serial": 77_001,
                                              "person_id": person.id, "holder_name": person.full_name,
                                              "details": {}, "issued_at": clock.now()}])
    db.session.commit()
    assert _numerator(client.get("/reports/targets").get_data(as_text=True), "basic_certificate") == before + 1


def test_only_a_change_to_what_a_metric_counts_drops_the_figures(client, login, db, kept):
    """A login's timestamp, a renamed person or an exam's autosave leave them; a person leaving drops them."""
    from tinhoc import clock
    from tinhoc.accounts.models import User
    from tinhoc.certification.targets import figures
    login("organiser")
    client.get("/reports/targets")
    person = _civil_servant_without(db, kept, "basic_ict")
    person.full_name = "Nguyễn Thị Đổi Tên"
    db.session.get(User, db.session.scalar(select(User.id).where(User.username == "organiser"))).last_login_at = clock.now()
    db.session.commit()
    assert figures._kept
    person.left_at = clock.now()
    db.session.commit()
    assert not figures._kept


def test_an_autosave_keeps_the_figures_and_a_marked_attempt_drops_them(client, login, db, kept):
    from tinhoc import clock
    from tinhoc.accounts.models import User
    from tinhoc.certification.targets import figures
    from exams.delivery.models import Exam, ExamAttempt, ExamPart
    user = User(username="thisinh", full_name="Thí Sinh", password_hash="!", person_id=kept["people"][0].id)
    exam = Exam(title="Kỳ thi", organisation_id=kept["units"]["T01"].id, opens_at=clock.now(), closes_at=clock.now())
    exam.parts = [ExamPart(title="Lý thuyết")]
    db.session.add_all([user, exam])
    db.session.flush()
    attempt = ExamAttempt(exam_id=exam.id, part_id=exam.parts[0].id, user_id=user.id, seed=1,
                          deadline_at=clock.now())
    db.session.add(attempt)
    db.session.commit()
    login("organiser")
    client.get("/reports/targets")
    attempt.last_seq, attempt.last_saved_at = 3, clock.now()
    db.session.commit()
    assert figures._kept
    from exams.delivery import saving     # the save endpoint's own path too
    assert saving.save_answers(user.id, attempt.id, 4, []).seq == 4
    assert figures._kept
    attempt.state, attempt.passed = "submitted", True
    db.session.commit()
    assert not figures._kept


def test_a_rolled_back_change_keeps_the_figures(client, login, db, kept):
    from tinhoc.certification.models import Certificate
    from tinhoc.certification.targets import figures
    login("organiser")
    client.get("/reports/targets")
    person = _civil_servant_without(db, kept, "basic_ict")
    db.session.add(Certificate(number="RB-1", kind="basic_ict", year=2026, serial=77_002, person_id=person.id,
                               holder_name=person.full_name, details={}))
    db.session.flush()
    db.session.rollback()
    db.session.commit()                      # the next commit carries nothing counted: the figures stay
    assert figures._kept


def test_a_change_made_elsewhere_shows_after_the_ttl_and_the_page_says_how_old(client, login, db, kept, monkeypatch):
    """Another web process's commit is not seen here: the kept figure stays, with its age, until the TTL."""
    from tinhoc import clock
    from tinhoc.certification.models import Certificate
    from tinhoc.certification.targets import figures
    login("organiser")
    before = _numerator(client.get("/reports/targets").get_data(as_text=True), "basic_certificate")
    person = _civil_servant_without(db, kept, "basic_ict")
    db.session.remove()
    with db.engine.begin() as conn:         # below the session: what another process's write looks like here
        conn.execute(insert(Certificate.__table__), [{
            "number": "ELSEWHERE-1", "kind": "basic_ict", "year": 2026, "serial": 77_003, "person_id": person.id,
            "holder_name": "x", "details": {}, "issued_at": clock.now()}])
    page = client.get("/reports/targets").get_data(as_text=True)
    assert _numerator(page, "basic_certificate") == before and 'id="figures-age"' in page
    later = figures.time.monotonic() + 301
    monkeypatch.setattr(figures.time, "monotonic", lambda: later)
    assert _numerator(client.get("/reports/targets").get_data(as_text=True), "basic_certificate") == before + 1


def test_reports_count_live_even_while_figures_are_kept(client, login, db, kept):
    import io

    from openpyxl import load_workbook
    from tinhoc import clock
    from tinhoc.certification.models import Certificate
    login("organiser")
    client.get("/reports/targets")
    person = _civil_servant_without(db, kept, "basic_ict")
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(insert(Certificate.__table__), [{
            "number": "ELSEWHERE-2", "kind": "basic_ict", "year": 2026, "serial": 77_004, "person_id": person.id,
            "holder_name": "x", "details": {}, "issued_at": clock.now()}])
    from tinhoc.certification.targets import metrics, services
    live = services.subtree_figure(metrics.get("basic_certificate"), kept["units"]["T01"], services.today())[0]
    sheet = load_workbook(io.BytesIO(client.get("/reports/targets/report.xlsx").data)).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    label = str(metrics.get("basic_certificate").label)
    assert next(r for r in rows if r and r[0] == label)[1] == live


def test_the_ranking_reads_the_kept_figures_and_shows_their_age(client, login, db, kept):
    from tinhoc.access import SYSTEM
    from tinhoc.certification.targets import emulation, services
    period = services.create_period(SYSTEM, name="Kế hoạch 2021–2025", start_year=2021, end_year=2030)
    emulation.set_criteria(SYSTEM, period.id, {"cio_leader": "50", "basic_certificate": "50"})
    login("organiser")
    assert client.get("/reports/targets").status_code == 200
    with recorded_statements(db.engine) as statements:
        page = client.get(f"/reports/emulation?period={period.id}").get_data(as_text=True)
    assert 'id="figures-age"' in page
    assert not any("certificate" in s for s in statements), statements


def test_every_metrics_watched_attributes_exist(app):
    from sqlalchemy import inspect as sa_inspect
    from tinhoc.certification.targets import figures
    for cls, attrs in figures._sources().items():
        assert attrs is None or attrs <= set(sa_inspect(cls).attrs.keys()), (cls, attrs)
