"""The role-grant migration turns every existing (user, role) into a province-wide grant."""
from __future__ import annotations

from sqlalchemy import text


def test_existing_roles_become_province_wide_grants(tmp_path):
    from flask_migrate import downgrade, upgrade

    from tinhoc import create_app
    from tinhoc.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite3"})
    with app.app_context():
        upgrade(revision="4423dc2b4756")  # the schema before scoped grants
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO role (id, name) VALUES (1, 'admin'), (2, 'organiser'), (3, 'learner')"))
            conn.execute(text("INSERT INTO \"user\" (id, username, full_name, password_hash, must_change_password,"
                              " active, created_at) VALUES (7, 'an', 'An', 'x', 0, 1, '2026-01-01 00:00:00'),"
                              " (8, 'binh', 'Bình', 'x', 0, 1, '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO user_role (user_id, role_id) VALUES (7, 1), (7, 3), (8, 2)"))
        upgrade()
        with db.engine.connect() as conn:
            grants = conn.execute(text("SELECT user_id, role_id, organisation_id FROM role_grant "
                                       "ORDER BY user_id, role_id")).all()
            versions = conn.execute(text('SELECT session_version FROM "user"')).scalars().all()
        assert [tuple(g) for g in grants] == [(7, 1, None), (7, 3, None), (8, 2, None)]
        assert versions == [0, 0]
        downgrade(revision="4423dc2b4756")  # and back: the province-wide grants return to user_role
        with db.engine.connect() as conn:
            back = conn.execute(text("SELECT user_id, role_id FROM user_role ORDER BY user_id, role_id")).all()
        assert [tuple(r) for r in back] == [(7, 1), (7, 3), (8, 2)]
        db.engine.dispose()
