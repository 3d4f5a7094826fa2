"""Blueprint → form: the candidate pool of each rule, cached per part, and a form drawn from a seed.

A wave of thousands of candidates starting within minutes must not scan the bank once each: the
pools of a part (the current version of every live question in the rule's category subtree at the
rule's difficulty) are computed once and kept in this process, keyed by the part, its blueprint and
a stamp of the bank (number of questions, latest edit, latest archive). The stamp itself is checked
at most every `STAMP_TTL` seconds, so a bank edit reaches new forms within that time.

A rule is {"category_id", "difficulty" (None: any), "count", "points" (weight of each question),
optionally "auto_only": true (only auto-marked types, e.g. for a theory part)}.

`draw(part, seed, pools, shuffle_questions, shuffle_options)` is pure: the same seed and pools give the
same form (question order and option orders), so a form can be reproduced from the stored seed.
"""
from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from tinhoc.extensions import db

from ..models import DIFFICULTIES, Question, QuestionCategory, QuestionVersion
from ..questions import get_type, registry
from .errors import BlueprintError

STAMP_TTL = 30.0          # seconds between two checks of the bank stamp in one process
NOT_DRAWN = ("description",)   # text only: never a question of a form


@dataclass(frozen=True)
class PoolEntry:
    question_id: int
    version_id: int
    type: str
    shuffle: bool          # the version allows its options to be shuffled
    options: int           # number of options (0: nothing to shuffle)


@dataclass(frozen=True)
class DrawnItem:
    position: int
    version_id: int
    points: float
    option_order: list[int] | None
    needs_manual: bool


_lock = threading.Lock()
_pools: dict[tuple, list[list[PoolEntry]]] = {}
_stamp: tuple[float, tuple] | None = None      # (checked at, stamp)


def clear_cache() -> None:
    """Forget every cached pool and stamp (tests; after a bulk import in the same process)."""
    global _stamp
    with _lock:
        _pools.clear()
        _stamp = None


def bank_stamp() -> tuple:
    """A value that changes whenever the bank changes in a way that matters to pools."""
    global _stamp
    now = time.monotonic()
    cached = _stamp
    if cached is not None and now - cached[0] < STAMP_TTL:
        return cached[1]
    row = db.session.execute(select(func.count(Question.id), func.max(Question.updated_at),
                                    func.max(Question.archived_at), func.max(QuestionVersion.id))
                             .select_from(Question).outerjoin(
                                 QuestionVersion, QuestionVersion.question_id == Question.id)).one()
    stamp = tuple(str(v) for v in row)
    _stamp = (now, stamp)
    return stamp


def rule_pool(rule: dict, exclude: frozenset[int] = frozenset()) -> list[PoolEntry]:
    """The current versions a rule may draw from, in question-id order (one query)."""
    category = db.session.get(QuestionCategory, rule["category_id"])
    if category is None:
        return []
    query = (select(Question.id, QuestionVersion.id, QuestionVersion.type, QuestionVersion.params)
             .join(QuestionCategory, QuestionCategory.id == Question.category_id)
             .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
                   & (QuestionVersion.number == Question.current_version))
             .where(QuestionCategory.subtree_clause(category.path), Question.archived_at.is_(None),
                    QuestionVersion.type.notin_(NOT_DRAWN)))
    if rule.get("difficulty"):
        query = query.where(Question.difficulty == rule["difficulty"])
    if rule.get("auto_only"):   # a theory part: only questions marked automatically
        query = query.where(QuestionVersion.type.in_([n for n, t in registry.items() if t.auto_graded]))
    out = []
    for qid, vid, type_, params in db.session.execute(query.order_by(Question.id)):
        if qid in exclude:
            continue
        answers = params.get("answers") if isinstance(params, dict) else None
        options = len(answers) if type_ in ("single", "multiple") and isinstance(answers, list) else 0
        out.append(PoolEntry(qid, vid, type_, bool(params.get("shuffle", True)) if options else False, options))
    return out


def pools_for(part) -> list[list[PoolEntry]]:
    """The pools of a part's rules, from the cache when the bank has not changed."""
    key = (part.id, json.dumps(part.blueprint, sort_keys=True), bank_stamp())
    found = _pools.get(key)
    if found is None:
        found = [rule_pool(rule) for rule in part.blueprint or []]
        with _lock:
            for old in [k for k in _pools if k[0] == part.id]:
                del _pools[old]
            _pools[key] = found
    return found


def rule_label(index: int, rule: dict, category_name: str | None = None) -> str:
    difficulty = rule.get("difficulty")
    return _("Quy tắc %(n)d (%(c)s, %(d)s, %(k)d câu)", n=index + 1, c=category_name or f"#{rule.get('category_id')}",
             d=_("mức %(x)s", x=difficulty) if difficulty else _("mọi mức độ"), k=rule.get("count", 0))


def check_blueprint(blueprint: list[dict]) -> str:
    """Refuse (BlueprintError naming the rule) a blueprint the bank cannot satisfy; return the
    part's marking ("auto", "manual" or "mixed") from the types the pools hold."""
    if not blueprint:
        raise BlueprintError(_("Phần thi cần ít nhất một quy tắc rút câu hỏi."))
    taken: set[int] = set()
    types: set[str] = set()
    for index, rule in enumerate(blueprint):
        category = db.session.get(QuestionCategory, rule.get("category_id") or 0)
        if category is None:
            raise BlueprintError(_("%(r)s: không có danh mục này.", r=rule_label(index, rule)))
        if rule.get("difficulty") not in (None, *DIFFICULTIES):
            raise BlueprintError(_("%(r)s: mức độ khó không hợp lệ.", r=rule_label(index, rule, category.name)))
        if not (isinstance(rule.get("count"), int) and 1 <= rule["count"] <= 500):
            raise BlueprintError(_("%(r)s: số câu phải từ 1 đến 500.", r=rule_label(index, rule, category.name)))
        if not (isinstance(rule.get("points"), (int, float)) and 0 < rule["points"] <= 1000):
            raise BlueprintError(_("%(r)s: điểm mỗi câu phải lớn hơn 0.", r=rule_label(index, rule, category.name)))
        pool = rule_pool(rule, frozenset(taken))
        if len(pool) < rule["count"]:
            raise BlueprintError(_("%(r)s: ngân hàng chỉ có %(have)d câu phù hợp (chưa tính các câu quy tắc trước "
                                   "đã dùng), cần %(need)d.", r=rule_label(index, rule, category.name),
                                   have=len(pool), need=rule["count"]))
        taken.update(e.question_id for e in pool[:rule["count"]])
        types.update(e.type for e in pool)
    manual = {t for t in types if not get_type(t).auto_graded}
    return "manual" if manual == types else ("mixed" if manual else "auto")


def draw(part, seed: int, pools: list[list[PoolEntry]], *, shuffle_questions: bool,
         shuffle_options: bool) -> list[DrawnItem]:
    """The form for `seed`: per rule, `count` questions not drawn by an earlier rule; points scaled so
    the form totals the part's `max_points`. Raises BlueprintError when the bank shrank below a rule."""
    rng = random.Random(seed)
    chosen: list[tuple[PoolEntry, float]] = []
    taken: set[int] = set()
    for index, (rule, pool) in enumerate(zip(part.blueprint, pools)):
        candidates = [e for e in pool if e.question_id not in taken]
        if len(candidates) < rule["count"]:
            raise BlueprintError(_("%(r)s: ngân hàng không còn đủ câu hỏi.", r=rule_label(index, rule)))
        for entry in rng.sample(candidates, rule["count"]):
            taken.add(entry.question_id)
            chosen.append((entry, float(rule["points"])))
    if shuffle_questions:
        rng.shuffle(chosen)
    weight = sum(w for _e, w in chosen) or 1.0
    items = []
    for position, (entry, w) in enumerate(chosen, start=1):
        order = None
        if shuffle_options and entry.shuffle and entry.options > 1:
            order = list(range(entry.options))
            rng.shuffle(order)
        items.append(DrawnItem(position, entry.version_id, round(w * part.max_points / weight, 6), order,
                               not get_type(entry.type).auto_graded))
    return items
