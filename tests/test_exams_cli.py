"""`flask tinhoc import-questions`: the JSON shape, dry run, exit codes, all or nothing."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

GIFT = ("$CATEGORY: IU03\n\n::Một:: Phím tắt sao chép? {=Ctrl+C ~Ctrl+V}\n\nĐúng không? {T}\n\n"
        "Cloze {1:MC:=a~b}\n\nPi {#3.14:0.01}\n\nViết {}\n")


def _run(app, tmp_path, source, *args, name="bank.gift"):
    path = tmp_path / name
    path.write_bytes(source if isinstance(source, bytes) else source.encode())
    return app.test_cli_runner().invoke(args=["tinhoc", "import-questions", str(path), *args])


def _count(db):
    from exams.models import Question
    return db.session.scalar(select(func.count()).select_from(Question))


def test_json_shape_and_dry_run(app, db, tmp_path):
    result = _run(app, tmp_path, GIFT, "--format", "gift", "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"items", "errors", "unsupported"}
    assert [i["type"] for i in out["items"]] == ["single", "truefalse", "numerical", "essay"]
    first = out["items"][0]
    assert first["name"] == "Một" and first["text"] == "Phím tắt sao chép?" and first["line"] == 3
    assert [(a["text"], a["fraction"]) for a in first["answers"]] == [("Ctrl+C", 1.0), ("Ctrl+V", 0.0)]
    assert out["errors"] == [] and [u["line"] for u in out["unsupported"]] == [7]
    assert set(out["unsupported"][0]) >= {"line", "reason"}
    assert _count(db) == 0


def test_import_writes_everything_under_the_category(app, db, tmp_path):
    from exams.models import QuestionCategory
    result = _run(app, tmp_path, GIFT, "--format", "gift", "--category", "Ngân hàng 2026")
    assert result.exit_code == 0, result.stderr
    assert _count(db) == 4
    names = sorted(db.session.scalars(select(QuestionCategory.name)))
    assert names == ["IU03", "Ngân hàng 2026"]


def test_an_error_imports_nothing_and_exits_1(app, db, tmp_path):
    result = _run(app, tmp_path, GIFT + "\n\nHỏng {=a ~b\n", "--format", "gift", "--json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["errors"] == [{"line": 14, "reason": out["errors"][0]["reason"]}]
    assert _count(db) == 0


@pytest.mark.parametrize("data,fmt", [
    (b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "x">]><quiz/>', "moodlexml"),
    ("Câu\nA. x\nB. y\nANSWER: A\n".encode("utf-16-le"), "aiken"),
    (b"not a workbook", "xlsx"),
])
def test_a_refused_file_exits_1_with_line_0(app, db, tmp_path, data, fmt):
    result = _run(app, tmp_path, data, "--format", fmt, "--json", name=f"f.{fmt}")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["items"] == [] and out["errors"][0]["line"] == 0 and out["errors"][0]["reason"]
    assert _count(db) == 0


def test_images_are_stored_and_linked(app, db, tmp_path):
    from tests.test_exams_moodlexml import QUIZ
    from exams.models import QuestionImage, QuestionVersion
    result = _run(app, tmp_path, QUIZ, "--format", "moodlexml", name="q.xml")
    assert result.exit_code == 0, result.stderr
    image = db.session.scalar(select(QuestionImage))
    text = db.session.scalar(select(QuestionVersion.text).where(QuestionVersion.name == "Một đáp án"))
    assert f'src="/exams/images/{image.id}"' in text


def test_demo_bank_loads_through_the_importer_once(app, db):
    from exams.demo import seed_bank
    from exams.models import QuestionCategory
    assert seed_bank() == 60 and seed_bank() == 0
    assert _count(db) == 60
    roots = sorted(db.session.scalars(select(QuestionCategory.name).where(QuestionCategory.parent_key == 0)))
    assert [r[:4] for r in roots] == ["IU01", "IU02", "IU03", "IU04", "IU05", "IU06"]
