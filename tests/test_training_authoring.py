"""Course editing: an instructor creates and edits their own courses only, organisers any course in
their scope; rich text is sanitised on save; files are checked; lessons are reordered."""
from __future__ import annotations

import io

from sqlalchemy import select

from tests.training_helpers import catalogue  # noqa: F401

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _course(db, code):
    from training.models import Course
    db.session.expire_all()
    return db.session.scalar(select(Course).where(Course.code == code))


def _new_course(client, code="TIN-1"):
    return client.post("/training/manage/new", data={"code": code, "title": "Tin học văn phòng thực hành",
                                                     "hours": 6, "description": "", "open_enrolment": "y"})


def test_instructor_creates_course_with_rich_text_and_pdf_and_reorders(client, login, db):
    login("instructor")
    assert _new_course(client).status_code == 302
    course = _course(db, "TIN-1")
    assert course.owner_id is not None and course.open_enrolment
    response = client.post(f"/training/manage/{course.id}/lessons/new", data={
        "type": "text", "title": "Bài mở đầu",
        "body": '<p>Xin chào <strong>học viên</strong><script>alert(1)</script><img src=x onerror=alert(2)></p>'})
    assert response.status_code == 302
    response = client.post(f"/training/manage/{course.id}/lessons/new", data={
        "type": "file", "title": "Giáo trình", "file": (io.BytesIO(PDF), "giao-trinh.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    course = _course(db, "TIN-1")
    text, pdf = course.lessons
    assert text.params["html"] == "<p>Xin chào <strong>học viên</strong>alert(1)</p>"
    assert pdf.params["filename"] == "giao-trinh.pdf"
    assert client.post(f"/training/manage/lessons/{pdf.id}/move", data={"direction": "up"}).status_code == 302
    assert [lesson.title for lesson in _course(db, "TIN-1").lessons] == ["Giáo trình", "Bài mở đầu"]
    page = client.get(f"/training/manage/{course.id}").get_data(as_text=True)
    assert page.index("Giáo trình") < page.index("Bài mở đầu")
    assert "<script>alert" not in client.get(f"/training/lessons/{text.id}").get_data(as_text=True)


def test_refused_files_and_empty_text(client, login, db):
    login("instructor")
    _new_course(client)
    course = _course(db, "TIN-1")
    page = client.post(f"/training/manage/{course.id}/lessons/new", data={
        "type": "file", "title": "Giả", "file": (io.BytesIO(b"MZ\x90\x00"), "giao-trinh.pdf")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "Nội dung tệp không đúng với loại .pdf" in page
    page = client.post(f"/training/manage/{course.id}/lessons/new", data={"type": "text", "title": "Rỗng",
                                                                         "body": "<p> <br></p>"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Bài học chưa có nội dung." in page
    page = client.post(f"/training/manage/{course.id}/lessons/new", data={"type": "link", "title": "Liên kết",
                                                                         "url": "javascript:alert(1)"},
                       follow_redirects=True).get_data(as_text=True)
    assert _course(db, "TIN-1").lessons == []


def test_instructor_edits_only_own_courses(client, login, db, make_user, catalogue):
    make_user("gv-khac", roles=["instructor"])
    login("gv-khac")
    _new_course(client, "KHAC-1")
    client.post("/logout")
    login("instructor")
    other = _course(db, "KHAC-1")
    assert client.get(f"/training/manage/{other.id}").status_code == 404
    assert client.post(f"/training/manage/{other.id}", data={"code": "KHAC-1", "title": "Đổi"}).status_code == 404
    assert client.get(f"/training/manage/{catalogue['courses']['IU01'].id}").status_code == 404
    lesson = catalogue["courses"]["IU01"].lessons[0]
    assert client.post(f"/training/manage/lessons/{lesson.id}/move", data={"direction": "down"}).status_code == 404
    page = client.get("/training/manage").get_data(as_text=True)
    assert "KHAC-1" not in page and "IU01" not in page


def test_organisers_edit_in_scope(client, login, db, make_user, grant, staff_setup, catalogue):
    login("organiser")  # province-wide: any course, the catalogue included
    iu01 = catalogue["courses"]["IU01"]
    assert client.get(f"/training/manage/{iu01.id}").status_code == 200
    assert "IU01" in client.get("/training/manage").get_data(as_text=True)
    client.post("/logout")
    grant(make_user("district", roles=[]), "organiser", "H-AB")
    login("district")
    assert client.get(f"/training/manage/{iu01.id}").status_code == 404  # a province course
    assert _new_course(client, "HUYEN-1").status_code == 302
    course = _course(db, "HUYEN-1")
    assert course.organisation_id == staff_setup["district"].id
    assert client.get(f"/training/manage/{course.id}").status_code == 200
    client.post("/logout")
    grant(make_user("other-district", roles=[]), "organiser", "SO-TT")
    login("other-district")
    assert client.get(f"/training/manage/{course.id}").status_code == 404


def test_learner_cannot_edit(client, login, catalogue):
    login("learner")
    assert client.get("/training/manage").status_code == 403
    assert client.get(f"/training/manage/{catalogue['courses']['IU01'].id}").status_code == 403
