"""The embedded default (one SQLite file shared by several gunicorn workers and threads): every
connection waits for a busy lock instead of failing at once, and readers go on while one request writes
(a login or a save on a loaded machine once failed with "database is locked")."""
from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy import text

from tinhoc import create_app
from tinhoc import config
from tinhoc.db_types import SQLITE_BUSY_TIMEOUT_MS
from tinhoc.extensions import db


def _file_app(tmp_path):
    class FileConfig(config.TestConfig):
        def __init__(self, instance_path):
            super().__init__(instance_path)
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    return create_app(FileConfig)


def test_file_connections_wait_for_locks_and_use_the_write_ahead_log(tmp_path):
    app = _file_app(tmp_path)
    with app.app_context():
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        db.session.remove()
        db.engine.dispose()


def test_readers_are_not_blocked_while_another_connection_holds_the_write_lock(tmp_path):
    app = _file_app(tmp_path)
    path = tmp_path / "site.sqlite3"
    with app.app_context():
        db.session.execute(text("CREATE TABLE answer (id INTEGER PRIMARY KEY, body TEXT)"))
        db.session.execute(text("INSERT INTO answer (body) VALUES ('first')"))
        db.session.commit()

        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN EXCLUSIVE")   # in rollback-journal mode this shuts every reader out
        writer.execute("UPDATE answer SET body = 'second'")
        started = time.monotonic()
        assert db.session.execute(text("SELECT body FROM answer")).scalar() == "first"
        assert time.monotonic() - started < 1.0
        db.session.rollback()

        # A second writer queues behind the first instead of failing, and its write lands.
        done = threading.Event()
        errors: list[Exception] = []

        def second_writer():
            try:
                with app.app_context():
                    db.session.execute(text("UPDATE answer SET body = body || ' + third'"))
                    db.session.commit()
                    db.session.remove()
            except Exception as exc:   # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
            finally:
                done.set()

        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(0.5)
        assert not done.is_set()          # still waiting for the lock, not failed
        writer.execute("COMMIT")
        writer.close()
        thread.join(10)
        assert errors == []
        assert db.session.execute(text("SELECT body FROM answer")).scalar() == "second + third"
        db.session.remove()
        db.engine.dispose()
