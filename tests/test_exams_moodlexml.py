"""Moodle XML importer: every supported type, CDATA, embedded images, entities and DTDs refused."""
from __future__ import annotations

import base64

from exams.importers import parse

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

QUIZ = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/IU02/Hệ điều hành</text></category></question>
  <question type="multichoice">
    <name><text>Một đáp án</text></name>
    <questiontext format="html"><text><![CDATA[<p>Hình <img src="@@PLUGINFILE@@/a.png"> là gì?</p>]]></text>
      <file name="a.png" path="/" encoding="base64">{base64.b64encode(PNG).decode()}</file></questiontext>
    <generalfeedback format="html"><text>Chung</text></generalfeedback>
    <single>true</single>
    <answer fraction="100" format="html"><text>Chuột</text><feedback><text>Đúng</text></feedback></answer>
    <answer fraction="0" format="html"><text>Bàn phím</text></answer>
  </question>
  <question type="multichoice">
    <name><text>Nhiều đáp án</text></name>
    <questiontext format="html"><text>Chọn</text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>a</text></answer>
    <answer fraction="50"><text>b</text></answer>
    <answer fraction="-100"><text>c</text></answer>
  </question>
  <question type="truefalse">
    <name><text>Đúng sai</text></name><questiontext format="html"><text>Linux là phần mềm nguồn mở.</text></questiontext>
    <answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>
  </question>
  <question type="shortanswer">
    <name><text>Ngắn</text></name><questiontext format="html"><text>Thủ đô?</text></questiontext>
    <usecase>0</usecase><answer fraction="100"><text>Hà Nội</text></answer>
  </question>
  <question type="numerical">
    <name><text>Số</text></name><questiontext format="plain_text"><text>2 &lt; 3? Pi</text></questiontext>
    <answer fraction="100"><text>3.14</text><tolerance>0.01</tolerance></answer>
  </question>
  <question type="matching">
    <name><text>Ghép</text></name><questiontext format="html"><text>Ghép</text></questiontext>
    <subquestion format="html"><text>Ctrl+C</text><answer><text>Sao chép</text></answer></subquestion>
    <subquestion format="html"><text>Ctrl+V</text><answer><text>Dán</text></answer></subquestion>
  </question>
  <question type="essay"><name><text>Luận</text></name><questiontext format="html"><text>Viết</text></questiontext></question>
  <question type="description"><name><text>Mô tả</text></name><questiontext format="html"><text>Đọc kỹ</text></questiontext></question>
  <question type="multianswer"><name><text>Cloze</text></name><questiontext><text>{{1:MC:=a~b}}</text></questiontext></question>
  <question type="calculated"><name><text>Tính</text></name><questiontext><text>x</text></questiontext></question>
</quiz>
"""


def test_every_supported_type_is_read(app):
    report = parse(QUIZ.encode(), "moodlexml")
    assert report.errors == []
    assert [i["type"] for i in report.items] == ["single", "multiple", "truefalse", "shortanswer", "numerical",
                                                "matching", "essay", "description"]
    first = report.items[0]
    assert first["category"] == "IU02/Hệ điều hành" and first["general_feedback"] == "Chung"
    assert first["images"][0]["data"] == PNG and first["images"][0]["content_type"] == "image/png"
    assert report.items[2]["correct"] is True
    assert report.items[4]["answers"][0]["value"] == 3.14 and report.items[4]["text"] == "2 &lt; 3? Pi"
    assert [u["reason"] for u in report.unsupported] and [u["text"] for u in report.unsupported] == ["Cloze", "Tính"]
    assert report.unsupported[0]["line"] == QUIZ.split("\n").index(
        next(l for l in QUIZ.split("\n") if "multianswer" in l)) + 1


def test_entity_expansion_is_refused(app):
    bomb = b"""<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>
<quiz><question type="essay"><name><text>&b;</text></name></question></quiz>"""
    report = parse(bomb, "moodlexml")
    assert report.refused and report.items == [] and "DTD" in report.errors[0]["reason"]


def test_external_entity_is_refused(app):
    xxe = b"""<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<quiz><question type="essay"><name><text>&x;</text></name><questiontext><text>&x;</text></questiontext></question></quiz>"""
    report = parse(xxe, "moodlexml")
    assert report.refused and report.items == []


def test_broken_xml_and_wrong_root_are_refused(app):
    assert parse(b"<quiz><question>", "moodlexml").refused
    assert parse(b"<html></html>", "moodlexml").refused


def test_bad_embedded_file_and_bad_number_have_their_line(app):
    xml = b"""<quiz>
<question type="essay"><name><text>A</text></name><questiontext><text>x</text>
<file name="x.png" encoding="base64">bm90IGFuIGltYWdl</file></questiontext></question>
<question type="numerical"><name><text>B</text></name><questiontext><text>y</text></questiontext>
<answer fraction="100"><text>abc</text></answer></question>
</quiz>"""
    report = parse(xml, "moodlexml")
    assert [e["line"] for e in report.errors] == [3, 4]
