"""Who sees a certificate: its holder, an organiser whose scope covers the holder's unit; anyone else
gets a 404. Lists filter by scope in SQL; only an organiser in scope revokes."""
from __future__ import annotations

import pytest

from tests.certification_helpers import cert_world  # noqa: F401


@pytest.mark.parametrize("username,status", [
    ("anh", 200),         # the holder
    ("other", 404),       # another learner
    ("organiser", 200),   # province-wide organiser
    ("district", 200),    # organiser of huyện An Bình, where the holder works
    ("tsorg", 404),       # organiser of another district
])
def test_certificate_page_pdf_and_badge(client, login, cert_world, username, status):
    login(username)
    cert_id = cert_world["cert"].id
    for suffix in ("", "/certificate.pdf", "/badge.jwt", "/badge.json"):
        response = client.get(f"/certificates/{cert_id}{suffix}")
        assert response.status_code == status, (suffix, response.status_code)


def test_unknown_certificate_is_404(client, login, cert_world):
    login("organiser")
    assert client.get("/certificates/999999").status_code == 404


@pytest.mark.parametrize("username,sees", [("organiser", True), ("district", True), ("tsorg", False)])
def test_list_in_scope(client, login, cert_world, username, sees):
    login(username)
    page = client.get("/certificates/").get_data(as_text=True)
    assert ("CB-2026-000001" in page) is sees
    assert ("Đặng Thị Ánh" in page) is sees


def test_list_filters_by_kind_year_and_unit(client, login, cert_world):
    login("organiser")
    assert "CB-2026-000001" in client.get("/certificates/?kind=basic_ict&year=2026").get_data(as_text=True)
    assert "CB-2026-000001" not in client.get("/certificates/?kind=cio_track").get_data(as_text=True)
    assert "CB-2026-000001" not in client.get("/certificates/?year=2025").get_data(as_text=True)
    other = cert_world["other_district"].id
    assert "CB-2026-000001" not in client.get(f"/certificates/?org={other}").get_data(as_text=True)
    assert "CB-2026-000001" in client.get(f"/certificates/?org={cert_world['commune'].id}").get_data(as_text=True)


def test_unit_filter_outside_scope_is_404(client, login, cert_world):
    login("tsorg")
    assert client.get(f"/certificates/?org={cert_world['commune'].id}").status_code == 404


def test_holder_sees_own_certificates(client, login, cert_world):
    login("anh")
    page = client.get("/certificates/mine").get_data(as_text=True)
    assert "CB-2026-000001" in page and "Tải PDF" in page
    login_other = client.post("/logout")
    assert login_other.status_code == 302
    login("other")
    assert "CB-2026-000001" not in client.get("/certificates/mine").get_data(as_text=True)


def test_certificate_follows_the_holder_when_they_move(client, login, cert_world, db):
    """Access goes by the person's current unit: after a transfer the new district's organiser sees it."""
    person = cert_world["holder_person"]
    person.organisation_id = cert_world["other_district"].id
    db.session.commit()
    login("tsorg")
    assert client.get(f"/certificates/{cert_world['cert'].id}").status_code == 200


def test_revoke_only_in_scope_and_with_a_reason(client, login, cert_world):
    cert_id = cert_world["cert"].id
    login("tsorg")
    assert client.post(f"/certificates/{cert_id}/revoke", data={"reason": "sai"}).status_code == 404
    client.post("/logout")
    login("anh")   # the holder may not revoke their own
    assert client.post(f"/certificates/{cert_id}/revoke", data={"reason": "sai"}).status_code == 403
    client.post("/logout")
    login("district")
    response = client.post(f"/certificates/{cert_id}/revoke", data={"reason": ""}, follow_redirects=True)
    assert "Hãy nêu lý do thu hồi" in response.get_data(as_text=True)
    response = client.post(f"/certificates/{cert_id}/revoke", data={"reason": "Cấp nhầm người"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Đã thu hồi chứng chỉ CB-2026-000001" in page and "Cấp nhầm người" in page
    again = client.post(f"/certificates/{cert_id}/revoke", data={"reason": "lần nữa"}, follow_redirects=True)
    assert "đã bị thu hồi" in again.get_data(as_text=True)


def test_a_holder_with_an_account_but_no_staff_record(client, login, cert_world, make_user):
    """A contestant known only by their account: they and province-wide organisers see it, a district
    organiser (whose scope no unit of theirs lies in) does not."""
    from tinhoc.access import SYSTEM
    from tinhoc.certification import services
    pupil = make_user("pupil", roles=["student"], full_name="Trần Bảo Ngọc")
    cert = services.issue("contest_award", pupil, {"title": "Hội thi Tin học trẻ", "award": "Giải Ba"},
                          actor=SYSTEM, source="contest:pupil")
    assert (cert.holder_name, cert.person_id, cert.unit_name) == ("Trần Bảo Ngọc", None, None)
    for username, status in (("pupil", 200), ("organiser", 200), ("district", 404), ("anh", 404)):
        login(username)
        assert client.get(f"/certificates/{cert.id}").status_code == status, username
        client.post("/logout")


def test_list_costs_the_same_queries_for_n_and_2n_certificates(client, login, cert_world, db):
    from sqlalchemy import event

    from tinhoc.access import SYSTEM
    from tinhoc.certification import services

    def count() -> int:
        statements = []

        def log(conn, cursor, statement, *args):
            statements.append(statement)
        event.listen(db.engine, "before_cursor_execute", log)
        try:
            assert client.get("/certificates/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", log)
        return len(statements)

    login("district")
    person = cert_world["holder_person"]
    for i in range(3):
        services.issue("cio_track", person, {"hours": 8}, actor=SYSTEM, source=f"n:{i}")
    n = count()
    for i in range(3, 9):
        services.issue("cio_track", person, {"hours": 8}, actor=SYSTEM, source=f"n:{i}")
    assert count() == n
