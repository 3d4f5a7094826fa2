"""Organisers' long jobs off the request: verifying a problem package, judging a rejudge preview.

Either can take minutes (reference solutions running to the time limit on every test; five hundred
submissions judged again), longer than gunicorn or a proxy lets a request live. The request records
the job in the database and returns a page that polls it; the job runs here, on a few threads of its
own (CONTEST_BACKGROUND_WORKERS per web process), so it never waits behind, nor delays, the
contestants' submissions in the judge pool. CONTEST_BACKGROUND_VIA: "thread" (default), "inline"
(run in the request, as the tests do), "none" (leave it: the next start-up picks it up).

A job must be safe to run twice (a start-up may pick up one that a live sibling process still runs):
each one settles its row with a guarded UPDATE.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from tinhoc.extensions import db

log = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def executor(app) -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            n = max(1, int(app.config.get("CONTEST_BACKGROUND_WORKERS", 2)))
            _executor = ThreadPoolExecutor(max_workers=n, thread_name_prefix="contest-bg")
        return _executor


def run(app, fn, *args) -> bool:
    """Run fn(*args) as the configuration says; True when it ran or was sent."""
    via = app.config.get("CONTEST_BACKGROUND_VIA") or "thread"
    if via == "none":
        return False
    if via == "inline":
        fn(*args)
        return True
    executor(app).submit(_in_context, app, fn, args)
    return True


def _in_context(app, fn, args) -> None:
    with app.app_context():
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - a thread's failure must reach the log, not vanish
            log.exception("background job %s%r failed; the next start-up takes it up again", fn.__name__, args)
        finally:
            db.session.remove()


__all__ = ["executor", "run"]
