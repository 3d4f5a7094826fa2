"""Per-question statistics of an exam: facility and discrimination, from the candidates' latest
finished, fully marked attempt of each part.

- facility: the mean mark of the item (0..1), i.e. the mean fraction of its points earned;
- discrimination: the Pearson correlation between the item's mark and the rest-of-part score
  (the attempt's points minus this item's). With a right/wrong item this is the point-biserial
  correlation; removing the item from the total keeps it from correlating with itself. None when
  fewer than three candidates answered or either side does not vary.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlalchemy import select

from tinhoc.access import Actor
from tinhoc.extensions import db

from ..delivery.models import FINAL_STATES, AttemptItem, ExamAttempt, ExamPart
from ..models import QuestionVersion
from .services import managed_exam

_TAGS = re.compile(r"<[^>]+>")


@dataclass
class QuestionStat:
    part: ExamPart
    question_id: int
    label: str
    type: str
    count: int
    facility: float | None
    discrimination: float | None


def pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    return sxy / math.sqrt(sxx * syy)


def _label(version: QuestionVersion) -> str:
    label = version.name or " ".join(_TAGS.sub(" ", version.text or "").split())
    return label[:120]


def exam_statistics(actor: Actor, exam_id: int) -> tuple[object, list[QuestionStat]]:
    """Statistics per part and question (graded types only), in part then first-position order."""
    exam = managed_exam(actor, exam_id)
    parts = {p.id: p for p in exam.parts}
    attempts = db.session.execute(
        select(ExamAttempt.id, ExamAttempt.part_id, ExamAttempt.user_id, ExamAttempt.number, ExamAttempt.points)
        .where(ExamAttempt.exam_id == exam.id, ExamAttempt.state.in_(FINAL_STATES),
               ExamAttempt.points.is_not(None))).all()
    latest: dict[tuple[int, int], tuple] = {}
    for row in attempts:
        key = (row.part_id, row.user_id)
        if key not in latest or row.number > latest[key].number:
            latest[key] = row
    points = {row.id: (row.part_id, row.points) for row in latest.values()}
    found: dict[tuple[int, int], dict] = {}
    items = db.session.execute(
        select(AttemptItem.attempt_id, AttemptItem.position, AttemptItem.points, AttemptItem.auto_fraction,
               AttemptItem.manual_fraction, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .where(AttemptItem.attempt_id.in_(list(points) or [0]))).all()
    for attempt_id, position, item_points, auto, manual, version in items:
        mark = manual if manual is not None else auto
        if mark is None:
            continue
        part_id, total = points[attempt_id]
        entry = found.setdefault((part_id, version.question_id),
                                 {"label": _label(version), "type": version.type, "marks": [], "rest": [],
                                  "position": position})
        entry["position"] = min(entry["position"], position)
        entry["marks"].append(mark)
        entry["rest"].append(total - mark * item_points)
    stats = [QuestionStat(parts[part_id], question_id, e["label"], e["type"], len(e["marks"]),
                          sum(e["marks"]) / len(e["marks"]), pearson(e["marks"], e["rest"]))
             for (part_id, question_id), e in found.items()]
    stats.sort(key=lambda s: (s.part.position, found[(s.part.id, s.question_id)]["position"], s.question_id))
    return exam, stats
