"""Saving answers: the hot path of a wave of candidates.

A save carries a per-attempt sequence number: an item is written only by a save newer than the one
that last wrote it, so a retried or late save never overwrites a newer answer, and replaying a save
changes nothing. A save loads no ORM object, not even the user (the endpoint is in
security.SELF_AUTHENTICATED):
  1. the attempt row is updated, only while it is open and in time and the request's session still
     holds; this also takes its row lock (the write lock on SQLite), so two tabs' saves of one
     attempt are applied one after the other;
  2. the items are written, each only if this save is newer than the one that wrote it.
On PostgreSQL a save of one answer (the usual one) does both in a single statement, in autocommit;
otherwise they are two statements in one transaction. The items' option orders (shown position →
stored option) are fixed when the attempt starts: a web process keeps those the attempt page (or a
first save) read, tied to the attempt's seed, and never reads them per save.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Boolean, Integer, bindparam, case, func, select, update

from tinhoc import clock
from tinhoc.accounts.services import load_session_user, session_user_clause
from tinhoc.extensions import db

from . import services
from .errors import AttemptClosed, DeliveryError, NotFound, SessionEnded
from .models import AttemptItem, ExamAttempt

MAX_TEXT = 20_000      # characters of one typed answer (an essay)
MAX_PARTS = 200        # options ticked / pairs matched in one answer
MAX_ITEMS = 500        # answers in one save

_ITEMS = AttemptItem.__table__
_ATTEMPTS = ExamAttempt.__table__
_WRITE_ITEM = (update(_ITEMS)
               .where(_ITEMS.c.id == bindparam("b_id"), _ITEMS.c.attempt_id == bindparam("b_attempt"),
                      _ITEMS.c.saved_seq < bindparam("b_seq"))
               .values(response=bindparam("b_response"),
                       flagged=func.coalesce(bindparam("b_flagged", type_=Boolean), _ITEMS.c.flagged),
                       saved_seq=bindparam("b_seq"), answered_at=bindparam("b_at")))


def _save_attempt(check_session: bool):
    """The attempt's UPDATE, built once (its cache key too): only while open and in time, and, for the
    endpoint, only while the request's session holds."""
    where = [_ATTEMPTS.c.id == bindparam("a_id"), _ATTEMPTS.c.user_id == bindparam("a_user"),
             _ATTEMPTS.c.state == "open", _ATTEMPTS.c.deadline_at >= bindparam("a_cutoff")]
    if check_session:
        where.append(session_user_clause(bindparam("a_user"), bindparam("a_version")))
    seq = bindparam("a_seq", type_=Integer)
    return (update(_ATTEMPTS).where(*where)
            .values(last_seq=case((_ATTEMPTS.c.last_seq < seq, seq), else_=_ATTEMPTS.c.last_seq),
                    last_saved_at=bindparam("a_at"))
            .returning(_ATTEMPTS.c.id, _ATTEMPTS.c.seed, _ATTEMPTS.c.deadline_at))


_SAVE_ATTEMPT = {False: _save_attempt(False), True: _save_attempt(True)}


@dataclass(frozen=True)
class Saved:
    seq: int
    at: datetime
    stale: tuple[int, ...]     # items this save did not write: a newer save had written them
    remaining: int


def normalise(response, option_order: list[int] | None):
    """The candidate's answer in the question type's shape, with shown option positions mapped back
    to the stored options; DeliveryError for anything else."""
    def option(value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise DeliveryError(_("Câu trả lời không hợp lệ."))
        if option_order is not None:
            if not 0 <= value < len(option_order):
                raise DeliveryError(_("Câu trả lời không hợp lệ."))
            return option_order[value]
        return value
    if response is None or response == "" or response == []:
        return None
    if isinstance(response, int) and not isinstance(response, bool):
        return option(response)
    if isinstance(response, str):
        if len(response) > MAX_TEXT:
            raise DeliveryError(_("Câu trả lời dài quá %(n)d ký tự.", n=MAX_TEXT))
        return response.replace("\x00", "")
    if isinstance(response, list) and len(response) <= MAX_PARTS:
        return sorted({option(v) for v in response})
    if isinstance(response, dict) and len(response) <= MAX_PARTS and all(
            isinstance(k, str) and len(k) <= 10 and isinstance(v, str) and len(v) <= 500 for k, v in response.items()):
        return {k: v for k, v in response.items() if v} or None
    raise DeliveryError(_("Câu trả lời không hợp lệ."))


class _OptionOrders:
    """Per process: attempt id → (seed, {item id: option order}). The seed is drawn at random when the
    attempt starts, so a reused attempt id (SQLite after a delete) never meets another's orders."""

    def __init__(self, capacity: int = 5000):
        self.capacity = capacity
        self.entries: OrderedDict[int, tuple[int, dict[int, list[int] | None]]] = OrderedDict()
        self.lock = threading.Lock()

    def peek(self, attempt_id: int) -> tuple[int, dict[int, list[int] | None]] | None:
        """(seed, orders) if this process has read them already; no query."""
        with self.lock:
            entry = self.entries.get(attempt_id)
            if entry is not None:
                self.entries.move_to_end(attempt_id)
            return entry

    def get(self, attempt_id: int, seed: int, *, refresh: bool = False) -> dict[int, list[int] | None]:
        entry = None if refresh else self.peek(attempt_id)
        if entry is not None and entry[0] == seed:
            return entry[1]
        orders = dict(db.session.execute(select(_ITEMS.c.id, _ITEMS.c.option_order)
                                         .where(_ITEMS.c.attempt_id == attempt_id)).all())
        self.put(attempt_id, seed, orders)
        return orders

    def put(self, attempt_id: int, seed: int, orders: dict[int, list[int] | None]) -> None:
        """Keep what a caller has read anyway (the attempt page loads every item)."""
        with self.lock:
            self.entries[attempt_id] = (seed, orders)
            self.entries.move_to_end(attempt_id)
            while len(self.entries) > self.capacity:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


option_orders = _OptionOrders()


def _valid(seq, answers) -> bool:
    return isinstance(seq, int) and not isinstance(seq, bool) and 0 < seq < 2**31 and isinstance(answers, list) \
        and len(answers) <= MAX_ITEMS and all(isinstance(a, dict) and isinstance(a.get("item"), int) for a in answers)


def save_answers(user_id: int, attempt_id: int, seq: int, answers: list[dict], *,
                 session_version: int | None = None) -> Saved:
    """Write `answers` ([{"item": id, "response": …, "flagged": bool}]) of the save numbered `seq`.
    Refused (AttemptClosed) once the attempt is over; the answers saved before stay. A refused or
    malformed save leaves nothing behind (the attempt's update is rolled back too).

    With `session_version` (the save endpoint, which does not load the user), the request's session
    is checked in the same UPDATE, as Flask-Login's user loader would: SessionEnded when it no longer
    holds."""
    if not isinstance(attempt_id, int) or not user_id:
        raise NotFound(_("Không tìm thấy bài làm."))
    valid = _valid(seq, answers)
    now = clock.now()
    params = {"a_id": attempt_id, "a_user": user_id, "a_version": session_version, "a_seq": seq, "a_at": now,
              "a_cutoff": now - services.SAVE_GRACE}
    if valid and len(answers) == 1 and db.engine.dialect.name == "postgresql":
        saved = _save_one(params, answers[0], session_version is not None)
        if saved is not None:
            return saved
    # Through the session's connection, not the ORM: no ORM event sees the save (the kept target
    # figures, for one, have nothing to recount because a candidate saved an answer).
    attempt = db.session.connection().execute(_SAVE_ATTEMPT[session_version is not None], params).one_or_none() \
        if valid else None
    if attempt is None:
        _refuse(user_id, attempt_id, valid, now, session_version)
    try:
        writes = _item_writes(attempt, seq, answers, now)
    except DeliveryError:
        db.session.rollback()
        raise
    stale = _write(writes, seq)
    db.session.commit()
    return Saved(seq, now, stale, max(0, int((attempt.deadline_at - now).total_seconds())))


def _one_statement(check_session: bool):
    """PostgreSQL: the attempt's UPDATE and one answer's UPDATE in a single statement (data-modifying
    CTEs), run in autocommit: one round trip instead of BEGIN, two UPDATEs and COMMIT. The answer is
    written only if the attempt was (open, in time, the session holds) and still has the seed its
    cached option orders were read for; `written` says whether a newer save had written it."""
    attempt = _save_attempt(check_session).cte("saved_attempt")
    seq = bindparam("a_seq", type_=Integer)
    item = (update(_ITEMS)
            .where(_ITEMS.c.id == bindparam("b_id"), _ITEMS.c.attempt_id == attempt.c.id,
                   attempt.c.seed == bindparam("b_seed"), _ITEMS.c.saved_seq < seq)
            .values(response=bindparam("b_response"),
                    flagged=func.coalesce(bindparam("b_flagged", type_=Boolean), _ITEMS.c.flagged),
                    saved_seq=seq, answered_at=bindparam("a_at"))
            .returning(_ITEMS.c.id).cte("saved_item"))
    written = select(func.count()).select_from(item).scalar_subquery()
    return select(attempt.c.id, attempt.c.seed, attempt.c.deadline_at, written.label("written"))


_ONE_STATEMENT = {}


def _save_one(params: dict, change: dict, check_session: bool) -> Saved | None:
    """The common save (one answer, its attempt's option orders already read by this process) in one
    statement; None when it does not apply or wrote nothing (the caller takes the general path, which
    also says why a save is refused)."""
    cached = option_orders.peek(params["a_id"])
    if cached is None or change["item"] not in cached[1]:
        return None
    seed, orders = cached
    flagged = change.get("flagged")
    values = dict(params, b_id=change["item"], b_seed=seed, b_flagged=None if flagged is None else bool(flagged),
                  b_response=normalise(change.get("response"), orders[change["item"]]))
    if check_session not in _ONE_STATEMENT:
        _ONE_STATEMENT[check_session] = _one_statement(check_session)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        row = connection.execute(_ONE_STATEMENT[check_session], values).one_or_none()
    if row is None or row.seed != seed:   # refused (the general path says why), or another attempt's id
        return None
    now = params["a_at"]
    return Saved(params["a_seq"], now, () if row.written else (change["item"],),
                 max(0, int((row.deadline_at - now).total_seconds())))


def _item_writes(attempt, seq: int, answers: list[dict], now: datetime) -> list[dict]:
    """The parameters of _WRITE_ITEM for each answer; DeliveryError for an item not of this attempt."""
    orders = option_orders.get(attempt.id, attempt.seed)
    if any(change["item"] not in orders for change in answers):
        orders = option_orders.get(attempt.id, attempt.seed, refresh=True)   # read again before refusing
    writes = {}
    for change in answers:
        item_id = change["item"]
        if item_id not in orders:
            raise DeliveryError(_("Yêu cầu lưu không hợp lệ."))
        flagged = change.get("flagged")
        writes[item_id] = {"b_id": item_id, "b_attempt": attempt.id, "b_seq": seq, "b_at": now,
                           "b_response": normalise(change.get("response"), orders[item_id]),
                           "b_flagged": None if flagged is None else bool(flagged)}
    return list(writes.values())


def _write(writes: list[dict], seq: int) -> tuple[int, ...]:
    """Run the item writes; the items a newer save had already written (left as they are)."""
    if not writes:
        return ()
    connection = db.session.connection()
    if len(writes) == 1:
        return () if connection.execute(_WRITE_ITEM, writes[0]).rowcount == 1 else (writes[0]["b_id"],)
    connection.execute(_WRITE_ITEM, writes)
    ids = [w["b_id"] for w in writes]
    return tuple(sorted(row.id for row in connection.execute(
        select(_ITEMS.c.id).where(_ITEMS.c.id.in_(ids), _ITEMS.c.saved_seq != seq))))


def _refuse(user_id: int, attempt_id: int, valid: bool, now: datetime, session_version: int | None):
    """Why a save wrote nothing (the slow path): the session ended, not the candidate's attempt, a
    malformed request, or the attempt is over (closed here when its deadline has passed)."""
    db.session.rollback()
    if session_version is not None:
        user = load_session_user(f"{user_id}:{session_version}")
        if user is None or not user.active or user.must_change_password:
            raise SessionEnded(must_change_password=user is not None and user.must_change_password)
    attempt = services.own_attempt(user_id, attempt_id, lock=True)
    if not valid:
        raise DeliveryError(_("Yêu cầu lưu không hợp lệ."))
    if attempt.state == "open" and now > attempt.deadline_at + services.SAVE_GRACE:
        services.finish_attempt(attempt, "closed")
    raise AttemptClosed(_("Đã hết giờ làm bài (hoặc bài đã nộp): câu trả lời này không được lưu. "
                          "Các câu đã lưu trước đó vẫn được giữ."), attempt.last_seq)
