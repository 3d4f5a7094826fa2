"""Staff list (filters, pagination), job positions, and `flask tinhoc import-staff`."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.helpers import build_xlsx


def _add_people(db, org, position_code, n, prefix="CB"):
    from tinhoc.orgs.models import JobPosition, Person
    position = db.session.scalar(select(JobPosition).where(JobPosition.code == position_code))
    db.session.add_all(Person(employee_code=f"{prefix}{i:04d}", full_name=f"Nguyễn Văn {prefix}{i}",
                              organisation_id=org.id, position_id=position.id) for i in range(n))
    db.session.commit()


def test_staff_list_filters_by_subtree_position_and_name_and_paginates(client, login, db, staff_setup):
    from tinhoc.orgs.models import JobPosition
    _add_people(db, staff_setup["department"], "civil_servant", 60, "SO")
    _add_people(db, staff_setup["commune"], "leader", 3, "XA")
    login("organiser")
    page = client.get("/orgs/staff").get_data(as_text=True)
    assert 'id="staff-total">63<' in page and "?page=2" in page
    page2 = client.get("/orgs/staff?page=2").get_data(as_text=True)
    assert page2.count("<code>") == 13
    district = client.get(f"/orgs/staff?org={staff_setup['district'].id}").get_data(as_text=True)
    assert 'id="staff-total">3<' in district and "XA0001" in district and "SO0001" not in district
    leader = db.session.scalar(select(JobPosition.id).where(JobPosition.code == "leader"))
    by_position = client.get(f"/orgs/staff?position={leader}").get_data(as_text=True)
    assert 'id="staff-total">3<' in by_position
    by_name = client.get("/orgs/staff?q=so0059").get_data(as_text=True)
    assert 'id="staff-total">1<' in by_name and "Nguyễn Văn SO59" in by_name


def test_positions_are_seeded_editable_and_extensible(client, login, db, staff_setup):
    from tinhoc.orgs.models import JobPosition
    login("admin")
    page = client.get("/orgs/positions").get_data(as_text=True)
    for name in ("Lãnh đạo", "Lãnh đạo phụ trách CNTT", "Cán bộ chuyên trách CNTT", "Công chức", "Viên chức",
                 "Giáo viên", "Học sinh"):
        assert name in page
    teacher = db.session.scalar(select(JobPosition).where(JobPosition.code == "teacher"))
    response = client.post(f"/orgs/positions/{teacher.id}", data={f"p{teacher.id}-name": "Giáo viên phổ thông",
                                                                  f"p{teacher.id}-sort_order": "5"})
    assert response.status_code == 302
    db.session.expire_all()
    assert teacher.name == "Giáo viên phổ thông" and teacher.sort_order == 5 and teacher.code == "teacher"
    # seeding again keeps the admin's name
    from tinhoc.orgs import services
    services.ensure_positions()
    db.session.commit()
    db.session.expire_all()
    assert teacher.name == "Giáo viên phổ thông"
    response = client.post("/orgs/positions", data={"code": "contract", "name": "Hợp đồng lao động",
                                                    "sort_order": "80"})
    assert response.status_code == 302
    response = client.post("/orgs/positions", data={"code": "x2", "name": "công chức", "sort_order": "1"})
    assert response.status_code == 400 and "Đã có vị trí việc làm tên công chức" in response.get_data(as_text=True)
    response = client.post(f"/orgs/positions/{teacher.id}", data={f"p{teacher.id}-name": "",
                                                                  f"p{teacher.id}-sort_order": "5"},
                           follow_redirects=True)
    assert "không được để trống" in response.get_data(as_text=True)


def test_cli_import_staff_dry_run_errors_and_apply(app, db, staff_setup, tmp_path):
    from tinhoc.orgs.models import Person
    runner = app.test_cli_runner()
    good = tmp_path / "good.xlsx"
    good.write_bytes(build_xlsx([("CB001", "Nguyễn Văn An", "05/09/1985", None, "SO-TT", "Công chức", None)]))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(build_xlsx([("CB001", "Nguyễn Văn An", "05/09/1985", None, "SO-TT", "Công chức", None),
                                ("CB002", "Trần Bình", "hôm qua", None, "NOPE", "Công chức", None)]))

    result = runner.invoke(args=["tinhoc", "import-staff", str(bad)])
    assert result.exit_code == 1
    assert "Dòng 3, Ngày sinh (cột C): Ngày sinh không hợp lệ: “hôm qua”" in result.output
    assert "Dòng 3, Mã đơn vị (cột E): Không có đơn vị nào mang mã “NOPE”." in result.output
    assert "Tổng: 1 mới, 0 cập nhật, 0 không đổi, 1 dòng lỗi." in result.output
    assert db.session.scalar(select(func.count(Person.id))) == 0

    result = runner.invoke(args=["tinhoc", "import-staff", str(good), "--dry-run"])
    assert result.exit_code == 0 and "Dòng 2: mới" in result.output and "--dry-run" in result.output
    assert db.session.scalar(select(func.count(Person.id))) == 0

    result = runner.invoke(args=["tinhoc", "import-staff", str(good)])
    assert result.exit_code == 0 and "Đã nhập xong." in result.output
    assert db.session.scalar(select(func.count(Person.id))) == 1
    result = runner.invoke(args=["tinhoc", "import-staff", str(good)])
    assert "Dòng 2: không đổi" in result.output


def test_admin_adds_and_edits_one_person_with_audit(client, login, db, staff_setup):
    from tinhoc.audit import AuditEntry
    from tinhoc.orgs.models import JobPosition, Person
    login("admin")
    it_staff = db.session.scalar(select(JobPosition.id).where(JobPosition.code == "it_staff"))
    form = {"employee_code": "CB900", "full_name": "Đặng Thu Hà", "date_of_birth": "1991-04-30",
            "email": "Ha@AnKhe.gov.vn", "organisation_id": str(staff_setup["department"].id),
            "position_id": str(it_staff), "title": "Chuyên viên"}
    assert client.post("/orgs/staff/new", data=form).status_code == 302
    person = db.session.scalar(select(Person).where(Person.employee_code == "CB900"))
    assert person.email == "ha@ankhe.gov.vn" and str(person.date_of_birth) == "1991-04-30"
    # moved to the commune: audited with before and after
    edit = dict(form, organisation_id=str(staff_setup["commune"].id))
    assert client.post(f"/orgs/staff/{person.id}", data=edit).status_code == 302
    db.session.expire_all()
    assert person.organisation_id == staff_setup["commune"].id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.update"))
    assert entry.before["organisation_id"] == staff_setup["department"].id
    assert entry.after["organisation_id"] == staff_setup["commune"].id
    # a second person may not take the same code
    response = client.post("/orgs/staff/new", data=dict(form, full_name="Người Khác"))
    assert response.status_code == 400 and "Mã cán bộ CB900 đã thuộc về Đặng Thu Hà" in response.get_data(as_text=True)
    response = client.post("/orgs/staff/new", data=dict(form, employee_code="CB901", email="khong-hop-le"))
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Person.id))) == 1


def test_a_person_who_leaves_is_kept_but_no_longer_listed_or_counted(client, login, db, staff_setup):
    from tinhoc.audit import AuditEntry
    from tinhoc.orgs.models import Person
    _add_people(db, staff_setup["commune"], "civil_servant", 2, "XA")
    leaver = db.session.scalar(select(Person).where(Person.employee_code == "XA0000"))
    login("admin")
    assert client.post(f"/orgs/staff/{leaver.id}/leave").status_code == 302
    listing = client.get("/orgs/staff").get_data(as_text=True)
    assert 'id="staff-total">1<' in listing and "XA0000" not in listing
    with_left = client.get("/orgs/staff?left=1").get_data(as_text=True)
    assert 'id="staff-total">2<' in with_left and "Đã nghỉ" in with_left
    home = client.get("/").get_data(as_text=True)
    assert 'id="fig-staff">1<' in home
    # the commune can now be archived once its one remaining person leaves too
    other = db.session.scalar(select(Person).where(Person.employee_code == "XA0001"))
    client.post(f"/orgs/staff/{other.id}/leave")
    client.post(f"/orgs/{staff_setup['commune'].id}/archive")
    db.session.expire_all()
    assert staff_setup["commune"].is_archived
    page = client.post(f"/orgs/staff/{other.id}/return", follow_redirects=True).get_data(as_text=True)
    assert "đã ngừng hoạt động" in page
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "person.leave")) == 2


def test_import_brings_a_leaver_back(client, login, db, staff_setup, make_person):
    import io
    person = make_person("CB001", staff_setup["department"], full_name="Nguyễn Văn An")
    login("admin")
    client.post(f"/orgs/staff/{person.id}/leave")
    row = ("CB001", "Nguyễn Văn An", None, None, "SO-TT", "civil_servant", None)
    page = client.post("/orgs/staff/import", data={"file": (io.BytesIO(build_xlsx([row])), "hr.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Cập nhật: 1" in page and "trở lại làm việc" in page
    marker = 'name="token" type="hidden" value="'
    token = page[page.index(marker) + len(marker):].split('"', 1)[0]
    assert client.post("/orgs/staff/import/apply", data={"token": token}).status_code == 302
    db.session.expire_all()
    assert person.left_at is None


def test_refused_edits_say_why_and_change_nothing(client, login, db, staff_setup, make_person):
    from tinhoc.orgs.models import JobPosition, Organisation
    login("admin")
    dept, commune = staff_setup["department"], staff_setup["commune"]
    # a unit without a name
    page = client.post(f"/orgs/{dept.id}/rename", data={"kind": "department", "code": "SO-TT", "name": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "Tên đơn vị: Mục này không được để trống." in page
    # a code too long and a kind that does not exist: the real reasons
    page = client.post(f"/orgs/{dept.id}/rename", data={"kind": "planet", "code": "X" * 33, "name": "Sở"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Loại đơn vị: Lựa chọn không hợp lệ." in page and "Mã đơn vị: Dài quá: tối đa 32 ký tự." in page
    db.session.expire_all()
    assert db.session.get(Organisation, dept.id).name == "Sở Thông tin và Truyền thông"
    # a position code with diacritics
    response = client.post("/orgs/positions", data={"code": "giáo_viên", "name": "Giáo viên mầm non"})
    assert response.status_code == 400 and "Mã vị trí chỉ gồm chữ không dấu" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(JobPosition.id))) == 7
    # a person moved into an archived unit
    person = make_person("CB7", dept)
    client.post(f"/orgs/{commune.id}/archive")
    position = db.session.scalar(select(JobPosition.id).where(JobPosition.code == "civil_servant"))
    response = client.post(f"/orgs/staff/{person.id}", data={
        "employee_code": "CB7", "full_name": "Cán bộ CB7", "organisation_id": str(commune.id),
        "position_id": str(position)})
    assert response.status_code == 400 and "đã ngừng hoạt động" in response.get_data(as_text=True)
    db.session.expire_all()
    assert person.organisation_id == dept.id
    # an unknown person or unit is a 404, not a crash
    assert client.get("/orgs/staff/99999").status_code == 404
    assert client.post("/orgs/99999/move", data={"parent_id": ""}, follow_redirects=True).status_code == 404
