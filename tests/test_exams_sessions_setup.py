"""Sessions (ca thi): creation in scope, rooms, candidates from the tree and from an Excel list,
automatic room and seat assignment, attendance lists; hostile cases (other district → 404,
candidates outside scope refused, bad rows listed with nothing applied)."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.helpers import build_xlsx

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def make_exam(db, org, title="Kỳ thi tin học cơ bản 2026", parts=(("Lý thuyết", 30),)):
    from exams.delivery.models import Exam, ExamPart
    exam = Exam(title=title, organisation_id=org.id, opens_at=T0 - timedelta(days=1), closes_at=T0 + timedelta(days=7),
                kind="exam")
    for position, (name, minutes) in enumerate(parts, start=1):
        exam.parts.append(ExamPart(position=position, title=name, duration_minutes=minutes, blueprint=[]))
    db.session.add(exam)
    db.session.commit()
    return exam


def session_world(db, make_org=None, make_person=None, make_user=None):
    """Province T01 with districts H-AB (commune X-01) and H-CD; an exam of the province; a session of
    H-AB with rooms A (proctor `proctor-a`) and B (proctor `proctor-b`); staff with accounts in both
    districts. Returns ids and objects by name. Works with the factories or without (access table)."""
    from tinhoc.access import SYSTEM
    from tinhoc.accounts import services as accounts
    from tinhoc.orgs import services as orgs
    from tinhoc.orgs.models import JobPosition, Organisation, Person

    from exams.delivery import sessions
    from exams.delivery.models import ExamCandidate, ExamRoom, ExamSession

    def org(code, name, kind, parent):
        found = db.session.scalar(select(Organisation).where(Organisation.code == code))
        return found or orgs.create_organisation(SYSTEM, kind=kind, code=code, name=name,
                                                 parent_id=parent.id if parent else None)

    def user(username, roles=(), person=None, full_name=None):
        found = accounts.find_by_username(username)
        return found or accounts.create_user(SYSTEM, username=username, full_name=full_name or username.title(),
                                             password="mat-khau-123", roles=list(roles), must_change_password=False,
                                             person_id=person.id if person else None)

    orgs.ensure_positions()
    db.session.commit()
    position = db.session.scalar(select(JobPosition).order_by(JobPosition.id))
    province = org("T01", "Tỉnh", "province", None)
    district = org("H-AB", "Huyện An Bình", "district", province)
    commune = org("X-01", "Xã Tân Lập", "commune", district)
    other = org("H-CD", "Huyện Cẩm Đình", "district", province)

    def person(code, name, unit):
        p = Person(employee_code=code, full_name=name, organisation_id=unit.id, position_id=position.id)
        db.session.add(p)
        db.session.commit()
        return p

    names = ["Vũ Văn Tám", "Đặng Thị Hoa", "Nguyễn Văn An", "Ngô Thị Bình"]
    staff = [user(f"ts{i}", ["learner"], person(f"CB-S{i}", name, commune if i % 2 else district), name)
             for i, name in enumerate(names, start=1)]
    outsider_person = person("CB-X1", "Lê Văn Ngoài", other)
    outsider = user("ts-ngoai", ["learner"], outsider_person, "Lê Văn Ngoài")
    person("CB-NOACC", "Phạm Không Tài Khoản", commune)   # staff without an account: never a candidate
    exam = make_exam(db, province)
    proctor_a, proctor_b = user("proctor-a", ["grader"]), user("proctor-b", ["grader"])
    session = ExamSession(exam_id=exam.id, organisation_id=district.id, name="Ca 1 — sáng", starts_at=T0)
    room_a = ExamRoom(session=session, name="Phòng A", capacity=2, proctor_user_id=proctor_a.id)
    room_b = ExamRoom(session=session, name="Phòng B", capacity=10, proctor_user_id=proctor_b.id)
    db.session.add_all([session, room_a, room_b])
    db.session.commit()
    sessions.add_candidates(SYSTEM, session, [(u.id, u.person_id) for u in staff], source="test")
    sessions.assign_rooms(SYSTEM, session)
    other_session = ExamSession(exam_id=exam.id, organisation_id=other.id, name="Ca huyện khác", starts_at=T0)
    db.session.add(other_session)
    db.session.commit()
    candidate = db.session.scalar(select(ExamCandidate).where(ExamCandidate.session_id == session.id,
                                                              ExamCandidate.user_id == staff[0].id))
    return {"exam": exam, "session": session, "other_session": other_session, "room_a": room_a, "room_b": room_b,
            "staff": staff, "outsider": outsider, "district": district, "commune": commune, "other": other,
            "candidate": candidate, "session_id": session.id, "room_id": room_a.id, "candidate_id": candidate.id,
            "fmt": "pdf", "action": "extra-time"}


@pytest.fixture
def sw(db, make_user, grant):
    world = session_world(db)
    organiser = make_user("to-chuc-huyen", roles=[])
    grant(organiser, "organiser", "H-AB")
    world["organiser"] = organiser
    return world


def _login(client, username):
    response = client.post("/login", data={"username": username, "password": "mat-khau-123"})
    assert response.status_code == 302


def _candidates(db, session_id):
    from exams.delivery.models import ExamCandidate
    return db.session.scalar(select(func.count()).select_from(ExamCandidate).where(
        ExamCandidate.session_id == session_id))


def test_district_organiser_creates_session_in_subtree_only(client, db, sw, frozen_clock):
    _login(client, "to-chuc-huyen")
    page = client.get("/exams/sessions/new").get_data(as_text=True)
    assert "Kỳ thi tin học cơ bản 2026" in page and "Xã Tân Lập" in page and "Huyện Cẩm Đình" not in page
    response = client.post("/exams/sessions/new", data={"exam_id": sw["exam"].id, "organisation_id": sw["commune"].id,
                                                        "name": "Ca 2 — chiều", "starts_at": "2026-03-01T14:00"})
    assert response.status_code == 302
    from exams.delivery.models import ExamSession
    from tinhoc.audit import AuditEntry
    created = db.session.scalar(select(ExamSession).where(ExamSession.name == "Ca 2 — chiều"))
    assert created.organisation_id == sw["commune"].id
    assert created.starts_at == datetime(2026, 3, 1, 7, 0, tzinfo=timezone.utc)   # 14:00 in Hà Nội
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exam_session.create")) is not None
    # another district's unit is refused (not in the choices: the form says so, nothing created)
    before = db.session.scalar(select(func.count()).select_from(ExamSession))
    response = client.post("/exams/sessions/new", data={"exam_id": sw["exam"].id, "organisation_id": sw["other"].id,
                                                        "name": "Ca lạ", "starts_at": "2026-03-01T14:00"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ExamSession)) == before


def test_unit_outside_exam_subtree_refused(db, sw):
    from exams.delivery import sessions
    from exams.delivery.sessions import SessionError
    from tinhoc.access import load_actor
    exam = make_exam(db, sw["other"], title="Kỳ thi của huyện khác")
    actor = load_actor(sw["organiser"].id)
    with pytest.raises(SessionError, match="thuộc đơn vị của kỳ thi"):
        sessions.create_session(actor, exam_id=exam.id, organisation_id=sw["district"].id, name="X", starts_at=T0)
    from exams.delivery import session_lists
    assert exam.id not in {e.id for e in session_lists.exams_for_sessions(actor)}


def test_other_district_session_is_404(client, sw):
    _login(client, "to-chuc-huyen")
    other = sw["other_session"].id
    assert client.get(f"/exams/sessions/{other}").status_code == 404
    assert client.get(f"/exams/sessions/{other}/proctor").status_code == 404
    assert client.get(f"/exams/sessions/{other}/proctor.json").status_code == 404
    assert client.post(f"/exams/sessions/{other}/rooms", data={"name": "Phòng lạ"}).status_code == 404
    assert client.get(f"/exams/sessions/{sw['session_id']}").status_code == 200
    listing = client.get("/exams/sessions").get_data(as_text=True)
    assert "Ca 1 — sáng" in listing and "Ca huyện khác" not in listing


def test_rooms_with_proctor_and_unknown_proctor_refused(client, db, sw):
    _login(client, "to-chuc-huyen")
    sid = sw["session_id"]
    response = client.post(f"/exams/sessions/{sid}/rooms", data={"name": "Phòng C", "capacity": "25",
                                                                 "proctor": "proctor-a"}, follow_redirects=True)
    assert "Đã lưu phòng Phòng C" in response.get_data(as_text=True)
    from exams.delivery.models import ExamRoom
    room = db.session.scalar(select(ExamRoom).where(ExamRoom.name == "Phòng C"))
    assert room.capacity == 25 and room.proctor_user_id == sw["room_a"].proctor_user_id
    response = client.post(f"/exams/sessions/{sid}/rooms", data={"name": "Phòng D", "proctor": "khong-co"},
                           follow_redirects=True)
    assert "Không có tài khoản đang hoạt động tên khong-co" in response.get_data(as_text=True)
    assert db.session.scalar(select(ExamRoom).where(ExamRoom.name == "Phòng D")) is None
    response = client.post(f"/exams/sessions/{sid}/rooms/{room.id}", data={"name": "Phòng A"}, follow_redirects=True)
    assert "đã có phòng tên Phòng A" in response.get_data(as_text=True)


def test_add_unit_staff_only_with_accounts_and_in_scope(client, db, sw):
    _login(client, "to-chuc-huyen")
    from exams.delivery.models import ExamSession
    fresh = ExamSession(exam_id=sw["exam"].id, organisation_id=sw["district"].id, name="Ca trống", starts_at=T0)
    db.session.add(fresh)
    db.session.commit()
    response = client.post(f"/exams/sessions/{fresh.id}/candidates/unit",
                           data={"organisation_id": sw["commune"].id}, follow_redirects=True)
    assert "Đã thêm 2 thí sinh" in response.get_data(as_text=True)   # ts1, ts3 (no account: left out)
    response = client.post(f"/exams/sessions/{fresh.id}/candidates/unit",
                           data={"organisation_id": sw["district"].id, "subtree": "y"}, follow_redirects=True)
    assert "Đã thêm 2 thí sinh" in response.get_data(as_text=True)   # the district's own two, no duplicates
    assert _candidates(db, fresh.id) == 4
    response = client.post(f"/exams/sessions/{fresh.id}/candidates/unit", data={"organisation_id": sw["other"].id})
    assert _candidates(db, fresh.id) == 4   # another district's unit: refused


def test_assign_rooms_by_capacity_in_vietnamese_order(client, db, sw):
    session = sw["session"]
    from exams.delivery import sessions
    people = sessions.listed_candidates(session)
    # Đặng before Ngô before Nguyễn before Vũ; room A holds 2
    assert [p.full_name for p in people] == ["Đặng Thị Hoa", "Ngô Thị Bình", "Nguyễn Văn An", "Vũ Văn Tám"]
    assert [(p.room_id, p.seat) for p in people] == [(sw["room_a"].id, "01"), (sw["room_a"].id, "02"),
                                                     (sw["room_b"].id, "01"), (sw["room_b"].id, "02")]
    _login(client, "to-chuc-huyen")
    client.post(f"/exams/sessions/{session.id}/rooms/{sw['room_b'].id}", data={"name": "Phòng B", "capacity": "1"})
    response = client.post(f"/exams/sessions/{session.id}/assign", follow_redirects=True)
    assert "còn thiếu chỗ cho 1" in response.get_data(as_text=True)
    db.session.expire_all()
    assert [(p.room_id, p.seat) for p in sessions.listed_candidates(session)][2] == (sw["room_b"].id, "01")


def test_excel_list_all_or_nothing_with_row_numbers(client, db, sw):
    _login(client, "to-chuc-huyen")
    from exams.delivery.models import ExamSession
    fresh = ExamSession(exam_id=sw["exam"].id, organisation_id=sw["district"].id, name="Ca Excel", starts_at=T0)
    db.session.add(fresh)
    db.session.commit()
    bad = build_xlsx([("CB-S1", ""), ("", "ts2"), ("CB-X1", ""), ("CB-NOACC", ""), ("KHONG-CO", ""), ("", "ts1")],
                     header=("Mã cán bộ", "Tên đăng nhập"))
    response = client.post(f"/exams/sessions/{fresh.id}/candidates/import",
                           data={"file": (io.BytesIO(bad), "ds.xlsx")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Có 4 dòng lỗi" in page and 'id="apply-list"' not in page
    errors = dict(re.findall(r'<tr class="row-error table-danger"><td>(\d+)</td><td>[^<]*</td><td>[^<]*</td>\s*<td>([^<]+)</td>', page))
    assert set(errors) == {"4", "5", "6", "7"}
    assert "ngoài phạm vi" in errors["4"] and "chưa có tài khoản" in errors["5"]
    assert "không có cán bộ mã KHONG-CO" in errors["6"] and "trùng với dòng 2" in errors["7"]
    assert _candidates(db, fresh.id) == 0
    good = build_xlsx([("CB-S1", ""), ("", "ts2")], header=("Mã cán bộ", "Tên đăng nhập"))
    response = client.post(f"/exams/sessions/{fresh.id}/candidates/import",
                           data={"file": (io.BytesIO(good), "ds.xlsx")}, content_type="multipart/form-data")
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)).group(1)
    response = client.post(f"/exams/sessions/{fresh.id}/candidates/import/apply", data={"token": token},
                           follow_redirects=True)
    assert "Đã thêm 2 thí sinh từ danh sách" in response.get_data(as_text=True)
    assert _candidates(db, fresh.id) == 2
    again = client.post(f"/exams/sessions/{fresh.id}/candidates/import/apply", data={"token": token},
                        follow_redirects=True)
    assert "không còn" in again.get_data(as_text=True) and _candidates(db, fresh.id) == 2


def test_excel_list_without_header_columns_refused(client, db, sw):
    _login(client, "to-chuc-huyen")
    data = build_xlsx([("x", "y")], header=("Họ tên", "Ghi chú"))
    response = client.post(f"/exams/sessions/{sw['session_id']}/candidates/import",
                           data={"file": (io.BytesIO(data), "ds.xlsx")}, content_type="multipart/form-data")
    assert "Mã cán bộ” hoặc “Tên đăng nhập" in response.get_data(as_text=True)
    response = client.post(f"/exams/sessions/{sw['session_id']}/candidates/import",
                           data={"file": (io.BytesIO(b"not a workbook"), "ds.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 400 and "không đọc được" in response.get_data(as_text=True)


def test_remove_candidate_refused_once_started(client, db, sw):
    _login(client, "to-chuc-huyen")
    sid, cid = sw["session_id"], sw["candidate_id"]
    from exams.delivery.models import ExamAttempt
    db.session.add(ExamAttempt(exam_id=sw["exam"].id, part_id=sw["exam"].parts[0].id, user_id=sw["staff"][0].id,
                               session_id=sid, number=1, seed=1, started_at=T0, deadline_at=T0 + timedelta(minutes=30)))
    db.session.commit()
    response = client.post(f"/exams/sessions/{sid}/candidates/{cid}/remove", follow_redirects=True)
    assert "đã bắt đầu làm bài" in response.get_data(as_text=True) and _candidates(db, sid) == 4
    other = sw["staff"][1]
    from exams.delivery.models import ExamCandidate
    other_cid = db.session.scalar(select(ExamCandidate.id).where(ExamCandidate.user_id == other.id))
    client.post(f"/exams/sessions/{sid}/candidates/{other_cid}/remove")
    assert _candidates(db, sid) == 3


def test_a_room_is_deleted_its_candidates_unseated_and_refused_once_one_started(client, db, sw):
    from exams.delivery import sessions
    from exams.delivery.models import ExamAttempt, ExamRoom
    from tinhoc.audit import AuditEntry
    _login(client, "to-chuc-huyen")
    sid, room_a, room_b = sw["session_id"], sw["room_a"].id, sw["room_b"].id
    people = sessions.listed_candidates(sw["session"])
    in_a = [p for p in people if p.room_id == room_a]
    started = next(p for p in people if p.room_id == room_b)
    db.session.add(ExamAttempt(exam_id=sw["exam"].id, part_id=sw["exam"].parts[0].id, user_id=started.user_id,
                               session_id=sid, number=1, seed=1, started_at=T0, deadline_at=T0 + timedelta(minutes=30)))
    db.session.commit()
    refused = client.post(f"/exams/sessions/{sid}/rooms/{room_b}/delete", follow_redirects=True)
    assert "đã bắt đầu làm bài" in refused.get_data(as_text=True)
    assert db.session.get(ExamRoom, room_b) is not None
    done = client.post(f"/exams/sessions/{sid}/rooms/{room_a}/delete", follow_redirects=True)
    assert f"{len(in_a)} thí sinh cần được xếp phòng lại" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ExamRoom, room_a) is None
    after = {p.id: (p.room_id, p.seat) for p in sessions.listed_candidates(sw["session"])}
    assert all(after[p.id] == (None, None) for p in in_a) and len(after) == len(people)   # no one dropped
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exam_room.delete"))
    assert entry.before["unseated"] == len(in_a)


def test_attendance_pdf_and_xlsx(client, db, sw):
    _login(client, "proctor-a")   # a room's proctor prints their own room's list
    sid, room_a, room_b = sw["session_id"], sw["room_a"].id, sw["room_b"].id
    pdf = client.get(f"/exams/sessions/{sid}/rooms/{room_a}/attendance.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and b"DejaVuSans" in pdf.data
    from pypdf import PdfReader
    printed = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "DANH SÁCH THÍ SINH DỰ THI" in printed and "Chữ ký" in printed
    assert printed.index("Đặng Thị Hoa") < printed.index("Ngô Thị Bình") and "Vũ Văn Tám" not in printed
    xlsx = client.get(f"/exams/sessions/{sid}/rooms/{room_a}/attendance.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0]]
    assert rows[0][0].startswith("Kỳ thi: Kỳ thi tin học cơ bản 2026")
    assert "Giám thị: Proctor-A" in rows[2][0]
    assert rows[3][:6] == ("STT", "Số báo danh", "Mã cán bộ", "Họ và tên", "Đơn vị", "Chữ ký")
    assert [r[3] for r in rows[4:]] == ["Đặng Thị Hoa", "Ngô Thị Bình"]
    assert client.get(f"/exams/sessions/{sid}/rooms/{room_b}/attendance.pdf").status_code == 404
    assert client.get(f"/exams/sessions/{sid}/rooms/{room_a}/attendance.doc").status_code == 404
