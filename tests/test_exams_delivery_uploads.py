"""The practical part's file: checked by content, replaced on re-upload, refused after the deadline."""
from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.exams_delivery_helpers import make_bank, make_exam
from tests.helpers import stable_zip


def office_file(main: str = "word/document.xml") -> bytes:
    return stable_zip((("[Content_Types].xml", "<Types/>"), (main, "<document/>")))


@pytest.fixture
def practical(db, staff_setup, make_person, make_user, frozen_clock, client, login):
    person = make_person("CB-U1", staff_setup["commune"])
    make_user("thisinh", roles=["learner"], person_id=person.id)
    exam, _theory, part = make_exam(staff_setup["district"].id, make_bank())
    login("thisinh")
    response = client.post(f"/exams/parts/{part.id}/start")
    attempt_id = int(response.headers["Location"].split("/")[-1])
    from exams.delivery.models import ExamAttempt
    attempt = db.session.get(ExamAttempt, attempt_id)
    return {"attempt": attempt, "item": attempt.items[0], "url": f"/exams/attempts/{attempt_id}/items/{attempt.items[0].id}/file"}


def _send(client, url, data: bytes, name: str):
    return client.post(url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_a_docx_is_kept_and_replaced_on_re_upload(client, db, practical):
    from exams.delivery.models import AttemptFile
    first = _send(client, practical["url"], office_file(), "Bài làm của tôi.docx")
    assert first.status_code == 200 and first.json["filename"] == "Bài làm của tôi.docx"
    second = _send(client, practical["url"], office_file("xl/workbook.xml"), "bang-tinh.docx")
    assert second.status_code == 200 and second.json["filename"] == "bang-tinh.xlsx"   # named by its content
    assert db.session.scalar(select(func.count(AttemptFile.id))) == 1
    download = client.get(practical["url"])
    assert download.status_code == 200 and download.data == office_file("xl/workbook.xml")
    page = client.get(f"/exams/attempts/{practical['attempt'].id}").get_data(as_text=True)
    assert "bang-tinh.xlsx" in page and 'type="file"' in page


@pytest.mark.parametrize("data,name", [(b"MZ\x90\x00 not a document", "virus.docx"), (b"", "empty.docx"),
                                       (b"PK\x03\x04broken zip", "broken.docx"), (b"%PDF-1.7 ...", "baithi.pdf")])
def test_content_that_is_not_an_accepted_document_is_refused(client, db, practical, data, name):
    from exams.delivery.models import AttemptFile
    response = _send(client, practical["url"], data, name)
    assert response.status_code == 400 and response.json["error"]
    assert db.session.scalar(select(func.count(AttemptFile.id))) == 0


def test_too_big_is_refused(client, db, practical, monkeypatch):
    from exams.delivery import uploads
    monkeypatch.setattr(uploads, "MAX_BYTES", 100)
    response = _send(client, practical["url"], office_file() + b"\x00" * 200, "big.docx")
    assert response.status_code == 400 and "MB" in response.json["error"]


def test_upload_after_the_deadline_is_refused_and_the_kept_file_stays(client, db, practical, frozen_clock):
    from exams.delivery.models import AttemptFile, ExamAttempt
    assert _send(client, practical["url"], office_file(), "a.docx").status_code == 200
    frozen_clock.advance(timedelta(minutes=31))
    late = _send(client, practical["url"], office_file("ppt/presentation.xml"), "b.pptx")
    assert late.status_code == 409 and "hết giờ" in late.json["error"]
    kept = db.session.scalar(select(AttemptFile))
    assert kept.filename == "a.docx"
    attempt = db.session.get(ExamAttempt, practical["attempt"].id)
    db.session.refresh(attempt)
    assert attempt.state == "closed" and attempt.items[0].needs_manual and attempt.points is None


def test_a_theory_item_takes_no_file(client, db, practical, login):
    from exams.delivery import services
    from tinhoc.accounts.services import find_by_username
    theory = services.start_attempt(find_by_username("thisinh").id, practical["attempt"].part_id - 1)
    url = f"/exams/attempts/{theory.id}/items/{theory.items[0].id}/file"
    assert _send(client, url, office_file(), "a.docx").status_code == 404
