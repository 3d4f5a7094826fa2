"""The scoreboard: one cell per (entry, problem), recomputed from that pair's submissions when a
result arrives (never from all submissions on a request), and the board JSON cached per round
state (its board_version and whether it is frozen).

IOI: a problem's score is the best submission's, or with `subtask_max` the sum over subtasks of the
best score each subtask got in any submission; the total is the sum. ICPC: solved problems, then
penalty (minutes from the start to the first AC + 20 per rejected try before it; compile errors and
internal errors do not count), first-solve marks. The frozen values count only submissions made
before the freeze; later ones show as pending until the jury reveals the board.
"""
from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

from sqlalchemy import select, update

from tinhoc import clock, text
from tinhoc.extensions import db
from tinhoc.orgs.models import Organisation

from .models import Contest, Division, Entry, Round, ScoreCell, Submission

PENALTY_MINUTES = 20
NOT_COUNTED = ("CE", "IE")

_cache: dict[tuple, tuple[tuple, bytes]] = {}
_states: dict[tuple, tuple[float, list]] = {}   # (db, contest) -> (monotonic time read, round states)
_cache_lock = threading.Lock()


def lock_cell(sub: Submission) -> ScoreCell:
    """The submission's cell, locked for this transaction (two results for one cell queue here)."""
    cell = db.session.scalar(select(ScoreCell).where(ScoreCell.entry_id == sub.entry_id,
                                                     ScoreCell.problem_id == sub.problem_id).with_for_update())
    if cell is None:
        cell = ScoreCell(round_id=sub.problem.round_id, entry_id=sub.entry_id, problem_id=sub.problem_id)
        db.session.add(cell)
    return cell


def _leaf_subtasks(subtasks: list[dict]) -> list[dict]:
    names = [s["name"] for s in subtasks]
    return [s for s in subtasks if not any(o != s["name"] and o.startswith(s["name"].rstrip("/") + "/")
                                           for o in names)]


def _ioi_score(rows, subtask_max: bool) -> float:
    if not rows:
        return 0.0
    if subtask_max:
        best: dict[str, float] = {}
        for row in rows:
            for s in _leaf_subtasks((row.result or {}).get("subtasks") or []):
                best[s["name"]] = max(best.get(s["name"], 0.0), float(s["score"]))
        if best:
            return round(max(sum(best.values()), max(r.score or 0.0 for r in rows)), 6)
    return max(r.score or 0.0 for r in rows)


def _summary(rows, rnd: Round) -> tuple[float, int, int | None]:
    """(score, attempts, solved minute) of the judged submissions `rows` in time order."""
    if rnd.scoring == "icpc":
        attempts = 0
        for row in rows:
            if row.verdict in NOT_COUNTED:
                continue
            attempts += 1
            if row.verdict == "AC":
                minute = int((clock.as_utc(row.created_at) - clock.as_utc(rnd.starts_at)).total_seconds() // 60)
                return 1.0, attempts, minute
        return 0.0, attempts, None
    return _ioi_score(rows, rnd.subtask_max), len(rows), None


def recompute_cell(cell: ScoreCell, rnd: Round) -> None:
    subs = list(db.session.scalars(select(Submission).where(Submission.entry_id == cell.entry_id,
                                                            Submission.problem_id == cell.problem_id)
                                   .order_by(Submission.created_at, Submission.id)))
    done = [s for s in subs if s.status == "done"]
    freeze_at = rnd.freeze_at
    before = done if freeze_at is None else [s for s in done if clock.as_utc(s.created_at) < freeze_at]
    cell.score, cell.attempts, cell.solved_minute = _summary(done, rnd)
    cell.frozen_score, cell.frozen_attempts, cell.frozen_solved_minute = _summary(before, rnd)
    cell.pending_after_freeze = 0 if freeze_at is None else sum(
        1 for s in subs if clock.as_utc(s.created_at) >= freeze_at)
    db.session.execute(update(Round).where(Round.id == rnd.id).values(board_version=Round.board_version + 1))


def touch(*round_ids: int) -> None:
    """Mark rounds' boards changed (a problem added, an entry approved): the cache rebuilds them."""
    if round_ids:
        db.session.execute(update(Round).where(Round.id.in_(round_ids))
                           .values(board_version=Round.board_version + 1))


def recompute_round(rnd: Round) -> None:
    """Every cell of a round again (after a rejudge or a change of scoring rules)."""
    for cell in db.session.scalars(select(ScoreCell).where(ScoreCell.round_id == rnd.id)):
        recompute_cell(cell, rnd)


def build_round_board(rnd: Round, live: bool) -> dict:
    """The board of one round: live values for the jury, frozen ones for everyone else while frozen."""
    frozen = not live and rnd.is_frozen()
    problems = list(rnd.problems)
    entries = db.session.execute(
        select(Entry.id, Entry.name, Organisation.name).outerjoin(Organisation, Organisation.id == Entry.school_id)
        .where(Entry.division_id == rnd.division_id, Entry.status == "approved")).all()
    cells = {(c.entry_id, c.problem_id): c for c in db.session.scalars(
        select(ScoreCell).where(ScoreCell.round_id == rnd.id))}
    icpc = rnd.scoring == "icpc"
    first: dict[int, int] = {}
    rows = []
    for entry_id, name, school in entries:
        out_cells, total, penalty = [], 0.0, 0
        for p in problems:
            c = cells.get((entry_id, p.id))
            if c is None:
                out_cells.append({"score": 0.0, "attempts": 0, "minute": None, "pending": 0})
                continue
            score, attempts, minute = ((c.frozen_score, c.frozen_attempts, c.frozen_solved_minute) if frozen
                                       else (c.score, c.attempts, c.solved_minute))
            out_cells.append({"score": score, "attempts": attempts, "minute": minute,
                              "pending": c.pending_after_freeze if frozen else 0})
            total += score
            if icpc and minute is not None:
                penalty += minute + PENALTY_MINUTES * (attempts - 1)
                first[p.id] = min(first.get(p.id, minute), minute)
        rows.append({"entry_id": entry_id, "name": name, "school": school or "", "total": round(total, 6),
                     "penalty": penalty if icpc else None, "cells": out_cells})
    if icpc:
        for row in rows:
            for p, c in zip(problems, row["cells"]):
                c["first"] = c["minute"] is not None and c["minute"] == first.get(p.id)
        key = lambda r: (-r["total"], r["penalty"], text.sort_key(r["name"]))  # noqa: E731
        rank_key = lambda r: (r["total"], r["penalty"])  # noqa: E731
    else:
        key = lambda r: (-r["total"], text.sort_key(r["name"]))  # noqa: E731
        rank_key = lambda r: r["total"]  # noqa: E731
    rows.sort(key=key)
    for i, row in enumerate(rows):
        row["rank"] = rows[i - 1]["rank"] if i and rank_key(rows[i - 1]) == rank_key(row) else i + 1
    division = rnd.division
    return {"division": division.code, "division_name": division.name, "round_id": rnd.id, "round": rnd.title,
            "scoring": rnd.scoring, "frozen": frozen,
            "freeze_at": rnd.freeze_at.isoformat() if rnd.freeze_at else None,
            "problems": [{"id": p.id, "letter": p.letter, "title": p.title, "max_score": p.max_score}
                         for p in problems],
            "rows": rows}


def _round_states(contest_id: int) -> list[tuple]:
    return db.session.execute(
        select(Round.id, Round.board_version, Round.ends_at, Round.freeze_minutes, Round.unfrozen_at)
        .join(Division, Division.id == Round.division_id)
        .where(Division.contest_id == contest_id, Round.kind == "programming")
        .order_by(Division.code, Round.starts_at, Round.id)).all()


def _states_for(db_key: str, contest_id: int) -> list[tuple]:
    """The rounds' states, read from the database at most once per CONTEST_BOARD_STATE_TTL seconds
    per process: a busy board costs no query at all, and a new result shows within that time."""
    from flask import current_app
    ttl = float(current_app.config.get("CONTEST_BOARD_STATE_TTL", 0) or 0)
    key = (db_key, contest_id)
    if ttl > 0:
        with _cache_lock:
            seen = _states.get(key)
        if seen is not None and time.monotonic() - seen[0] < ttl:
            return seen[1]
    states = _round_states(contest_id)
    if ttl > 0:
        with _cache_lock:
            _states[key] = (time.monotonic(), states)
    return states


def contest_board_json(contest_id: int, live: bool) -> bytes | None:
    """The contest's boards (one per programming round) as JSON bytes, cached per round state;
    None when the contest does not exist. A request that hits the cache costs at most one small query."""
    now = clock.now()
    db_key = db.engine.url.render_as_string()
    states = _states_for(db_key, contest_id)
    state = tuple((rid, version, not live and bool(freeze) and unfrozen is None
                   and now >= clock.as_utc(ends) - timedelta(minutes=freeze))
                  for rid, version, ends, freeze, unfrozen in states)
    key = (db_key, contest_id, live)
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == state:
        return hit[1]
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        return None
    boards = [build_round_board(db.session.get(Round, rid), live) for rid, *_rest in states]
    body = json.dumps({"contest": {"id": contest.id, "title": contest.title, "year": contest.year},
                       "live": live, "boards": boards}, ensure_ascii=False, separators=(",", ":")).encode()
    with _cache_lock:
        _cache[key] = (state, body)
    return body


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
        _states.clear()


def reveal(actor, rnd: Round) -> None:
    """Unfreeze: the public board shows the live values from now on."""
    from tinhoc.audit import record as audit
    rnd.unfrozen_at = clock.now()
    rnd.board_version = rnd.board_version + 1
    audit(actor, "contest.round.unfreeze", "contest_round", rnd.id)
    db.session.commit()


def export_xlsx(rnd: Round) -> bytes:
    """The live board of a round as a spreadsheet (text cells guarded against formulas)."""
    from openpyxl import Workbook

    from tinhoc.orgs.spreadsheets import header_cells, text_cell, workbook_bytes
    board = build_round_board(rnd, live=True)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(board["division"][:30] or "board")
    titles = ["#", "Thí sinh / đội", "Trường", *[p["letter"] for p in board["problems"]], "Tổng"]
    if rnd.scoring == "icpc":
        titles.append("Phạt (phút)")
    sheet.append(header_cells(sheet, titles))
    for row in board["rows"]:
        line = [row["rank"], text_cell(sheet, row["name"]), text_cell(sheet, row["school"]),
                *[c["score"] for c in row["cells"]], row["total"]]
        if rnd.scoring == "icpc":
            line.append(row["penalty"])
        sheet.append(line)
    return workbook_bytes(workbook)
