"""The one clock of the application: the server's time is the only truth for windows.

Tests freeze it with `clock.freeze(datetime)` / `clock.unfreeze()` (see the `frozen_clock` fixture).
All datetimes are timezone-aware UTC; templates show them in Asia/Ho_Chi_Minh.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

_frozen: datetime | None = None


def now() -> datetime:
    """Current UTC time, or the frozen time in tests."""
    return _frozen if _frozen is not None else datetime.now(timezone.utc)


def freeze(at: datetime) -> None:
    global _frozen
    _frozen = at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def advance(delta: timedelta) -> None:
    global _frozen
    if _frozen is None:
        raise RuntimeError("the clock is not frozen")
    _frozen = _frozen + delta


def unfreeze() -> None:
    global _frozen
    _frozen = None


def as_utc(value: datetime | None) -> datetime | None:
    """Databases like SQLite return naive datetimes; they are UTC by our convention."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
