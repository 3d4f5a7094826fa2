"""The dashboard, its drill-down, the ranking and the missing list cost the same number of queries
for a small and a twice larger tree (no query per unit, per person or per certificate)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import page_query_count


def _grow(db, make_org, district, tag: str, communes: int) -> None:
    """Communes under `district`, each with a leader holding a CIO certificate, IT staff, civil servants
    with and without the basic certificate."""
    from tinhoc.certification.models import Certificate
    from tinhoc.orgs.models import JobPosition, Person
    positions = {p.code: p.id for p in db.session.scalars(select(JobPosition))}
    for c in range(communes):
        unit = make_org(f"{tag}{c}", f"UBND xã {tag} {c}", kind="commune", parent=district)
        people = [Person(employee_code=f"{tag}{c}-{k}", full_name=f"Trần Thị {tag}{c}{k}", organisation_id=unit.id,
                         position_id=positions[code])
                  for k, code in enumerate(["leader", "it_staff", "civil_servant", "civil_servant"])]
        db.session.add_all(people)
        db.session.flush()
        for k, (person, kind) in enumerate(zip(people, ["cio_track", "basic_ict", "basic_ict"])):
            db.session.add(Certificate(number=f"{tag}{c}-{k}", kind=kind, year=2026, serial=person.id, person_id=person.id,
                                       holder_name=person.full_name, details={}))
    db.session.commit()


@pytest.mark.parametrize("where", ["province", "district"])
def test_pages_cost_the_same_for_n_and_2n_units(client, login, db, make_org, staff_setup, frozen_clock, where):
    from tinhoc.access import SYSTEM
    from tinhoc.certification.targets import emulation, services
    period = services.create_period(SYSTEM, name="2026–2030", start_year=2026, end_year=2030)
    services.set_target(SYSTEM, period.id, metric="cio_leader", value=100)
    services.set_target(SYSTEM, period.id, metric="it_staff", value=80, org_id=staff_setup["district"].id)
    emulation.set_criteria(SYSTEM, period.id, {"cio_leader": "50", "basic_certificate": "50"})
    login("admin")
    org = staff_setup["province" if where == "province" else "district"].id
    urls = [f"/reports/targets?org={org}", f"/reports/emulation?org={org}",
            f"/reports/targets/missing/basic_certificate?org={org}", f"/reports/targets/missing/cio_leader?org={org}"]
    _grow(db, make_org, staff_setup["district"], "A", 4)
    services.write_snapshot(services.today())
    small = [page_query_count(db, client, url) for url in urls]
    _grow(db, make_org, staff_setup["district"], "B", 8)
    make_org("SO-MOI", "Sở mới", parent=staff_setup["province"])
    services.write_snapshot(services.today())
    assert [page_query_count(db, client, url) for url in urls] == small


@pytest.mark.parametrize("where", ["province", "district"])
def test_with_kept_figures_counting_and_reading_cost_the_same_for_n_and_2n_units(app, client, login, db, make_org,
                                                                                 staff_setup, frozen_clock, where):
    """Kept figures (TARGETS_FIGURES_TTL on): counting them for the whole province, then reading them,
    are each a fixed number of queries."""
    from tinhoc.access import SYSTEM
    from tinhoc.certification.targets import emulation, figures, services
    period = services.create_period(SYSTEM, name="2026–2030", start_year=2026, end_year=2030)
    emulation.set_criteria(SYSTEM, period.id, {"cio_leader": "50", "basic_certificate": "50"})
    app.config["TARGETS_FIGURES_TTL"] = 300
    login("admin")
    org = staff_setup["province" if where == "province" else "district"].id
    urls = [f"/reports/targets?org={org}", f"/reports/emulation?org={org}"]

    def cost():
        figures.forget()
        counting = [page_query_count(db, client, url) for url in urls]   # the first counts, the second reads
        return counting, [page_query_count(db, client, url) for url in urls]
    try:
        _grow(db, make_org, staff_setup["district"], "A", 4)
        small = cost()
        _grow(db, make_org, staff_setup["district"], "B", 8)
        make_org("SO-MOI", "Sở mới", parent=staff_setup["province"])
        assert cost() == small
        assert small[1][0] < small[0][0]        # reading kept figures skips the metric queries
    finally:
        figures.forget()
        app.config["TARGETS_FIGURES_TTL"] = 0
