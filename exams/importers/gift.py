"""GIFT, as Moodle documents it (docs.moodle.org/en/GIFT_format).

Questions are separated by blank lines; `//` lines are comments; `$CATEGORY:` sets the category
of what follows; `::title::`, `[html]`/`[markdown]`/`[plain]`/`[moodle]` formats; escapes
`\\~ \\= \\# \\{ \\} \\:` and `\\n`; an answer block `{...}` anywhere in the text (text after it
makes a missing-word question); `####` general feedback, `#` answer feedback, `%50%` weights;
`{T}`/`{TRUE}`/`{F}`/`{FALSE}`, numerical `{#3.14:0.01}`, `{#1..5}` and several `=` answers,
matching `=a -> b`, essay `{}`, and no answer block at all: a description. Embedded (Cloze)
gaps such as `{1:MC:...}` are not GIFT: they are listed as unsupported, never read as answers.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _

from ..html import plain_to_html
from .common import Parsed, decode_text

# Escaped characters become private-use characters while the text is split, and come back after.
_ESCAPES = {"\\\\": "\ue000", "\\~": "\ue001", "\\=": "\ue002", "\\#": "\ue003", "\\{": "\ue004",
            "\\}": "\ue005", "\\:": "\ue006"}
_RESTORE = {v: k[1] for k, v in _ESCAPES.items()}
_CLOZE = re.compile(r"\s*\d+\s*:\s*(MC|MCV|MCH|MCS|MCVS|MCHS|MR|MRH|MRS|MRHS|MULTICHOICE\w*|MULTIRESPONSE\w*|"
                    r"SA|MW|SAC|MWC|SHORTANSWER\w*|NM|NUMERICAL)\s*:", re.I)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_NUMBER = r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?"


def _protect(value: str) -> str:
    for raw, mark in _ESCAPES.items():
        value = value.replace(raw, mark)
    return value


def _restore(value: str) -> str:
    return "".join(_RESTORE.get(c, c) for c in value).replace("\\n", "\n")


def parse(data: bytes) -> Parsed:
    report = Parsed()
    text = decode_text(data)
    category = None
    block: list[str] = []
    start = 0
    for number, line in enumerate([*text.split("\n"), ""], start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not stripped:
            if block:
                category = _question(report, "\n".join(block), start, category)
                block = []
            continue
        if not block:
            start = number
        block.append(line)
    return report


def _question(report: Parsed, raw: str, line: int, category):
    """Parse one question block; returns the category in force after it."""
    raw = raw.strip()
    if raw.startswith("$CATEGORY:"):
        rest = raw[len("$CATEGORY:"):].strip().split("\n")
        category = _category_path(rest[0])
        if len(rest) > 1:  # a question right below the $CATEGORY line, without a blank line
            _question(report, "\n".join(rest[1:]), line + 1, category)
        return category
    body = _protect(raw)
    name = ""
    title = re.match(r"^::(.*?)::", body, re.S)
    if title:
        name = _restore(title.group(1)).strip()
        body = body[title.end():].lstrip()
    fmt = "moodle"
    fmt_match = re.match(r"^\[(html|markdown|plain|moodle)\]", body)
    if fmt_match:
        fmt, body = fmt_match.group(1), body[fmt_match.end():]
    opens = [m.start() for m in re.finditer(r"\{", body)]
    closes = [m.start() for m in re.finditer(r"\}", body)]
    snippet = _restore(body)[:200]
    if not opens and not closes:
        text = _format(body, fmt)
        _add(report, line, category, "description", name or _restore(" ".join(body.split()))[:80], text, fmt=fmt)
        return category
    if len(opens) != 1 or len(closes) != 1 or closes[0] < opens[0]:
        if any(_CLOZE.match(body, o + 1) for o in opens):  # match at a position: no copy per brace
            report.skip(line, _("Câu hỏi dạng Cloze (ô trống nhúng như {1:MC:...}) không được hỗ trợ."), snippet)
        elif len(opens) > 1 and len(closes) == len(opens):
            report.skip(line, _("Câu hỏi có nhiều khối đáp án {…}: GIFT không có dạng này (có thể là Cloze)."), snippet)
        else:
            report.error(line, _("Dấu ngoặc nhọn không khớp: cần đúng một khối đáp án {…} (viết \\{ hoặc \\} "
                                 "nếu là chữ)."))
        return category
    before, answer_block, after = body[:opens[0]], body[opens[0] + 1:closes[0]], body[closes[0] + 1:]
    if _CLOZE.match(answer_block):
        report.skip(line, _("Câu hỏi dạng Cloze (ô trống nhúng như {1:MC:...}) không được hỗ trợ."), snippet)
        return category
    stem = before.rstrip()
    if after.strip():  # missing word: the answer block stands for the gap
        stem = before + "_____" + after
    general_feedback = ""
    if "####" in answer_block:
        answer_block, general_feedback = answer_block.split("####", 1)
        general_feedback = _format(general_feedback.strip(), fmt)
    try:
        item = _answers(answer_block.strip(), fmt)
    except ValueError as exc:
        report.error(line, str(exc))
        return category
    if not name:
        name = _restore(re.sub(r"\s+", " ", stem)).strip()[:80]
    _add(report, line, category, item.pop("type"), name, _format(stem.strip(), fmt),
         general_feedback=general_feedback, fmt=fmt, **item)
    return category


def _category_path(value: str) -> str:
    parts = [p.strip() for p in _restore(value).split("/") if p.strip()]
    if parts and parts[0] in ("$course$", "$system$", "$module$", "$coursecategory$"):
        parts = parts[1:]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return "/".join(parts)


def _add(report, line, category, type_, name, text, *, general_feedback="", fmt="moodle", **extra):
    report.add({"line": line, "type": type_, "name": _restore(name)[:255], "text": text,
                "general_feedback": general_feedback, "category": category, **extra})


def _format(value: str, fmt: str) -> str:
    """Question text in the stated format, as HTML (sanitised later, on save)."""
    value = _restore(value).strip()
    if fmt in ("html", "moodle"):
        return value.replace("\n", "<br>") if fmt == "moodle" and "<" not in value else value
    html = plain_to_html(value)
    if fmt == "markdown":
        html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
        html = re.sub(r"(?<![*\w])\*(?!\s)(.+?)\*", r"<em>\1</em>", html)
    return html


def _entries(block: str) -> list[tuple[str, str]]:
    """(marker, entry) for each `=` or `~` entry of an answer block (escapes already protected)."""
    parts = re.split(r"([=~])", block)
    if parts[0].strip():
        raise ValueError(_("Khối đáp án phải bắt đầu bằng = hoặc ~ (gặp “%(s)s”).", s=_restore(parts[0].strip())[:40]))
    entries = []
    i = 1
    while i < len(parts):
        entries.append((parts[i], parts[i + 1] if i + 1 < len(parts) else ""))
        i += 2
    return entries


def _split_feedback(entry: str, fmt: str) -> tuple[str, str]:
    if "#" in entry:
        value, feedback = entry.split("#", 1)
        return value.strip(), _format(feedback.strip(), fmt)
    return entry.strip(), ""


def _weight(entry: str, default: float) -> tuple[float, str]:
    match = _WEIGHT.match(entry.strip())
    if not match:
        return default, entry.strip()
    weight = float(match.group(1)) / 100
    if not -1 <= weight <= 1:
        raise ValueError(_("Trọng số %(w)s%% phải nằm trong khoảng -100%% đến 100%%.", w=match.group(1)))
    return weight, entry.strip()[match.end():]


def _answers(block: str, fmt: str) -> dict:
    if not block:
        return {"type": "essay"}
    tf = re.fullmatch(r"(T|TRUE|F|FALSE)\s*(?:#([^#]*))?(?:#(.*))?", block, re.S)
    if tf:
        value = tf.group(1) in ("T", "TRUE")
        wrong_fb, right_fb = _format(tf.group(2) or "", fmt), _format(tf.group(3) or "", fmt)
        # GIFT: the first feedback is shown for a wrong answer, the second for a right one.
        return {"type": "truefalse", "correct": value, "answers": [
            {"text": "true", "value": True, "fraction": 1.0 if value else 0.0,
             "feedback": right_fb if value else wrong_fb},
            {"text": "false", "value": False, "fraction": 0.0 if value else 1.0,
             "feedback": wrong_fb if value else right_fb}]}
    if block.startswith("#"):
        return _numerical(block[1:].strip(), fmt)
    entries = _entries(block.replace("->", "\ue010"))
    if any("\ue010" in e for m, e in entries):
        pairs = []
        for marker, entry in entries:
            if marker != "=" or "\ue010" not in entry:
                raise ValueError(_("Câu ghép đôi: mỗi cặp phải có dạng =câu hỏi -> câu trả lời."))
            question, answer = entry.split("\ue010", 1)
            pairs.append({"question": _format(question.strip(), fmt), "answer": _restore(answer.strip())})
        return {"type": "matching", "pairs": pairs}
    answers = []
    for marker, entry in entries:
        weight, entry = _weight(entry, 1.0 if marker == "=" else 0.0)
        value, feedback = _split_feedback(entry, fmt)
        answers.append({"marker": marker, "text": value, "fraction": weight, "feedback": feedback})
    if all(a["marker"] == "=" for a in answers):
        return {"type": "shortanswer", "answers": [
            {"text": _restore(a["text"]), "fraction": a["fraction"], "feedback": a["feedback"]} for a in answers]}
    out = [{"text": _format(a["text"], fmt), "fraction": a["fraction"], "feedback": a["feedback"]} for a in answers]
    full = [a for a in answers if a["fraction"] >= 1]
    if len(full) == 1 or any(a["marker"] == "=" for a in answers):
        return {"type": "single", "answers": out}
    return {"type": "multiple", "answers": out}


def _numerical(block: str, fmt: str) -> dict:
    entries = _entries(block) if block.startswith("=") else [("=", block)]
    answers = []
    for _marker, entry in entries:
        weight, entry = _weight(entry, 1.0)
        value, feedback = _split_feedback(entry, fmt)
        value = _restore(value)
        rng = re.fullmatch(rf"({_NUMBER})\s*\.\.\s*({_NUMBER})", value)
        tol = re.fullmatch(rf"({_NUMBER})(?:\s*:\s*({_NUMBER}))?", value)
        if rng:
            low, high = sorted((_num(rng.group(1)), _num(rng.group(2))))
            answers.append({"value": (low + high) / 2, "tolerance": (high - low) / 2, "fraction": weight,
                            "feedback": feedback})
        elif tol:
            answers.append({"value": _num(tol.group(1)), "tolerance": abs(_num(tol.group(2) or "0")),
                            "fraction": weight, "feedback": feedback})
        else:
            raise ValueError(_("Đáp án số không hợp lệ: “%(v)s” (viết 3.14, 3.14:0.01 hoặc 1..5).", v=value[:40]))
    return {"type": "numerical", "answers": answers}


def _num(value: str) -> float:
    return float(value.replace(",", "."))


def answer_item(block: str) -> dict:
    """The question type and answers an answer block (without braces) stands for, as the edit page
    takes them; ValueError says what is wrong."""
    block = _protect(block.strip())
    if _CLOZE.match(block):
        raise ValueError(_("Câu hỏi dạng Cloze (ô trống nhúng như {1:MC:...}) không được hỗ trợ."))
    return _answers(block, "html")
