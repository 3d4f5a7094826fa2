"""Where a round's final scores come from, by round kind: a small registry.

A source returns {entry id: (score, penalty)} for a round's approved entries. Programming rounds
read the live (never the frozen) board of contests/board.py: IOI total points, or ICPC problems
solved with the penalty minutes as tie-break. A division's total over several rounds is the sum of
its rounds' scores (and of their penalties). Quiz rounds register theirs in contests/quiz.py and the
creative-product jury its "creative" source; a round kind without a source is left out of the
total, and the award page says so.
"""
from __future__ import annotations

from typing import Callable

ScoreSource = Callable[[object], dict[int, tuple[float, int]]]
_SOURCES: dict[str, ScoreSource] = {}


def register(kind: str):
    """Decorator: the score source of a round kind; a kind registered twice fails at import."""
    def wrap(fn: ScoreSource) -> ScoreSource:
        if kind in _SOURCES:
            raise ValueError(f"score source for {kind!r} registered twice")
        _SOURCES[kind] = fn
        return fn
    return wrap


def source_for(kind: str) -> ScoreSource | None:
    return _SOURCES.get(kind)


@register("programming")
def programming_scores(rnd) -> dict[int, tuple[float, int]]:
    from contests.board import build_round_board
    board = build_round_board(rnd, live=True)
    return {row["entry_id"]: (float(row["total"]), int(row["penalty"] or 0)) for row in board["rows"]}
