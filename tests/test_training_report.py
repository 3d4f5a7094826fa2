"""The organiser's subtree report: counts, the list by status, the .xlsx export, the district scope,
and a number of queries that does not grow with the number of people."""
from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.helpers import page_query_count
from tests.training_helpers import actor_of, catalogue, complete_course  # noqa: F401


def _people(db, staff_setup, make_person, make_user, catalogue):
    """Four civil servants with BASIC (due 1 Feb 2026): one completed, one started, one in the
    department (outside the district); one has left."""
    from tinhoc.access import SYSTEM
    from tinhoc.orgs.models import JobPosition
    from training.assignment import create_rule
    from tinhoc import clock
    done = make_person("D1", staff_setup["commune"], full_name="Nguyễn Văn Xong")
    started = make_person("S1", staff_setup["commune"], full_name="Trần Thị Đang")
    make_person("N1", staff_setup["department"], full_name="Lê Văn Chưa")
    gone = make_person("L1", staff_setup["commune"], full_name="Phạm Văn Nghỉ")
    position = db.session.scalar(select(JobPosition).where(JobPosition.code == "civil_servant"))
    create_rule(SYSTEM, position_id=position.id, organisation_id=None, track_id=catalogue["tracks"]["BASIC"].id,
                due_date=date(2026, 2, 1))
    gone.left_at = clock.now()
    db.session.commit()
    actor = actor_of(make_user("hv-done", person_id=done.id))
    for i in range(1, 7):
        complete_course(actor, catalogue["courses"][f"IU0{i}"])
    complete_course(actor_of(make_user("hv-started", person_id=started.id)), catalogue["courses"]["IU01"])


def test_counts_list_and_district_scope(client, login, db, catalogue, staff_setup, make_person, make_user, grant,
                                        frozen_clock):
    _people(db, staff_setup, make_person, make_user, catalogue)
    basic = catalogue["tracks"]["BASIC"].id
    login("organiser")
    page = client.get(f"/training/report?track={basic}").get_data(as_text=True)
    for key, n in (("assigned", 3), ("started", 2), ("completed", 1), ("overdue", 2)):
        assert f'id="count-{key}">{n}<' in page, key
    assert "Lê Văn Chưa" in page and "Phạm Văn Nghỉ" not in page
    page = client.get(f"/training/report?track={basic}&status=completed").get_data(as_text=True)
    assert "Nguyễn Văn Xong" in page and "Trần Thị Đang" not in page
    assert '<td class="text-end courses-done">6/6</td>' in page
    page = client.get(f"/training/report?track={basic}&status=started").get_data(as_text=True)
    assert "Trần Thị Đang" in page and '<td class="text-end courses-done">1/6</td>' in page
    client.post("/logout")
    grant(make_user("district", roles=[]), "organiser", "H-AB")
    login("district")
    page = client.get(f"/training/report?track={basic}").get_data(as_text=True)
    assert 'id="count-assigned">2<' in page and "Lê Văn Chưa" not in page
    assert client.get(f"/training/report?track={basic}&org={staff_setup['department'].id}").status_code == 404
    sheet = load_workbook(io.BytesIO(client.get(f"/training/report.xlsx?track={basic}").data)).active
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert codes == {"D1", "S1"}


def test_export_lists_status_and_dates(client, login, db, catalogue, staff_setup, make_person, make_user,
                                       frozen_clock):
    _people(db, staff_setup, make_person, make_user, catalogue)
    login("organiser")
    response = client.get(f"/training/report.xlsx?track={catalogue['tracks']['BASIC'].id}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    rows = {r[0]: r for r in load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=2, values_only=True)}
    assert rows["D1"][-1] == "Đã hoàn thành" and rows["S1"][-1] == "Quá hạn" and rows["N1"][-1] == "Quá hạn"


def test_report_queries_do_not_grow_with_people(client, login, db, catalogue, staff_setup, make_person):
    from tinhoc.access import SYSTEM
    from tinhoc.orgs.models import JobPosition
    from training.assignment import create_rule
    position = db.session.scalar(select(JobPosition).where(JobPosition.code == "civil_servant"))
    create_rule(SYSTEM, position_id=position.id, organisation_id=None, track_id=catalogue["tracks"]["BASIC"].id,
                due_date=None)
    login("organiser")
    basic = catalogue["tracks"]["BASIC"].id
    urls = [f"/training/report?track={basic}", f"/training/report.xlsx?track={basic}"]
    from training.assignment import apply_rules
    from training.models import TrackAssignment

    def add(prefix, n):
        for i in range(n):
            make_person(f"{prefix}{i}", staff_setup["commune"])
        apply_rules()
        db.session.commit()
        return db.session.scalar(select(func.count(TrackAssignment.id)))
    assert add("A", 5) == 5
    n = [page_query_count(db, client, url) for url in urls]
    assert add("B", 10) == 15
    assert [page_query_count(db, client, url) for url in urls] == n


def test_report_lists_people_in_vietnamese_order(client, login, db, catalogue, staff_setup, make_person):
    """Within a unit: Đặng after Dương and before Vũ, Ngô before Nguyễn (not by code point)."""
    from tinhoc.access import SYSTEM
    from tinhoc.orgs.models import JobPosition
    from training.assignment import create_rule
    for code, name in (("V1", "Vũ Văn An"), ("D2", "Đặng Thị Bình"), ("N3", "Nguyễn Văn Cường"),
                       ("N4", "Ngô Thị Dung"), ("D5", "Dương Văn Em")):
        make_person(code, staff_setup["commune"], full_name=name)
    position = db.session.scalar(select(JobPosition).where(JobPosition.code == "civil_servant"))
    create_rule(SYSTEM, position_id=position.id, organisation_id=None, track_id=catalogue["tracks"]["BASIC"].id,
                due_date=None)
    login("organiser")
    page = client.get(f"/training/report?track={catalogue['tracks']['BASIC'].id}").get_data(as_text=True)
    order = sorted(("Vũ Văn An", "Đặng Thị Bình", "Nguyễn Văn Cường", "Ngô Thị Dung", "Dương Văn Em"), key=page.index)
    assert order == ["Dương Văn Em", "Đặng Thị Bình", "Ngô Thị Dung", "Nguyễn Văn Cường", "Vũ Văn An"]
