"""Prizes from a ranking, computed by hand: counts, percentages, thresholds, ties (never split),
ICPC penalties as tie-break, zero scores, and refused rules."""
from __future__ import annotations

import pytest


def _standings(*scores, penalties=None):
    from contests.awards.rules import Standing
    penalties = penalties or [0] * len(scores)
    return [Standing(i + 1, s, p) for i, (s, p) in enumerate(zip(scores, penalties))]


def _prizes(method, params, standings):
    from contests.awards.rules import assign
    return [(rank, s.entry_id, prize) for rank, s, prize in assign(method, params, standings)]


def test_counts_one_two_three_and_encouragement(app):
    # scores 90 80 70 60 50 40 30: 1 first, 1 second, 2 third, 1 encouragement
    got = _prizes("counts", {"first": 1, "second": 1, "third": 2, "encouragement": 1},
                  _standings(90, 80, 70, 60, 50, 40, 30))
    assert got == [(1, 1, "first"), (2, 2, "second"), (3, 3, "third"), (4, 4, "third"), (5, 5, "encouragement"),
                   (6, 6, None), (7, 7, None)]


def test_counts_tie_at_a_boundary_is_never_split(app):
    # 100, 90, 90, 80, 70: one first and one second; the two 90s share rank 2 and both get second;
    # the third prize's cut-off (rank 3) is then taken by the tie, so 80 (rank 4) gets nothing of it
    got = _prizes("counts", {"first": 1, "second": 1, "third": 1}, _standings(100, 90, 90, 80, 70))
    assert got == [(1, 1, "first"), (2, 2, "second"), (2, 3, "second"), (4, 4, None), (5, 5, None)]
    # a tie for first: both first, and the second prize (cut-off rank 2) is used up by it
    got = _prizes("counts", {"first": 1, "second": 1, "third": 1}, _standings(95, 95, 60))
    assert got == [(1, 1, "first"), (1, 2, "first"), (3, 3, "third")]


def test_percentages_of_the_ranked_entries_rounded_down(app):
    # 10 entries; 10% first, 20% second, 30% third -> cumulative cut-offs ranks 1, 3, 6
    got = _prizes("percent", {"first": 10, "second": 20, "third": 30},
                  _standings(100, 95, 90, 85, 80, 75, 70, 65, 60, 55))
    prizes = [p for _r, _e, p in got]
    assert prizes == ["first", "second", "second", "third", "third", "third", None, None, None, None]
    # 7 entries, 15% first: floor(1.05) = 1; 15+15=30%: floor(2.1) = 2; 60%: floor(4.2) = 4
    got = _prizes("percent", {"first": 15, "second": 15, "encouragement": 30}, _standings(7, 6, 5, 4, 3, 2, 1))
    assert [p for _r, _e, p in got] == ["first", "second", "encouragement", "encouragement", None, None, None]


def test_percentages_count_only_the_entries_that_took_part(app):
    # 10 registered, 4 absent: 50% of the 6 who took part is 3 prizes, not 5; the absent get none
    from contests.awards.rules import Standing
    standings = [Standing(i + 1, s, 0, i < 6) for i, s in enumerate((90, 80, 70, 60, 50, 40, 0, 0, 0, 0))]
    got = _prizes("percent", {"first": 50}, standings)
    assert [p for _r, _e, p in got] == ["first"] * 3 + [None] * 7


def test_percentages_keep_ties_together(app):
    # 5 entries, 20% first -> cut-off rank 1; the two 50s both rank 1 and both get first
    got = _prizes("percent", {"first": 20, "second": 20}, _standings(50, 50, 40, 30, 20))
    assert [p for _r, _e, p in got] == ["first", "first", None, None, None]


def test_thresholds_are_minimum_scores(app):
    got = _prizes("threshold", {"first": 90, "second": 75, "third": 60, "encouragement": 50},
                  _standings(95, 90, 89.5, 75, 74.99, 60, 50, 49, 0))
    assert [p for _r, _e, p in got] == ["first", "first", "second", "second", "third", "third", "encouragement",
                                        None, None]


def test_zero_scores_never_get_a_prize(app):
    got = _prizes("counts", {"first": 2, "encouragement": 5}, _standings(10, 0, 0))
    assert [p for _r, _e, p in got] == ["first", None, None]


def test_icpc_penalty_breaks_ties_and_equal_penalty_shares(app):
    # 3 solved/50', 3 solved/80', 3 solved/80', 2 solved/10'
    got = _prizes("counts", {"first": 1, "second": 1, "third": 1}, _standings(3, 3, 3, 2, penalties=[50, 80, 80, 10]))
    assert got == [(1, 1, "first"), (2, 2, "second"), (2, 3, "second"), (4, 4, None)]


@pytest.mark.parametrize("method,params,message", [
    ("counts", {"first": 1.5}, "số giải phải là số nguyên"),
    ("counts", {"first": -1}, "không được âm"),
    ("counts", {"first": "một"}, "hãy nhập một số"),
    ("counts", {}, "ít nhất một giải"),
    ("percent", {"first": 60, "second": 50}, "không được quá 100%"),
    ("threshold", {"first": 50, "second": 70}, "phải lớn hơn ngưỡng"),
    ("lottery", {"first": 1}, "không hợp lệ"),
])
def test_bad_rules_refused(app, method, params, message):
    from contests.awards.rules import RuleError, clean_params
    with app.test_request_context():
        with pytest.raises(RuleError) as exc:
            clean_params(method, params)
    assert message in str(exc.value)
