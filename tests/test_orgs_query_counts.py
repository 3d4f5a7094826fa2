"""List pages cost the same number of queries for N and 2N rows (no query per row)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import page_query_count


def _add_people(db, org, n: int, prefix: str) -> None:
    from tinhoc.orgs.models import JobPosition, Person
    position = db.session.scalar(select(JobPosition).where(JobPosition.code == "civil_servant"))
    db.session.add_all(Person(employee_code=f"{prefix}{i:04d}", full_name=f"Nguyễn Văn {prefix}{i}",
                              organisation_id=org.id, position_id=position.id) for i in range(n))
    db.session.commit()


@pytest.mark.parametrize("username", ["admin", "district"])
def test_staff_list_and_home_cost_the_same_for_n_and_2n_people(client, login, make_user, grant, db,
                                                               staff_setup, username):
    if username == "district":
        grant(make_user("district", roles=[]), "organiser", "H-AB")
    login(username)
    _add_people(db, staff_setup["commune"], 10, "A")
    counts_n = [page_query_count(db, client, url) for url in ("/orgs/staff", "/", "/orgs/")]
    _add_people(db, staff_setup["commune"], 10, "B")
    counts_2n = [page_query_count(db, client, url) for url in ("/orgs/staff", "/", "/orgs/")]
    assert counts_n == counts_2n


def test_tree_page_costs_the_same_for_n_and_2n_units(client, login, db, make_org, staff_setup):
    login("admin")
    for i in range(5):
        make_org(f"XA-{i}", f"Xã A{i}", kind="commune", parent=staff_setup["district"])
    n = page_query_count(db, client, "/orgs/")
    for i in range(5):
        make_org(f"XB-{i}", f"Xã B{i}", kind="commune", parent=staff_setup["district"])
    assert page_query_count(db, client, "/orgs/") == n


def test_account_list_costs_the_same_for_n_and_2n_accounts(client, login, make_user, grant, db, staff_setup):
    login("admin")

    def add(prefix):
        for i in range(5):
            user = make_user(f"{prefix}{i}", roles=["learner", "grader"])
            grant(user, "instructor", "X-01")
    add("a")
    n = page_query_count(db, client, "/admin/users")
    add("b")
    assert page_query_count(db, client, "/admin/users") == n


def test_staff_filter_offers_the_top_levels_not_the_whole_tree(client, login, db, make_org, staff_setup):
    for i in range(3):
        make_org(f"TH-{i}", f"Trường số {i}", kind="school", parent=staff_setup["commune"])
    login("admin")
    page = client.get("/orgs/staff").get_data(as_text=True)
    assert "UBND huyện An Bình" in page and "Trường số 1" not in page  # depth 0-1 only
    chosen = client.get(f"/orgs/staff?org={staff_setup['commune'].id}").get_data(as_text=True)
    assert "UBND xã Tân Lập" in chosen  # the selected unit stays in the list
