"""`flask db upgrade` on an empty database reaches the models, on SQLite and on PostgreSQL."""
from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text


def _upgrade_and_diff(database_url: str) -> list:
    from flask_migrate import upgrade

    from tinhoc import create_app
    from tinhoc.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        db.engine.dispose()
    return diff


def test_migrations_reach_the_models_on_sqlite(tmp_path):
    diff = _upgrade_and_diff(f"sqlite:///{tmp_path}/migrated.sqlite3")
    assert diff == [], f"models and migrations drifted apart; run `flask db migrate`: {diff}"


@pytest.mark.db
@pytest.mark.skipif(not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
                    reason="TEST_DATABASE_URL does not name a PostgreSQL database")
def test_migrations_reach_the_models_on_postgresql():
    base = os.environ["TEST_DATABASE_URL"]
    name = f"tinhoc_migr_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        diff = _upgrade_and_diff(base.rsplit("/", 1)[0] + "/" + name)
        assert diff == [], f"models and migrations drifted apart on PostgreSQL: {diff}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
