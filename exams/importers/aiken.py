"""Aiken (docs.moodle.org/en/Aiken_format): a one-line question, options `A.` or `A)` on their own
lines, then `ANSWER: B`. Anything else is an error with its line; nothing is guessed."""
from __future__ import annotations

import re

from flask_babel import gettext as _

from ..html import plain_to_html
from .common import Parsed, decode_text

_OPTION = re.compile(r"^([A-Z])[.)]\s+(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*([A-Z])\s*$", re.I)


def parse(data: bytes) -> Parsed:
    report = Parsed()
    lines = decode_text(data).split("\n")
    block: list[tuple[int, str]] = []
    for number, line in enumerate([*lines, ""], start=1):
        if line.strip():
            block.append((number, line.strip()))
        elif block:
            _question(report, block)
            block = []
    return report


def _question(report: Parsed, block: list[tuple[int, str]]) -> None:
    start, stem = block[0]
    options: list[tuple[str, str]] = []
    key = None
    for number, line in block[1:]:
        if key is not None:
            report.error(number, _("Dòng sau dòng ANSWER: mỗi câu kết thúc ở dòng ANSWER (cần một dòng trống)."))
            return
        if match := _ANSWER.match(line):
            key = match.group(1).upper()
        elif match := _OPTION.match(line):
            expected = chr(ord("A") + len(options))
            if match.group(1) != expected:
                report.error(number, _("Cần phương án %(e)s, gặp “%(g)s”.", e=expected, g=line[:40]))
                return
            options.append((match.group(1), match.group(2)))
        else:
            report.error(number, _("Dòng không đúng dạng Aiken (cần “A. …” hoặc “ANSWER: A”): “%(l)s”.", l=line[:60]))
            return
    if len(options) < 2:
        report.error(start, _("Câu hỏi cần ít nhất hai phương án A., B., …"))
        return
    if key is None:
        report.error(block[-1][0], _("Thiếu dòng “ANSWER: …”."))
        return
    if key not in {letter for letter, _t in options}:
        report.error(block[-1][0], _("Đáp án %(k)s không có trong các phương án.", k=key))
        return
    report.add({"line": start, "type": "single", "name": stem[:80], "text": plain_to_html(stem),
                "general_feedback": "", "category": None,
                "answers": [{"text": plain_to_html(t), "fraction": 1.0 if letter == key else 0.0, "feedback": ""}
                            for letter, t in options]})
