"""Contest pages cost the same number of queries for N and 2N entries (no query per row)."""
from __future__ import annotations

from tests.contest_helpers import (_user, contest_world, fresh_board_cache, judge_result,  # noqa: F401 (fixtures)
                                   make_entry)
from tests.helpers import page_query_count


def _queries(db, client, url: str) -> int:
    from contests import board
    board.clear_cache()   # count the building of the board, not a cache hit
    return page_query_count(db, client, url)


def _add(db, cw, n, prefix):
    from contests import judging
    from tinhoc.access import load_actor
    for i in range(n):
        user = _user(f"{prefix}{i}", ["student"], f"Học Sinh {prefix}{i}")
        make_entry(db, cw["division"], [user], school=cw["school"])
        sub = judging.submit(load_actor(user.id), cw["problem"].id, "python3", "print(1)")
        judging.store_result(sub.id, judge_result("WA", 10.0 * (i % 5)))


def test_board_round_and_entries_cost_the_same_for_n_and_2n(client, login, db, frozen_clock):
    cw = contest_world(db)
    login("organiser")
    urls = (f"/api/contests/{cw['contest'].id}/scoreboard", f"/contests/{cw['contest'].id}/scoreboard",
            f"/contests/rounds/{cw['round'].id}", f"/contests/{cw['contest'].id}/entries")
    _add(db, cw, 5, "a")
    counts_n = [_queries(db, client, url) for url in urls]
    _add(db, cw, 5, "b")
    counts_2n = [_queries(db, client, url) for url in urls]
    assert counts_n == counts_2n
