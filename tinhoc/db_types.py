"""Column types shared by every model."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, String
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite forgets the zone; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use tinhoc.clock.now()")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def ascii_path(length: int = 255) -> String:
    """A string compared byte by byte (collation C on PostgreSQL) so prefix ranges use the index."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


SQLITE_BUSY_TIMEOUT_MS = 30_000


def configure_sqlite_connection(dbapi_connection, _record=None) -> None:
    """Engine "connect" hook for the embedded default: several gunicorn workers and threads share one
    SQLite file. Write-ahead logging lets readers (the waiting room's polls, the attempt pages) go on
    while one request writes, and a writer waits up to 30 s for the lock instead of the driver's 5 s,
    so a login or a save on a busy machine queues rather than failing with "database is locked"."""
    import sqlite3
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if cursor.execute("PRAGMA database_list").fetchone()[2]:   # a file, not ":memory:"
            cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()
