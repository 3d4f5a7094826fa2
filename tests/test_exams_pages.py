"""Question bank pages: list and search, edit (versions), import upload → preview → apply, refused
files change nothing, export, images."""
from __future__ import annotations

import base64
import io
import re

from sqlalchemy import func, select

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def bank_question() -> tuple[int, int]:
    """One question with an image in the bank (for the role × route table): (question id, image id)."""
    from tinhoc.access import SYSTEM
    from tinhoc.extensions import db
    from exams import services
    image = services.store_image(PNG, "a.png")
    category = services.ensure_category_path("IU01")
    db.session.commit()
    question = services.save_question(
        SYSTEM, None, category_id=category.id, type_="single", name="Thiết bị nhập",
        body=f'<p>Thiết bị nào là thiết bị nhập? <img src="/exams/images/{image.id}"></p>', general_feedback="",
        params={"answers": [{"text": "Bàn phím", "fraction": 1}, {"text": "Màn hình", "fraction": 0}]}, difficulty=1)
    return question.id, image.id


def _count(db):
    from exams.models import Question
    return db.session.scalar(select(func.count()).select_from(Question))


def test_bank_lists_and_searches_without_accents(client, login, db):
    login("instructor")
    bank_question()
    page = client.get("/exams/bank?q=thiet bi nhap").get_data(as_text=True)
    assert "Thiết bị nhập" in page
    assert "Thiết bị nhập" not in client.get("/exams/bank?q=xyz").get_data(as_text=True)
    assert "Thiết bị nhập" not in client.get("/exams/bank?type=essay").get_data(as_text=True)


def test_learner_cannot_open_the_bank(client, login, db):
    login("learner")
    assert client.get("/exams/bank").status_code == 403


def test_create_category_and_question_then_edit_makes_a_version_once_used(client, login, db):
    from exams import services
    from exams.models import Question, QuestionCategory
    login("instructor")
    client.post("/exams/bank/categories", data={"name": "IU03", "parent_id": 0})
    category = db.session.scalar(select(QuestionCategory).where(QuestionCategory.name == "IU03"))
    response = client.post("/exams/bank/questions/new", data={
        "category_id": category.id, "name": "", "body": "<p>Phím tắt dán?</p><script>x()</script>",
        "answers": "=Ctrl+V ~Ctrl+C", "general_feedback": "", "difficulty": 2, "tags": "phím tắt, IU03",
        "image": (io.BytesIO(PNG), "hinh.png")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    question = db.session.scalar(select(Question))
    assert question.current.type == "single" and "<script>" not in question.current.text
    assert re.search(r'<img src="/exams/images/\d+"', question.current.text)
    assert sorted(t.name for t in question.tags) == ["IU03", "phím tắt"]
    services.mark_used(question.current)
    db.session.commit()
    form = {"category_id": category.id, "name": "Dán", "body": "<p>Phím tắt dán là?</p>", "answers": "T",
            "general_feedback": "", "difficulty": 3, "tags": ""}
    assert client.post(f"/exams/bank/questions/{question.id}", data=form).status_code == 302
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert [(v.number, v.type) for v in question.versions] == [(1, "single"), (2, "truefalse")]
    page = client.get(f"/exams/bank/questions/{question.id}").get_data(as_text=True)
    assert "TRUE" in page


def test_bad_answers_are_refused_with_a_message(client, login, db):
    login("instructor")
    question_id, _image = bank_question()
    response = client.post(f"/exams/bank/questions/{question_id}", data={
        "category_id": 1, "name": "x", "body": "<p>x</p>", "answers": "{1:MC:=a~b}", "difficulty": 2})
    assert response.status_code == 400


def test_upload_preview_apply(client, login, db):
    login("instructor")
    gift = "::A:: Câu một {=a ~b}\n\nCloze {1:MC:=a~b}\n\n::B:: Câu hai {T}\n".encode()
    response = client.post("/exams/bank/import", data={"format": "gift", "category": "IU02",
                                                       "file": (io.BytesIO(gift), "bank.gift")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Câu một" in page and "Câu hai" in page and "Cloze" in page and 'id="import-unsupported"' in page
    assert _count(db) == 0
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/exams/bank/import/apply", data={"token": token, "format": "gift", "category": "IU02"})
    assert response.status_code == 302 and _count(db) == 2
    again = client.post("/exams/bank/import/apply", data={"token": token, "format": "gift", "category": "IU02"})
    assert again.status_code == 302 and _count(db) == 2   # one preview is applied once


def test_a_refused_file_changes_nothing(client, login, db):
    login("instructor")
    bad = b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "x">]><quiz/>'
    response = client.post("/exams/bank/import", data={"format": "moodlexml", "file": (io.BytesIO(bad), "q.xml")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "DTD" in response.get_data(as_text=True)
    assert 'id="apply-import"' not in response.get_data(as_text=True)
    from tinhoc.orgs.models import PendingImport
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0 and _count(db) == 0


def test_another_users_token_is_not_found(client, login, db, make_user):
    from tinhoc.access import load_actor
    from exams import importing
    other = make_user("gv2", roles=["instructor"])
    token = importing.keep_upload(load_actor(other.id), b"Q {T}", "x.gift", "gift")
    login("instructor")
    response = client.post("/exams/bank/import/apply", data={"token": token, "format": "gift"})
    assert response.status_code == 404 and _count(db) == 0


def test_xlsx_template_import(client, login, db):
    from openpyxl import Workbook
    from exams.importers.xlsx import HEADERS
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Ngân hàng IU04"])
    sheet.append(HEADERS)
    sheet.append(["single", "", "Hàm tính tổng?", "SUM", "AVERAGE", "", "", "", "", "A", "", "IU04", 1, "hàm"])
    sheet.append(["nhiều đáp án", "", "Hàm số học?", "SUM", "LEFT", "MAX", "", "", "", "A, C"])
    sheet.append(["đúng sai", "", "Excel là bảng tính", "", "", "", "", "", "", "Đúng"])
    sheet.append(["numerical", "", "1+1?", "", "", "", "", "", "", "2"])
    sheet.append(["single", "", "Lỗi", "x", "y", "", "", "", "", "Z"])
    sheet.append(["cloze", "", "Không hỗ trợ"])
    data = io.BytesIO()
    workbook.save(data)
    login("instructor")
    response = client.post("/exams/bank/import", data={"format": "xlsx", "file": (io.BytesIO(data.getvalue()), "q.xlsx")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Hàm tính tổng?" in page
    from exams import importing
    plan = importing.plan(data.getvalue(), "xlsx")
    assert [i["type"] for i in plan.parsed.items] == ["single", "multiple", "truefalse", "numerical"]
    assert [e["line"] for e in plan.parsed.errors] == [7] and [u["line"] for u in plan.parsed.unsupported] == [8]
    assert plan.parsed.items[0]["category"] == "IU04" and plan.parsed.items[0]["tags"] == ["hàm"]


def test_export_and_images(client, login, db):
    login("instructor")
    _question, image_id = bank_question()
    gift = client.get("/exams/bank/export.gift")
    assert gift.status_code == 200 and "Thiết bị nhập" in gift.get_data(as_text=True)
    xml = client.get("/exams/bank/export.xml")
    assert xml.status_code == 200 and b"<quiz>" in xml.data and b'encoding="base64"' in xml.data
    image = client.get(f"/exams/images/{image_id}")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == PNG
    assert client.get("/exams/images/999999").status_code == 404


def test_the_excel_template_imports_as_it_is(client, login, db):
    login("instructor")
    response = client.get("/exams/bank/import/template.xlsx")
    assert response.status_code == 200
    from exams import importing
    plan = importing.plan(response.data, "xlsx")
    assert plan.ok and [i["type"] for i in plan.parsed.items] == [
        "single", "multiple", "truefalse", "shortanswer", "numerical", "essay"]


def test_question_page_shows_the_candidate_view_and_archive_hides_it(client, login, db):
    login("organiser")
    question_id, _image = bank_question()
    page = client.get(f"/exams/bank/questions/{question_id}").get_data(as_text=True)
    assert 'type="radio" name="q"' in page and "Bàn phím" in page
    assert client.post(f"/exams/bank/questions/{question_id}/archive").status_code == 302
    assert "Thiết bị nhập" not in client.get("/exams/bank").get_data(as_text=True)
    assert client.get("/exams/bank/questions/999999").status_code == 404


def test_short_answer_options_survive_an_edit(client, login, db):
    from exams.models import Question
    from exams import services
    login("instructor")
    category = services.ensure_category_path("IU06")
    db.session.commit()
    form = {"category_id": category.id, "name": "Tên miền", "body": "<p>Tên miền Việt Nam?</p>",
            "answers": "=.vn", "difficulty": 1, "case_sensitive": "y", "accent_insensitive": "y"}
    assert client.post("/exams/bank/questions/new", data=form).status_code == 302
    question = db.session.scalar(select(Question))
    assert question.current.params["case_sensitive"] is True and question.current.params["accent_sensitive"] is False
    page = client.get(f"/exams/bank/questions/{question.id}").get_data(as_text=True)
    assert re.search(r'id="case_sensitive"[^>]*checked|checked[^>]*id="case_sensitive"', page)
