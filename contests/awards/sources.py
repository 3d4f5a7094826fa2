"""Where a round's final scores come from, by round kind: a small registry.

A source returns {entry id: (score, penalty)} for a round's approved entries that took part in it
(submitted, finished the quiz, had a product scored): an entry registered but absent from every
round is not counted where prizes are shares of the contestants. Programming rounds read the live
(never the frozen) board of contests/board.py: IOI total points, or ICPC problems solved with the
penalty minutes as tie-break. A division's total over several rounds is the sum of
its rounds' scores (and of their penalties). Quiz rounds register theirs in contests/quiz.py and the
creative-product jury its "creative" source; a round kind without a source is left out of the
total, and the award page says so.
"""
from __future__ import annotations

from typing import Callable

ScoreSource = Callable[[object], dict[int, tuple[float, int]]]
PendingCount = Callable[[object], int]
_SOURCES: dict[str, ScoreSource] = {}
_PENDING: dict[str, PendingCount] = {}


def _registry(table: dict, what: str):
    """A decorator factory filling `table` by round kind; a kind registered twice fails at import."""
    def register(kind: str):
        def wrap(fn):
            if kind in table:
                raise ValueError(f"{what} for {kind!r} registered twice")
            table[kind] = fn
            return fn
        return wrap
    return register


# Decorator: the score source of a round kind.
register = _registry(_SOURCES, "score source")
# Decorator: how many of a round kind's scores are not final yet (submissions waiting for the judge,
# products the jury has not settled). Computing awards then says so: such an entry counts as absent,
# or with a partial score, until they are.
register_pending = _registry(_PENDING, "pending count")


def source_for(kind: str) -> ScoreSource | None:
    return _SOURCES.get(kind)


def pending_for(kind: str) -> PendingCount | None:
    return _PENDING.get(kind)


@register("programming")
def programming_scores(rnd) -> dict[int, tuple[float, int]]:
    from sqlalchemy import select

    from contests.board import build_round_board
    from contests.models import Problem, Submission
    from tinhoc.extensions import db
    took_part = set(db.session.scalars(select(Submission.entry_id).distinct()
                                       .join(Problem, Problem.id == Submission.problem_id)
                                       .where(Problem.round_id == rnd.id)))
    board = build_round_board(rnd, live=True)
    return {row["entry_id"]: (float(row["total"]), int(row["penalty"] or 0)) for row in board["rows"]
            if row["entry_id"] in took_part}


@register_pending("programming")
def programming_pending(rnd) -> int:
    """Submissions of the round still queued, being judged, or failed to judge (judged again later)."""
    from sqlalchemy import func, select

    from contests.models import Problem, Submission
    from tinhoc.extensions import db
    return db.session.scalar(select(func.count(Submission.id)).join(Problem, Problem.id == Submission.problem_id)
                             .where(Problem.round_id == rnd.id,
                                    Submission.status.in_(("queued", "judging", "error")))) or 0
