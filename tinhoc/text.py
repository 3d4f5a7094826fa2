"""One rule for text people type or import, and the keys we compare, search and sort it by.

- `clean`: Unicode NFC, control and bidi-override characters removed, trimmed, and (for one-line
  values such as names and codes) inner whitespace collapsed to one space. Every form (through
  `tinhoc.forms.Form`), every service and every importer passes user text through it, so "Đặng"
  typed precomposed (NFC) or decomposed (NFD, as macOS and some keyboards send it) is stored once.
- `code_key`: how codes (units, staff, positions, usernames) compare: NFC, case-insensitive.
  Stored in its own column with a unique index, so the database refuses `qa-ư` beside `QA-Ư`.
- `fold`: the search key: lower case without tones or letter marks, đ → d ("Đặng" → "dang").
  Stored in a column so a search is one LIKE on one indexed column on PostgreSQL and SQLite.
- `sort_key`: Vietnamese alphabetical order (a ă â b c d đ e ê …, tones after the letter) for
  SQLite; PostgreSQL sorts with its ICU collation `vi-x-icu` (see `vi_order`).
"""
from __future__ import annotations

import functools
import re
import unicodedata

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

# Characters that change what a reader sees without being seen: bidi embeddings, overrides,
# isolates and marks (a name that displays differently from what is stored), zero-width and other
# format characters, lone surrogates. They never belong in a name or a code.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
                        "\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0001\U000e0020-\U000e007f]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")                 # C0 and C1 controls
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # … except tab and line feed


def clean(value, *, multiline: bool = False) -> str:
    """The stored form of a user-typed value ("" for None). One-line values collapse inner whitespace;
    `multiline` keeps line breaks (and tabs) but still drops other control characters."""
    if value is None:
        return ""
    text = str(value)
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    if multiline:
        text = _CONTROL_BUT_LINES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
        return "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()
    return " ".join(_CONTROL.sub(" ", text).split())


def clean_or_none(value) -> str | None:
    return clean(value) or None


def code_key(code) -> str:
    """How two codes compare: NFC and case-insensitive ("QA-Ư" == "qa-ư")."""
    return unicodedata.normalize("NFC", clean(code).casefold())


def fold(value) -> str:
    """Search key: lower case, no tones, no letter marks, đ → d, one space between words."""
    text = unicodedata.normalize("NFD", clean(value).casefold().replace("đ", "d").replace("ð", "d"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


SEARCH_TEXT_LENGTH = 300  # the stored column's width


def search_text(*parts) -> str:
    """The stored search column of a record: its folded parts, one per line (a query, which has
    no line break, never matches across two parts)."""
    return "\n".join(fold(part) for part in parts)[:SEARCH_TEXT_LENGTH]


def search_pattern(query) -> str | None:
    """A LIKE pattern (escape character '\\') finding `query` anywhere in a folded column; `%` and
    `_` are taken literally. None when there is nothing to search for."""
    folded = fold(query)
    if not folded:
        return None
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches(column, query):
    """The one search condition every list page uses: `column` holds `fold(...)` of the searched text."""
    pattern = search_pattern(query)
    return None if pattern is None else column.like(pattern, escape="\\")


# --- Vietnamese alphabetical order -----------------------------------------------------------

ALPHABET = ("a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
            "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z")
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
# Tones in dictionary order after the toneless letter: huyền, hỏi, ngã, sắc, nặng (as ICU's `vi`).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_LETTER_MARKS = "\u0306\u0302\u031b"  # breve (ă), circumflex (â ê ô), horn (ơ ư): part of the letter


@functools.lru_cache(maxsize=65536)
def sort_key(value: str | None) -> tuple:
    """Like ICU's Vietnamese collation: letters first (spaces, punctuation and digits before
    letters), then tones, then lower before upper case."""
    primary, tones, cases = [], [], []
    for char in unicodedata.normalize("NFC", value or ""):
        lower = char.lower()
        decomposed = unicodedata.normalize("NFD", lower)
        base, marks = decomposed[0], decomposed[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
        tone = next((_TONES[m] for m in marks if m in _TONES), 0)
        if letter == "ð":
            letter = "đ"
        if letter in _LETTER_RANK:
            primary.append((3, _LETTER_RANK[letter]))
        elif base.isdigit():
            primary.append((2, ord(base)))
        elif base.isspace():
            primary.append((0, 0))
        elif base.isalpha():
            primary.append((4, ord(base)))
        else:
            primary.append((1, ord(base)))
        tones.append(tone)
        cases.append(0 if char == lower else 1)
    return tuple(primary), tuple(tones), tuple(cases)


def vietnamese_collation(left: str | None, right: str | None) -> int:
    """sqlite3 collation function (registered as `vi` on every SQLite connection)."""
    a, b = sort_key(left), sort_key(right)
    return (a > b) - (a < b)


class vi_order(FunctionElement):
    """`vi_order(column)` in ORDER BY sorts in Vietnamese alphabetical order: ICU on PostgreSQL,
    the registered `vi` collation on SQLite."""

    inherit_cache = True
    type = String()


@compiles(vi_order)
def _vi_order_default(element, compiler, **kw):
    return f"{compiler.process(list(element.clauses)[0], **kw)} COLLATE vi"


@compiles(vi_order, "postgresql")
def _vi_order_postgresql(element, compiler, **kw):
    return f'{compiler.process(list(element.clauses)[0], **kw)} COLLATE "vi-x-icu"'


def register_sqlite_collation(dbapi_connection, _record=None) -> None:
    """Engine "connect" hook: give every SQLite connection the `vi` collation."""
    import sqlite3
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_collation("vi", vietnamese_collation)

