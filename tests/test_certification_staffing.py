"""Agencies with dedicated IT staff / with an IT leader: every figure equals a count done here in plain
Python over the same rows, for the root and for subtrees; the page costs the same queries for a larger
tree; a district organiser sees their district only."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import event, select

AGENCY_KINDS = {"department", "district", "commune"}


@pytest.fixture
def province(db, make_org):
    """A generated province: 3 departments, 3 districts of 4 communes and a school each; staff of
    random positions, some of whom have left."""
    from tinhoc import clock
    from tinhoc.orgs import services
    from tinhoc.orgs.models import JobPosition, Person
    services.ensure_positions()
    positions = {p.code: p.id for p in db.session.scalars(select(JobPosition))}
    rng = random.Random(13)
    root = make_org("T01", "Tỉnh", kind="province")
    units = [root] + [make_org(f"SO-{i}", f"Sở {i}", parent=root) for i in range(3)]
    for d in range(3):
        district = make_org(f"H-{d}", f"Huyện {d}", kind="district", parent=root)
        units.append(district)
        units += [make_org(f"H-{d}-X{c}", f"Xã {d}.{c}", kind="commune", parent=district) for c in range(4)]
        units.append(make_org(f"H-{d}-TH", f"Trường {d}", kind="school", parent=district))
    people = []
    for unit in units:
        for k in range(rng.randint(0, 4)):
            code = rng.choice(["it_staff", "it_leader", "civil_servant", "leader"])
            people.append(Person(employee_code=f"{unit.code}-{k}", full_name="Nguyễn Văn A", organisation_id=unit.id,
                                 position_id=positions[code],
                                 left_at=clock.now() if rng.random() < 0.15 else None))
    db.session.add_all(people)
    db.session.commit()
    return {u.code: u for u in units}, people, positions


def _hand_count(units, people, positions, root, code):
    """(having, total, missing codes) for the subtree of `root`, counted in Python."""
    agencies = [u for u in units.values() if u.path.startswith(root.path) and u.kind in AGENCY_KINDS]
    having = {p.organisation_id for p in people if p.left_at is None and p.position_id == positions[code]}
    missing = sorted(u.code for u in agencies if u.id not in having)
    return len(agencies) - len(missing), len(agencies), missing


@pytest.mark.parametrize("root_code", ["T01", "H-0", "H-1", "SO-0", "H-2-X3"])
def test_figures_equal_a_hand_count(db, province, root_code):
    from tinhoc.access import SYSTEM
    from tinhoc.certification import staffing
    units, people, positions = province
    root, metrics = staffing.staffing(SYSTEM, units[root_code].id)
    assert root.code == root_code
    for metric in metrics:
        having, total, missing = _hand_count(units, people, positions, root, metric.code)
        assert (metric.having, metric.total) == (having, total), metric.code
        assert sorted(u.code for u in metric.missing) == missing
        assert sum(r.having for r in metric.rows) == having and sum(r.total for r in metric.rows) == total
        for row in metric.rows:   # each child's row is its own subtree's hand count
            if row.unit is not None:
                assert (row.having, row.total) == _hand_count(units, people, positions, row.unit, metric.code)[:2]


def _queries(db, client, url):
    statements = []

    def log(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", log)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_page_cost_does_not_grow_with_the_tree(client, login, db, province, make_org):
    units, _people, _positions = province
    login("organiser")
    before, page = _queries(db, client, "/reports/staffing")
    assert "Cơ quan có cán bộ chuyên trách CNTT" in page and "Cơ quan còn thiếu" in page
    for i in range(6):
        make_org(f"H-0-Y{i}", f"Xã mới {i}", kind="commune", parent=units["H-0"])
    after, page = _queries(db, client, "/reports/staffing")
    assert after == before
    assert "Xã mới 5" in page   # a new commune without staff is listed as missing


def test_district_organiser_sees_their_district_only(client, login, db, province, make_user, grant):
    units, _people, _positions = province
    grant(make_user("district", roles=[]), "organiser", "H-1")
    login("district")
    page = client.get("/reports/staffing").get_data(as_text=True)
    assert "Huyện 1" in page and "Xã 1.0" in page and "Xã 0.0" not in page and "Sở 0" not in page
    assert client.get(f"/reports/staffing?org={units['H-0'].id}").status_code == 404
    assert client.get(f"/reports/staffing?org={units['H-1-X2'].id}").status_code == 200


def test_excel_export_lists_the_agencies_missing(client, login, db, province):
    import io

    from openpyxl import load_workbook
    units, people, positions = province
    login("organiser")
    response = client.get(f"/reports/staffing.xlsx?org={units['H-0'].id}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["it_staff", "it_leader"]
    for code in workbook.sheetnames:
        rows = list(workbook[code].iter_rows(values_only=True))
        having, total, missing = _hand_count(units, people, positions, units["H-0"], code)
        assert rows[1][1] == having and rows[1][3] == total
        start = next(i for i, r in enumerate(rows) if r[0] == "Mã đơn vị") + 1
        assert sorted(r[0] for r in rows[start:]) == missing


def test_excel_export_keeps_formula_like_unit_names_as_text(client, login, db, province, make_org):
    """A unit named like a formula is written as a quoted string, never a live formula."""
    import io

    from openpyxl import load_workbook
    units, _people, _positions = province
    make_org("H-0-EVIL", '=HYPERLINK("http://x","bấm")', kind="commune", parent=units["H-0"])
    login("organiser")
    response = client.get(f"/reports/staffing.xlsx?org={units['H-0'].id}")
    workbook = load_workbook(io.BytesIO(response.data))
    cells = [c for row in workbook["it_staff"].iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells, "the unit is listed among the agencies missing"
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
