"""Exports read back item for item: GIFT → bank → GIFT and Moodle XML → bank → Moodle XML."""
from __future__ import annotations

import re

import pytest

from tinhoc.access import SYSTEM

from exams import exporting, importing

GIFT = """$CATEGORY: IU01/Phần cứng

::Một:: Thủ đô {=Hà Nội#Đúng ~%-50%Huế ~Đà Nẵng: miền \\{Trung\\} ####Chung}

::Nhiều:: Chọn số chẵn {~%50%2 ~%50%4 ~%-100%3}

::ĐS:: Linux là nguồn mở {TRUE#Sai#Đúng}

::Ngắn:: Thủ đô {=Hà Nội =%50%Hanoi}

::Số:: Pi {#=3.1416:0.0001 =%50%3.14:0.01}

::Ghép:: Ghép {=Ctrl+C -> Sao chép =Ctrl+V -> Dán}

::Luận:: Viết\\nhai dòng {}

::Mô tả:: [html]<p>Đọc <b>kỹ</b></p>
"""


def _keys(items):
    keep = ("type", "name", "text", "general_feedback", "answers", "pairs", "category")
    out = [{k: i.get(k) for k in keep} for i in items]
    for item in out:  # an embedded image keeps its bytes, not necessarily its file name
        item["text"] = re.sub(r'\?f=[^"]+', "?f=", item["text"])
    return out


def _import(data: bytes, fmt: str):
    plan = importing.plan(data, fmt)
    assert plan.ok, plan.parsed.errors
    importing.apply(SYSTEM, plan)
    return plan


def test_gift_round_trip_keeps_every_item(app, db):
    first = _import(GIFT.encode(), "gift")
    assert len(first.parsed.items) == 8
    exported = exporting.export_gift(SYSTEM)
    again = importing.plan(exported, "gift")
    assert again.ok and again.parsed.unsupported == []
    assert _keys(again.parsed.items) == _keys(first.parsed.items)


def test_moodle_xml_round_trip_keeps_every_item_and_images(app, db):
    from tests.test_exams_moodlexml import QUIZ
    first = _import(QUIZ.encode(), "moodlexml")
    exported = exporting.export_moodle_xml(SYSTEM)
    again = importing.plan(exported, "moodlexml")
    assert again.ok and again.parsed.unsupported == []
    assert _keys(again.parsed.items) == _keys(first.parsed.items)
    assert again.parsed.items[0]["images"][0]["data"] == first.parsed.items[0]["images"][0]["data"]


@pytest.mark.parametrize("fmt", ["gift", "moodlexml"])
def test_cross_format_round_trip(app, db, fmt):
    _import(GIFT.encode(), "gift")
    data = exporting.export_gift(SYSTEM) if fmt == "gift" else exporting.export_moodle_xml(SYSTEM)
    again = importing.plan(data, fmt)
    assert [i["type"] for i in again.parsed.items] == ["single", "multiple", "truefalse", "shortanswer", "numerical",
                                                      "matching", "essay", "description"]


def test_images_in_answers_and_feedback_are_kept_through_moodle_xml(app, db):
    import base64

    from sqlalchemy import select

    from exams.models import QuestionImage, QuestionVersion
    from tests.test_exams_moodlexml import PNG
    encoded = base64.b64encode(PNG).decode()
    xml = f"""<quiz><question type="multichoice"><name><text>Biểu tượng</text></name>
<questiontext format="html"><text>Biểu tượng nào là thùng rác?</text></questiontext>
<generalfeedback format="html"><text><![CDATA[Xem <img src="@@PLUGINFILE@@/g.png">]]></text>
<file name="g.png" encoding="base64">{encoded}</file></generalfeedback>
<single>true</single>
<answer fraction="100" format="html"><text><![CDATA[<img src="@@PLUGINFILE@@/b.png" alt="thùng rác">]]></text>
<file name="b.png" encoding="base64">{encoded}</file></answer>
<answer fraction="0" format="html"><text>Không có</text></answer></question></quiz>""".encode()
    _import(xml, "moodlexml")
    image = db.session.scalar(select(QuestionImage))
    version = db.session.scalar(select(QuestionVersion))
    assert f'src="/exams/images/{image.id}"' in version.params["answers"][0]["text"]
    assert f'src="/exams/images/{image.id}"' in version.general_feedback
    again = importing.plan(exporting.export_moodle_xml(SYSTEM), "moodlexml")
    assert again.ok and again.parsed.items[0]["images"][0]["data"] == PNG
    assert "/exams/images/0?f=" in again.parsed.items[0]["answers"][0]["text"]
