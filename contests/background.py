"""Organisers' long jobs off the request: verifying a problem package, judging a rejudge preview.

Either can take minutes (reference solutions running to the time limit on every test; five hundred
submissions judged again), longer than gunicorn or a proxy lets a request live. The request records
the job in the database and returns a page that polls it; the job runs here, on a few threads of its
own (CONTEST_BACKGROUND_WORKERS per web process), so it never waits behind, nor delays, the
contestants' submissions in the judge pool. CONTEST_BACKGROUND_VIA: "thread" (default), "inline"
(run in the request, as the tests do), "none" (leave it for another process).

Each kind of job is a `Kind` in `KINDS`: its table (with `id`, `state`, `started_at`), the state it
is pending in, and the function that does it. While a job runs, a heartbeat thread touches its
`started_at` every CONTEST_BACKGROUND_STALE_SECONDS / 4; a pending job whose heartbeat stopped for
CONTEST_BACKGROUND_STALE_SECONDS (its process died: a crash, a deploy, gunicorn's max-requests) is
claimed again, by a compare-and-set on `started_at`, when any web process starts (`resume_all`) or
when its page polls it (`revive`), so it neither waits for a restart nor runs twice side by side. A
job must still be safe to run twice (a claim can race a job that is just finishing): each settles its
row with a guarded UPDATE.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import or_, update

from tinhoc import clock
from tinhoc.extensions import db

log = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    pending: str                      # the state the row is in while the job has not settled it
    job: Callable[[int], object]      # does the job for one row id, in an app context


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def stale_seconds(app) -> float:
    return float(app.config.get("CONTEST_BACKGROUND_STALE_SECONDS", 60))


def executor(app) -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            n = max(1, int(app.config.get("CONTEST_BACKGROUND_WORKERS", 2)))
            _executor = ThreadPoolExecutor(max_workers=n, thread_name_prefix="contest-bg")
        return _executor


def run(app, kind: Kind, row_id: int) -> bool:
    """Do the job as the configuration says; True when it ran or was sent. The row was claimed
    (its `started_at` set) by whoever calls this."""
    via = app.config.get("CONTEST_BACKGROUND_VIA") or "thread"
    if via == "none":
        return False
    if via == "inline":
        kind.job(row_id)
        return True
    executor(app).submit(_in_context, app, kind, row_id)
    return True


def _in_context(app, kind: Kind, row_id: int) -> None:
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(app, kind, row_id, stop), daemon=True,
                            name=f"contest-bg-beat-{kind.name}-{row_id}")
    beat.start()
    with app.app_context():
        try:
            kind.job(row_id)
        except Exception:  # noqa: BLE001 - a thread's failure must reach the log, not vanish
            log.exception("background job %s %s failed; it is taken up again once stale", kind.name, row_id)
        finally:
            stop.set()
            db.session.remove()
    beat.join(timeout=5)


def _heartbeat(app, kind: Kind, row_id: int, stop: threading.Event) -> None:
    while not stop.wait(stale_seconds(app) / 4):
        with app.app_context():
            try:
                touch(kind, row_id)
            except Exception:  # noqa: BLE001 - a missed beat only risks a second, harmless run
                log.warning("heartbeat of %s %s failed", kind.name, row_id, exc_info=True)
            finally:
                db.session.remove()


def touch(kind: Kind, row_id: int) -> None:
    """One heartbeat: the job is alive."""
    db.session.execute(update(kind.model).where(kind.model.id == row_id, kind.model.state == kind.pending)
                       .values(started_at=clock.now()))
    db.session.commit()


def claim(app, kind: Kind, row_ids: list[int] | None = None) -> list[int]:
    """Claim the pending rows (all, or these) whose heartbeat stopped: only one process gets each."""
    now = clock.now()
    model = kind.model
    stmt = (update(model)
            .where(model.state == kind.pending,
                   or_(model.started_at.is_(None), model.started_at < now - timedelta(seconds=stale_seconds(app))))
            .values(started_at=now)
            .returning(model.id))
    if row_ids is not None:
        stmt = stmt.where(model.id.in_(row_ids))
    claimed = list(db.session.scalars(stmt))
    db.session.commit()
    return claimed


def revive(app, kind: Kind, row_id: int) -> bool:
    """Called when a pending job's page polls it: take it up again if its process died."""
    return bool(claim(app, kind, [row_id])) and run(app, kind, row_id)


def resume_all(app) -> int:
    """At start-up: take up every job of every kind that a dead process left."""
    with app.app_context():
        try:
            claimed = [(kind, row_id) for kind in KINDS.values() for row_id in claim(app, kind)]
            return sum(run(app, kind, row_id) for kind, row_id in claimed)
        finally:
            db.session.remove()


__all__ = ["KINDS", "Kind", "claim", "executor", "register", "resume_all", "revive", "run", "touch"]
