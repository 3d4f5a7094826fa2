"""The scoreboard, computed by hand: ICPC with a freeze (public frozen, jury live, unfreeze reveals),
IOI with best-per-problem and best-per-subtask, ties, incremental updates, cache, .xlsx export."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest

from tests.contest_helpers import contest_world, fresh_board_cache, judge_result, place_problem  # noqa: F401 (fixtures)

SRC = "print(sum(map(int, input().split())))\n"


def at(hh, mm):
    return datetime(2026, 3, 1, hh, mm, tzinfo=timezone.utc)


def record(clock, user, problem, when, verdict, score=None, subtasks=None):
    """Submit at `when` (server clock) and store the judge's result for it."""
    from contests import judging
    from tinhoc.access import load_actor
    clock.freeze(when)
    sub = judging.submit(load_actor(user.id), problem.id, "python3", SRC)
    res = judge_result(verdict, score if score is not None else (100.0 if verdict == "AC" else 0.0),
                       subtasks=subtasks)
    judging.store_result(sub.id, res)
    return sub


def board(client, contest_id, **params):
    r = client.get(f"/api/contests/{contest_id}/scoreboard", query_string=params)
    assert r.status_code == 200
    return r.get_json()["boards"][0]


def summary(b):
    return [(r["rank"], r["name"], r["total"], r["penalty"]) for r in b["rows"]]


@pytest.fixture
def icpc(db, frozen_clock):
    cw = contest_world(db, scoring="icpc", freeze_minutes=60)   # 07:00–10:00, frozen from 09:00
    cw["problem_b"] = place_problem(db, cw["round"], letter="B", title="Bài B")
    a, b, alice, bob = cw["problem"], cw["problem_b"], cw["alice"], cw["bob"]
    record(frozen_clock, alice, a, at(7, 5), "AC")      # A at minute 5, first solve
    record(frozen_clock, alice, b, at(7, 30), "CE")     # compile errors cost nothing
    record(frozen_clock, bob, a, at(7, 20), "AC")       # A at 20
    record(frozen_clock, bob, b, at(8, 0), "WA")
    record(frozen_clock, bob, b, at(8, 10), "WA")
    record(frozen_clock, bob, b, at(8, 50), "AC")       # B at 110 + 2×20 = 150: first solve of B
    record(frozen_clock, alice, b, at(9, 10), "AC")     # after the freeze: B at 130
    frozen_clock.freeze(at(9, 30))
    return cw


def test_icpc_public_board_is_frozen(client, icpc):
    b = board(client, icpc["contest"].id)
    assert b["frozen"] is True and b["scoring"] == "icpc"
    # bob: 2 solved, 20 + 150 = 170; alice (frozen): 1 solved, 5, B pending
    assert summary(b) == [(1, "Trần Văn Bình", 2.0, 170), (2, "Nguyễn Thị An", 1.0, 5)]
    alice = b["rows"][1]
    assert alice["cells"][0] == {"score": 1.0, "attempts": 1, "minute": 5, "pending": 0, "first": True}
    assert alice["cells"][1]["minute"] is None and alice["cells"][1]["pending"] == 1
    bob = b["rows"][0]
    assert bob["cells"][1]["first"] is True and bob["cells"][1]["attempts"] == 3


def test_icpc_jury_sees_the_live_board(client, login, icpc):
    login("organiser")
    b = board(client, icpc["contest"].id)
    assert b["frozen"] is False
    # alice: 5 + 130 = 135 beats bob's 170 with the same two solved
    assert summary(b) == [(1, "Nguyễn Thị An", 2.0, 135), (2, "Trần Văn Bình", 2.0, 170)]
    assert b["rows"][0]["cells"][1]["first"] is False   # bob solved B first (minute 110)
    # the jury may ask for the public view too
    assert board(client, icpc["contest"].id, view="public")["frozen"] is True


def test_contestant_sees_the_frozen_board_too(client, login, icpc):
    login("alice")
    assert board(client, icpc["contest"].id)["frozen"] is True
    page = client.get(f"/contests/{icpc['contest'].id}/scoreboard").get_data(as_text=True)
    assert "Đóng băng" in page and "Trần Văn Bình" in page


def test_unfreeze_reveals(client, login, icpc, db, app):
    login("organiser")
    r = client.post(f"/contests/rounds/{icpc['round'].id}/unfreeze")
    assert r.status_code == 302
    client.post("/logout")
    b = board(client, icpc["contest"].id)
    assert b["frozen"] is False and summary(b)[0] == (1, "Nguyễn Thị An", 2.0, 135)
    from tinhoc.audit import AuditEntry
    assert db.session.query(AuditEntry).filter_by(action="contest.round.unfreeze").count() == 1


def test_a_new_result_reaches_the_board_and_the_cache_serves_repeats(client, icpc, frozen_clock):
    from contests import board as board_mod
    first = board_mod.contest_board_json(icpc["contest"].id, live=True)
    assert board_mod.contest_board_json(icpc["contest"].id, live=True) is first   # cached bytes
    # a rejected try by alice on A after her AC changes nothing for ICPC but is a new result
    record(frozen_clock, icpc["bob"], icpc["problem"], at(9, 45), "WA")
    after = board_mod.contest_board_json(icpc["contest"].id, live=True)
    assert after is not first


def test_ioi_best_submission_and_ties(client, db, frozen_clock):
    cw = contest_world(db)
    b_problem = place_problem(db, cw["round"], letter="B", title="Bài B")
    record(frozen_clock, cw["alice"], cw["problem"], at(7, 10), "WA", 40.0)
    record(frozen_clock, cw["alice"], cw["problem"], at(7, 20), "WA", 60.0)
    record(frozen_clock, cw["alice"], cw["problem"], at(7, 30), "WA", 10.0)   # later and worse: best stays 60
    record(frozen_clock, cw["alice"], b_problem, at(7, 40), "WA", 40.0)
    record(frozen_clock, cw["bob"], cw["problem"], at(7, 15), "AC", 100.0)
    b = board(client, cw["contest"].id)
    # alice 60 + 40 = 100, bob 100 + 0: the same rank, names in Vietnamese order
    assert summary(b) == [(1, "Nguyễn Thị An", 100.0, None), (1, "Trần Văn Bình", 100.0, None)]
    assert [c["score"] for c in b["rows"][0]["cells"]] == [60.0, 40.0]


SUBTASKS_1 = [("secret", 40.0, 100.0, "WA"), ("secret/group1", 40.0, 40.0, "AC"), ("secret/group2", 0.0, 60.0, "WA")]
SUBTASKS_2 = [("secret", 60.0, 100.0, "WA"), ("secret/group1", 0.0, 40.0, "WA"), ("secret/group2", 60.0, 60.0, "AC")]


@pytest.mark.parametrize("subtask_max,expected", [(True, 100.0), (False, 60.0)])
def test_ioi_best_per_subtask_where_the_round_says_so(client, db, frozen_clock, subtask_max, expected):
    cw = contest_world(db, subtask_max=subtask_max)
    record(frozen_clock, cw["alice"], cw["problem"], at(7, 10), "WA", 40.0, SUBTASKS_1)
    record(frozen_clock, cw["alice"], cw["problem"], at(7, 20), "WA", 60.0, SUBTASKS_2)
    rows = board(client, cw["contest"].id)["rows"]
    assert rows[0]["name"] == "Nguyễn Thị An" and rows[0]["total"] == expected


def test_pending_entries_are_not_on_the_board_and_unknown_contest_404(client, db, frozen_clock):
    cw = contest_world(db)
    names = [r["name"] for r in board(client, cw["contest"].id)["rows"]]
    assert "Lê Thị Châu" not in names and len(names) == 2
    assert client.get("/api/contests/999/scoreboard").status_code == 404
    assert client.get("/contests/999/scoreboard").status_code == 404


def test_xlsx_export_of_the_live_board(client, login, icpc):
    from openpyxl import load_workbook
    login("organiser")
    r = client.get(f"/contests/rounds/{icpc['round'].id}/scoreboard.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("#", "Thí sinh / đội", "Trường", "A", "B")
    assert rows[1][:3] == (1, "Nguyễn Thị An", "Trường THCS An Bình") and rows[1][-1] == 135
    assert rows[2][1] == "Trần Văn Bình" and rows[2][-1] == 170


def test_export_refused_to_another_scope(client, login, icpc):
    login("district")   # an organiser of a district: the province contest is not theirs
    assert client.get(f"/contests/rounds/{icpc['round'].id}/scoreboard.xlsx").status_code == 404
    assert client.post(f"/contests/rounds/{icpc['round'].id}/unfreeze").status_code == 404


def test_state_ttl_spares_the_query_and_delays_a_result_at_most_that_long(app, db, icpc, frozen_clock):
    from contests import board as board_mod
    app.config["CONTEST_BOARD_STATE_TTL"] = 60.0
    try:
        first = board_mod.contest_board_json(icpc["contest"].id, live=True)
        record(frozen_clock, icpc["bob"], icpc["problem"], at(9, 45), "WA")
        assert board_mod.contest_board_json(icpc["contest"].id, live=True) is first   # within the TTL
        board_mod._states.clear()                                                     # the TTL has passed
        assert board_mod.contest_board_json(icpc["contest"].id, live=True) is not first
    finally:
        app.config["CONTEST_BOARD_STATE_TTL"] = 0.0
