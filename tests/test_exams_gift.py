"""GIFT importer: every feature Moodle documents, Cloze listed as unsupported, errors by line."""
from __future__ import annotations

import pytest

from exams.importers import parse


def _parse(app, source: str):
    return parse(source.encode("utf-8"), "gift")


def _one(app, source: str) -> dict:
    report = _parse(app, source)
    assert report.errors == [] and report.unsupported == [], (report.errors, report.unsupported)
    assert len(report.items) == 1, report.items
    return report.items[0]


def test_single_choice_with_title_feedback_weights_and_general_feedback(app):
    item = _one(app, "::Q1:: Thủ đô? {=Hà Nội#Đúng ~%-50%Huế#Sai ~Đà Nẵng ####Hà Nội là thủ đô.}")
    assert item["type"] == "single" and item["name"] == "Q1" and item["text"] == "Thủ đô?"
    assert [(a["text"], a["fraction"], a["feedback"]) for a in item["answers"]] == [
        ("Hà Nội", 1.0, "Đúng"), ("Huế", -0.5, "Sai"), ("Đà Nẵng", 0.0, "")]
    assert item["general_feedback"] == "Hà Nội là thủ đô."


def test_multiple_choice_by_partial_weights(app):
    item = _one(app, "Chọn các số chẵn {~%50%2 ~%50%4 ~%-100%3}")
    assert item["type"] == "multiple"
    assert [a["fraction"] for a in item["answers"]] == [0.5, 0.5, -1.0]


@pytest.mark.parametrize("key,value", [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)])
def test_true_false_forms(app, key, value):
    item = _one(app, f"Mặt trời mọc ở hướng đông. {{{key}}}")
    assert item["type"] == "truefalse" and item["correct"] is value


def test_true_false_feedback_wrong_then_right(app):
    item = _one(app, "Câu đúng {TRUE#Sai rồi#Chính xác}")
    by_value = {a["value"]: a["feedback"] for a in item["answers"]}
    assert by_value == {True: "Chính xác", False: "Sai rồi"}


def test_short_answer_and_missing_word(app):
    item = _one(app, "Thủ đô {=Hà Nội =Ha Noi} của Việt Nam.")
    assert item["type"] == "shortanswer" and item["text"] == "Thủ đô _____ của Việt Nam."
    assert [a["text"] for a in item["answers"]] == ["Hà Nội", "Ha Noi"]


def test_missing_word_multiple_choice(app):
    item = _one(app, "Phím {~Ctrl+C =Ctrl+V ~Ctrl+X} dán văn bản.")
    assert item["type"] == "single" and "_____" in item["text"]


def test_numerical_tolerance_range_and_multiple_answers(app):
    assert _one(app, "Pi? {#3.14:0.01}")["answers"] == [
        {"value": 3.14, "tolerance": 0.01, "fraction": 1.0, "feedback": ""}]
    ranged = _one(app, "Từ 1 đến 5 {#1..5}")["answers"][0]
    assert (ranged["value"], ranged["tolerance"]) == (3.0, 2.0)
    several = _one(app, "Pi {#=3.1416:0.0001#Tốt =%50%3.14:0.01}")["answers"]
    assert [(a["value"], a["fraction"], a["feedback"]) for a in several] == [(3.1416, 1.0, "Tốt"), (3.14, 0.5, "")]


def test_matching(app):
    item = _one(app, "Ghép {=Ctrl+C -> Sao chép =Ctrl+V -> Dán =Ctrl+X -> Cắt}")
    assert item["type"] == "matching"
    assert [(p["question"], p["answer"]) for p in item["pairs"]] == [
        ("Ctrl+C", "Sao chép"), ("Ctrl+V", "Dán"), ("Ctrl+X", "Cắt")]


def test_essay_and_description(app):
    report = _parse(app, "Viết đoạn văn {}\n\nĐây chỉ là\nphần mô tả nhiều dòng")
    assert [i["type"] for i in report.items] == ["essay", "description"]
    assert report.items[1]["text"] == "Đây chỉ là<br>phần mô tả nhiều dòng"


def test_escapes_comments_categories_and_multiline(app):
    source = ("// chú thích\n$CATEGORY: $course$/top/IU01/Phần cứng\n\n"
              "// lại chú thích\n::a\\:b:: Dòng một\ndòng hai \\{x\\} 50\\% \\~ \\= \\# {\n"
              "=đáp \\= án\n~sai\\#1\n}\n")
    item = _one(app, source)
    assert item["category"] == "IU01/Phần cứng" and item["name"] == "a:b"
    assert item["text"] == "Dòng một<br>dòng hai {x} 50\\% ~ = #"
    assert [a["text"] for a in item["answers"]] == ["đáp = án", "sai#1"]
    assert item["line"] == 5


def test_formats_html_plain_markdown(app):
    report = _parse(app, "[html]<p>Chữ <b>đậm</b></p>{T}\n\n[plain]<b>không</b> là thẻ {T}\n\n"
                         "[markdown]Chữ **đậm** {T}")
    texts = [i["text"] for i in report.items]
    assert texts == ["<p>Chữ <b>đậm</b></p>", "&lt;b&gt;không&lt;/b&gt; là thẻ", "Chữ <strong>đậm</strong>"]


def test_cloze_is_unsupported_never_misread(app):
    report = _parse(app, "Ok {T}\n\nĐiền {1:MC:=a~b} và {1:SA:=c}\n\nMột ô {1:NUMERICAL:=3}")
    assert [i["type"] for i in report.items] == ["truefalse"]
    assert [u["line"] for u in report.unsupported] == [3, 5]
    assert report.errors == []


def test_malformed_blocks_have_their_line(app):
    report = _parse(app, "Tốt {T}\n\n\nThiếu ngoặc {=a ~b\n\nRác {xyz}\n\nSố {#abc}\n\nTrọng số {~%500%a =b}")
    assert [e["line"] for e in report.errors] == [4, 6, 8, 10]
    assert len(report.items) == 1


def test_script_in_question_is_removed_on_check(app):
    from exams import importing
    plan = importing.plan("[html]<p>Hi<script>alert(1)</script></p>{T}".encode(), "gift")
    assert plan.ok and "<script>" not in plan.parsed.items[0]["text"]


def test_a_block_of_many_braces_is_refused_quickly(app):
    import time
    started = time.perf_counter()
    report = _parse(app, "Câu " + "{" * 200_000 + "}" * 10)
    assert report.errors and time.perf_counter() - started < 2


def test_an_item_its_type_refuses_is_an_error_in_vietnamese(app):
    from exams import importing
    plan = importing.plan("Tốt {T}\n\nKhông có đáp án đúng {~a ~b}\n".encode(), "gift")
    assert not plan.ok and [e["line"] for e in plan.parsed.errors] == [3]
    assert "100%" in plan.parsed.errors[0]["reason"] and "phương án" in plan.parsed.errors[0]["reason"]
