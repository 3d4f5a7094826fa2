"""The organisation tree through its pages: create, rename, move (no cycles), archive; one-query subtrees."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select


def _org(db, code):
    from tinhoc.orgs.models import Organisation
    db.session.expire_all()
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def test_admin_creates_units_and_the_tree_page_shows_them_indented(client, login, db, staff_setup):
    login("admin")
    district = staff_setup["district"]
    response = client.post("/orgs/new", data={"kind": "school", "code": "THCS-AB", "name": "Trường THCS An Bình",
                                              "parent_id": str(district.id)})
    assert response.status_code == 302
    school = _org(db, "THCS-AB")
    assert school.parent_id == district.id and school.depth == 2
    assert school.path == district.path + f"{school.id:08d}/"
    page = client.get("/orgs/").get_data(as_text=True)
    assert "Trường THCS An Bình" in page and 'class="tree-indent-2"' in page
    # a top-level unit (no parent)
    client.post("/orgs/new", data={"kind": "other", "code": "KHAC", "name": "Đơn vị khác", "parent_id": ""})
    assert _org(db, "KHAC").depth == 0


def test_duplicate_code_and_bad_kind_are_refused_with_a_message(client, login, db, staff_setup):
    login("admin")
    response = client.post("/orgs/new", data={"kind": "department", "code": "so-tt", "name": "Trùng mã",
                                              "parent_id": ""})
    assert response.status_code == 400
    assert "Mã đơn vị so-tt đã được dùng cho Sở Thông tin và Truyền thông" in response.get_data(as_text=True)
    response = client.post("/orgs/new", data={"kind": "planet", "code": "P1", "name": "Sao Hỏa", "parent_id": ""})
    assert response.status_code == 400 and _org(db, "P1") is None


def test_rename_is_audited(client, login, db, staff_setup):
    from tinhoc.audit import AuditEntry
    login("admin")
    dept = staff_setup["department"]
    response = client.post(f"/orgs/{dept.id}/rename", data={"kind": "department", "code": "SO-KHCN",
                                                            "name": "Sở Khoa học và Công nghệ"})
    assert response.status_code == 302
    assert _org(db, "SO-KHCN").name == "Sở Khoa học và Công nghệ"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.update"))
    assert entry.before["code"] == "SO-TT" and entry.after["code"] == "SO-KHCN" and entry.actor_id is not None


def test_move_rewrites_the_whole_subtree_and_refuses_cycles(client, login, db, make_org, staff_setup):
    login("admin")
    district, commune, dept = staff_setup["district"], staff_setup["commune"], staff_setup["department"]
    hamlet = make_org("THON-1", "Thôn 1", kind="other", parent=commune)
    # district (with its commune and hamlet) goes under the department
    response = client.post(f"/orgs/{district.id}/move", data={"parent_id": str(dept.id)})
    assert response.status_code == 302
    d, c, h, s = _org(db, "H-AB"), _org(db, "X-01"), _org(db, "THON-1"), _org(db, "SO-TT")
    assert d.parent_id == s.id and d.path.startswith(s.path) and d.depth == 2
    assert c.path.startswith(d.path) and c.depth == 3 and h.path.startswith(c.path) and h.depth == 4
    # into its own descendant: refused, nothing changes
    response = client.post(f"/orgs/{district.id}/move", data={"parent_id": str(hamlet.id)}, follow_redirects=True)
    assert "Không thể chuyển UBND huyện An Bình vào chính nó hoặc một đơn vị trực thuộc nó" in response.get_data(as_text=True)
    assert _org(db, "H-AB").parent_id == s.id
    response = client.post(f"/orgs/{district.id}/move", data={"parent_id": str(district.id)}, follow_redirects=True)
    assert "vào chính nó" in response.get_data(as_text=True)
    # back to the top level
    client.post(f"/orgs/{district.id}/move", data={"parent_id": ""})
    assert _org(db, "H-AB").depth == 0 and _org(db, "THON-1").depth == 2


def test_archive_refuses_while_staff_remain_then_archives_the_subtree(client, login, db, staff_setup):
    from tinhoc.orgs.models import JobPosition, Person
    login("admin")
    district, commune = staff_setup["district"], staff_setup["commune"]
    position = db.session.scalar(select(JobPosition).where(JobPosition.code == "civil_servant"))
    db.session.add(Person(employee_code="CB1", full_name="Lê Văn Một", organisation_id=commune.id,
                          position_id=position.id))
    db.session.commit()
    page = client.post(f"/orgs/{district.id}/archive", follow_redirects=True).get_data(as_text=True)
    assert "còn 1 cán bộ" in page and _org(db, "H-AB").archived_at is None
    db.session.execute(Person.__table__.delete())
    db.session.commit()
    client.post(f"/orgs/{district.id}/archive")
    assert _org(db, "H-AB").is_archived and _org(db, "X-01").is_archived
    tree = client.get("/orgs/").get_data(as_text=True)
    assert "UBND xã Tân Lập" not in tree
    assert "UBND xã Tân Lập" in client.get("/orgs/?archived=1").get_data(as_text=True)
    # a child cannot come back before its parent
    page = client.post(f"/orgs/{commune.id}/unarchive", follow_redirects=True).get_data(as_text=True)
    assert "Hãy khôi phục đơn vị cấp trên UBND huyện An Bình trước" in page
    client.post(f"/orgs/{district.id}/unarchive")
    client.post(f"/orgs/{commune.id}/unarchive")
    assert not _org(db, "X-01").is_archived
    # no new unit under an archived parent
    client.post(f"/orgs/{district.id}/archive")
    response = client.post("/orgs/new", data={"kind": "commune", "code": "X-02", "name": "Xã mới",
                                              "parent_id": str(district.id)})
    assert response.status_code == 400 and "đã ngừng hoạt động" in response.get_data(as_text=True)


def test_subtree_is_one_query(app, db, make_org, staff_setup):
    from tinhoc.orgs import services
    district = staff_setup["district"]
    for i in range(20):
        make_org(f"X-{i + 10}", f"Xã {i}", kind="commune", parent=district)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        units = services.subtree(district.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(units) == 22 and units[0].id == district.id
    assert len([s for s in statements if "organisation" in s]) <= 2  # the root's path, then the range


def test_unknown_unit_is_404(client, login):
    login("admin")
    assert client.get("/orgs/99999").status_code == 404


@pytest.mark.parametrize("action", ["rename", "move", "archive", "unarchive"])
def test_actions_on_an_unknown_unit_are_404(client, login, staff_setup, action):
    login("admin")
    data = {"kind": "department", "code": "X", "name": "X", "parent_id": ""}
    assert client.post(f"/orgs/999999/{action}", data=data).status_code == 404
