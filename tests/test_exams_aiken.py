"""Aiken importer, and the text-file encodings every text format shares."""
from __future__ import annotations

import codecs
import unicodedata

import pytest

from exams.importers import parse

AIKEN = "Phím nào sao chép?\nA. Ctrl+C\nB) Ctrl+V\nC. Ctrl+X\nANSWER: A\n\nThiết bị nhập?\nA. Màn hình\nB. Bàn phím\nANSWER: B\n"


def test_aiken_questions(app):
    report = parse(AIKEN.encode(), "aiken")
    assert report.errors == []
    assert [[a["fraction"] for a in i["answers"]] for i in report.items] == [[1.0, 0.0, 0.0], [0.0, 1.0]]
    assert report.items[1]["line"] == 7


def test_aiken_malformed_lines(app):
    source = "Câu một\nA. x\nC. y\nANSWER: A\n\nCâu hai\nA. x\nB. y\n\nCâu ba\nA. x\nB. y\nANSWER: D\n\nCâu bốn\nlinh tinh\n"
    report = parse(source.encode(), "aiken")
    assert [e["line"] for e in report.errors] == [3, 8, 13, 16] and report.items == []


def _cp1258(value: str) -> bytes:
    """As Vietnamese Windows writes it: letters with their marks (â ơ ư đ) precomposed when the code
    page has them, tones as combining marks after the letter."""
    out = b""
    for char in value:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out += (base + "".join(c for c in parts if c in TONES)).encode("cp1258")
    return out


TONES = "\u0300\u0301\u0303\u0309\u0323"


@pytest.mark.parametrize("encode", [
    lambda s: s.encode("utf-8"),
    lambda s: codecs.BOM_UTF8 + s.encode("utf-8"),
    lambda s: s.encode("utf-16"),                       # with BOM
    lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"),
    lambda s: _cp1258(s),
], ids=["utf8", "utf8-bom", "utf16", "utf16-be", "windows-1258"])
def test_encodings_decode_to_the_same_text(app, encode):
    source = "Phần mềm nào soạn thảo văn bản?\nA. Word\nB. Excel\nANSWER: A\n"
    report = parse(encode(source), "aiken")
    assert report.errors == [] and report.items[0]["text"] == "Phần mềm nào soạn thảo văn bản?"


def test_mojibake_and_unknown_encodings_are_refused(app):
    broken = "Phần mềm nào?\nA. x\nB. y\nANSWER: A\n".encode("utf-8").decode("latin-1").encode("utf-8")
    report = parse(broken, "aiken")
    assert report.refused and "mã hoá" in report.errors[0]["reason"]
    assert parse("Câu\nA. x\nB. y\nANSWER: A\n".encode("utf-16-le"), "aiken").refused   # UTF-16 without BOM
    assert parse(b"\xff\xfe\x00\xd8", "aiken").refused                                  # a lone surrogate
    assert parse(bytes(range(0x80, 0x100)) * 3, "gift").refused                          # not Vietnamese at all


def test_huge_or_endless_input_is_refused(app):
    from exams.importers import common
    report = parse(b"x" * (common.MAX_BYTES + 1), "gift")
    assert report.refused
    many = "\n\n".join(f"Câu {i} {{T}}" for i in range(common.MAX_ITEMS + 1)).encode()
    assert parse(many, "gift").refused
