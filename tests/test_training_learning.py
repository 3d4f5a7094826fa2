"""The learner's pages: the home panel with assigned tracks and progress, course and lesson pages,
completion by viewing, downloading and watching 90 %; what a learner may not see is a 404."""
from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from tests.training_helpers import catalogue  # noqa: F401

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _learner(db, catalogue, staff_setup, make_person, make_user, code="HV1", username="hoc-vien", due=date(2026, 12, 31)):
    from tinhoc.access import SYSTEM
    from training.assignment import assign_track
    person = make_person(code, staff_setup["commune"])
    make_user(username, roles=["learner"], person_id=person.id)
    assign_track(SYSTEM, person_id=person.id, track_id=catalogue["tracks"]["BASIC"].id, due_date=due)
    return person


def test_home_shows_assigned_track_and_iu01_then_100_percent(client, login, db, catalogue, staff_setup, make_person,
                                                             make_user):
    _learner(db, catalogue, staff_setup, make_person, make_user)
    login("hoc-vien")
    home = client.get("/").get_data(as_text=True)
    assert 'id="my-training"' in home and "IU01. Hiểu biết về CNTT cơ bản" in home
    iu01 = catalogue["courses"]["IU01"]
    page = client.get(f"/training/courses/{iu01.id}").get_data(as_text=True)
    assert "IU01.1 Kiến thức cơ bản về máy vi tính và mạng máy tính" in page
    for lesson in iu01.lessons:
        assert client.get(f"/training/lessons/{lesson.id}").status_code == 200
    page = client.get(f"/training/courses/{iu01.id}").get_data(as_text=True)
    assert 'id="course-complete"' in page and 'value="100"' in page
    home = client.get("/").get_data(as_text=True)
    assert 'data-course="IU01"' in home and "100%" in home and 'id="resume"' not in home


def test_overdue_and_resume_on_home(client, login, db, catalogue, staff_setup, make_person, make_user, frozen_clock):
    _learner(db, catalogue, staff_setup, make_person, make_user, due=date(2026, 2, 1))
    login("hoc-vien")
    first, second = catalogue["courses"]["IU02"].lessons[:2]
    client.get(f"/training/lessons/{first.id}")
    home = client.get("/").get_data(as_text=True)
    assert 'id="overdue-note"' in home and "Quá hạn" in home
    assert f'id="resume" href="/training/lessons/{second.id}"' in home  # continue with the next lesson


def test_courses_not_assigned_nor_open_are_404(client, login, db, catalogue, staff_setup, make_person, make_user):
    _learner(db, catalogue, staff_setup, make_person, make_user)
    login("hoc-vien")
    cio = catalogue["courses"]["CIO01"]
    assert client.get(f"/training/courses/{cio.id}").status_code == 404
    assert client.get(f"/training/lessons/{cio.lessons[0].id}").status_code == 404
    assert client.get("/training/courses/999999").status_code == 404


def test_learner_cannot_open_anothers_progress(client, login, db, catalogue, staff_setup, make_person, make_user):
    _learner(db, catalogue, staff_setup, make_person, make_user)
    _learner(db, catalogue, staff_setup, make_person, make_user, code="HV2", username="hoc-vien-2")
    login("hoc-vien")
    client.get(f"/training/lessons/{catalogue['courses']['IU01'].lessons[0].id}")
    client.post("/logout")
    login("hoc-vien-2")
    page = client.get(f"/training/courses/{catalogue['courses']['IU01'].id}").get_data(as_text=True)
    assert "lesson-done" not in page   # the other learner's progress is not shown as theirs
    assert client.get("/training/report").status_code == 403  # nor anyone's report


def test_self_enrolment_in_open_course(client, login, db, catalogue):
    login("learner")
    oss = catalogue["courses"]["OSS04"]
    page = client.get(f"/training/courses/{oss.id}").get_data(as_text=True)
    assert 'id="enrol"' in page
    assert client.post(f"/training/courses/{oss.id}/enrol").status_code == 302
    for lesson in oss.lessons:
        client.get(f"/training/lessons/{lesson.id}")
    assert 'id="course-complete"' in client.get(f"/training/courses/{oss.id}").get_data(as_text=True)
    assert client.post(f"/training/courses/{catalogue['courses']['IU10'].id}/enrol").status_code == 404


def _add_lesson(db, course, type_, params):
    from training.models import Lesson
    lesson = Lesson(course_id=course.id, type=type_, title=f"Bài {type_}", params=params, position=99)
    db.session.add(lesson)
    db.session.commit()
    return lesson


def test_file_completes_on_download_and_video_at_90(client, login, app, db, catalogue, staff_setup, make_person,
                                                    make_user):
    from training import files
    from training.lessons import Upload
    from training.models import LessonProgress
    _learner(db, catalogue, staff_setup, make_person, make_user)
    course = catalogue["courses"]["IU01"]
    with app.test_request_context():
        params = files.store(Upload("tai-lieu.pdf", PDF), {".pdf": (b"%PDF-",)})
    pdf = _add_lesson(db, course, "file", params)
    video = _add_lesson(db, course, "video", {"url": "https://video.example.vn/iu01.mp4"})
    login("hoc-vien")
    assert client.get(f"/training/lessons/{pdf.id}").status_code == 200

    def done(lesson):
        db.session.expire_all()
        row = db.session.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson.id))
        return row is not None and row.completed_at is not None
    assert not done(pdf)
    response = client.get(f"/training/lessons/{pdf.id}/file")
    assert response.status_code == 200 and response.data == PDF
    assert done(pdf)
    client.get(f"/training/lessons/{video.id}")
    assert client.post(f"/training/lessons/{video.id}/progress", data={"percent": 89}).get_json() == \
        {"percent": 89, "complete": False}
    assert not done(video)
    assert client.post(f"/training/lessons/{video.id}/progress", data={"percent": 90}).get_json()["complete"] is True
    assert done(video)
    assert client.post(f"/training/lessons/{video.id}/progress", data={"percent": 150}).status_code == 400
    assert client.post(f"/training/lessons/{pdf.id}/progress", data={"percent": 95}).status_code == 400


def test_file_store_checks_type_and_size(app):
    import pytest
    from training import files
    from training.lessons import LessonError, Upload
    from training.lessons.basic import DOCUMENTS, VIDEOS
    with app.test_request_context():
        with pytest.raises(LessonError):
            files.store(Upload("virus.exe", b"MZ..."), DOCUMENTS)
        with pytest.raises(LessonError):   # named .pdf, is not a PDF
            files.store(Upload("gia.pdf", b"<html>"), DOCUMENTS)
        with pytest.raises(LessonError):
            files.store(Upload("rong.pdf", b""), DOCUMENTS)
        app.config["TRAINING_MAX_FILE_BYTES"] = 10
        try:
            with pytest.raises(LessonError):
                files.store(Upload("lon.pdf", PDF), DOCUMENTS)
        finally:
            app.config.pop("TRAINING_MAX_FILE_BYTES")
        stored = files.store(Upload("../../bai.mp4", b"\x00\x00\x00\x18ftypmp42"), VIDEOS)
        assert stored["filename"] == "bai.mp4" and files.path_of(stored["stored"]).is_file()


def test_progress_page_own_or_in_scope_else_404(client, login, db, catalogue, staff_setup, make_person, make_user,
                                                grant):
    from training.models import TrackAssignment
    mine = _learner(db, catalogue, staff_setup, make_person, make_user)
    theirs = _learner(db, catalogue, staff_setup, make_person, make_user, code="HV2", username="hoc-vien-2")
    ids = {a.person_id: a.id for a in db.session.scalars(select(TrackAssignment))}
    login("hoc-vien")
    client.get(f"/training/lessons/{catalogue['courses']['IU01'].lessons[0].id}")
    page = client.get(f"/training/progress/{ids[mine.id]}").get_data(as_text=True)
    assert "HV1" in page and 'data-course="IU06"' in page
    assert client.get(f"/training/progress/{ids[theirs.id]}").status_code == 404
    assert client.get("/training/progress/999999").status_code == 404
    client.post("/logout")
    grant(make_user("district", roles=[]), "organiser", "H-AB")
    login("district")  # the commune lies in the district
    assert client.get(f"/training/progress/{ids[theirs.id]}").status_code == 200
    client.post("/logout")
    grant(make_user("so-tt", roles=[]), "organiser", "SO-TT")
    login("so-tt")
    assert client.get(f"/training/progress/{ids[theirs.id]}").status_code == 404


def test_home_panel_queries_do_not_grow_with_tracks(client, login, db, catalogue, staff_setup, make_person,
                                                    make_user):
    from sqlalchemy import event

    from tinhoc.access import SYSTEM
    from training.assignment import assign_track
    person = _learner(db, catalogue, staff_setup, make_person, make_user)
    login("hoc-vien")
    client.get(f"/training/lessons/{catalogue['courses']['IU01'].lessons[0].id}")

    def queries():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)
    one_track = queries()
    for code in ("CIO", "IT-STAFF", "ADVANCED"):
        assign_track(SYSTEM, person_id=person.id, track_id=catalogue["tracks"][code].id, due_date=None)
    assert queries() == one_track
