"""How prizes follow from a ranking: by counts, by percentages or by score thresholds. Pure functions.

A standing is (entry id, score, penalty); entries are ranked by score (higher first), then penalty
(lower first: ICPC); equal (score, penalty) share a rank (1, 2, 2, 4). Ties never split: with counts
and percentages a prize reaches every entry whose shared rank is within its cumulative cut-off, so a
tie at a boundary all get the higher prize (and the next prize's cut-off stays where it was).
Percentages are of the entries that took part (one registered but absent from every round does not
count), cumulative, rounded down. Thresholds are minimum scores.
An entry with a score of 0 never gets a prize.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .models import METHODS, PRIZES

PRIZE_LABELS = {"first": _l("Giải Nhất"), "second": _l("Giải Nhì"), "third": _l("Giải Ba"),
                "encouragement": _l("Giải Khuyến khích")}
# The printed results list and the certificates are Vietnamese documents whatever the reader's language.
PRIZE_VI = {"first": "Giải Nhất", "second": "Giải Nhì", "third": "Giải Ba", "encouragement": "Giải Khuyến khích"}
METHOD_LABELS = {"counts": _l("Theo số lượng giải"), "percent": _l("Theo tỉ lệ phần trăm"),
                 "threshold": _l("Theo ngưỡng điểm")}


class RuleError(ValueError):
    """Rule parameters that make no sense; str() is the message shown."""


@dataclass(frozen=True)
class Standing:
    entry_id: int
    score: float
    penalty: int = 0
    took_part: bool = True     # in at least one round (percentages count only these)


def rank(standings: list[Standing]) -> list[tuple[int, Standing]]:
    """(rank, standing) best first; equal (score, penalty) share the rank."""
    ordered = sorted(standings, key=lambda s: (-round(s.score, 6), s.penalty, s.entry_id))
    out: list[tuple[int, Standing]] = []
    for i, s in enumerate(ordered):
        same = i and round(ordered[i - 1].score, 6) == round(s.score, 6) and ordered[i - 1].penalty == s.penalty
        out.append((out[-1][0] if same else i + 1, s))
    return out


def clean_params(method: str, raw: dict) -> dict:
    """Checked parameters: counts are whole numbers, percentages add up to at most 100, thresholds go down."""
    if method not in METHODS:
        raise RuleError(_("Cách xét giải không hợp lệ."))
    out: dict = {}
    for prize in PRIZES:
        value = raw.get(prize)
        if value in (None, ""):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise RuleError(_("%(p)s: hãy nhập một số.", p=PRIZE_LABELS[prize]))
        if number < 0 or math.isnan(number) or math.isinf(number):
            raise RuleError(_("%(p)s: số không được âm.", p=PRIZE_LABELS[prize]))
        if method == "counts":
            if not number.is_integer():
                raise RuleError(_("%(p)s: số giải phải là số nguyên.", p=PRIZE_LABELS[prize]))
            number = int(number)
        out[prize] = number
    if not out:
        raise RuleError(_("Hãy nhập ít nhất một giải."))
    if method == "percent" and sum(out.values()) > 100:
        raise RuleError(_("Tổng tỉ lệ các giải không được quá 100%."))
    if method == "threshold":
        given = [out[p] for p in PRIZES if p in out]
        if any(a <= b for a, b in zip(given, given[1:])):
            raise RuleError(_("Ngưỡng điểm của giải cao hơn phải lớn hơn ngưỡng của giải thấp hơn."))
    return out


def _cutoffs(method: str, params: dict, n: int) -> list[tuple[str, int]]:
    """(prize, cumulative last rank) for counts and percentages."""
    out, total = [], 0.0
    for prize in PRIZES:
        if prize not in params:
            continue
        total += params[prize]
        cut = int(total) if method == "counts" else math.floor(n * total / 100 + 1e-9)
        out.append((prize, cut))
    return out


def assign(method: str, params: dict, standings: list[Standing]) -> list[tuple[int, Standing, str | None]]:
    """(rank, standing, prize or None) for every standing, best first."""
    ranked = rank(standings)
    out = []
    cutoffs = _cutoffs(method, params, sum(1 for _r, s in ranked if s.took_part)) if method != "threshold" else []
    for position, s in ranked:
        prize = None
        if s.score > 0 and s.took_part:
            if method == "threshold":
                prize = next((p for p in PRIZES if p in params and s.score + 1e-9 >= params[p]), None)
            else:
                prize = next((p for p, cut in cutoffs if position <= cut), None)
        out.append((position, s, prize))
    return out
