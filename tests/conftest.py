"""Shared fixtures: the app on SQLite (or TEST_DATABASE_URL), a client, login helper, factories, clock."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret")


def _per_worker_servers() -> None:
    """Under pytest-xdist (`make test` runs `-n 2`) each worker gets its own PostgreSQL database
    (`test_gw0`, created when missing) and its own Redis database number: the tests clear the tables
    and the rate-limit counters between tests, which two workers sharing one would do to each other."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    number = int(worker.removeprefix("gw") or 0)
    url = os.environ.get("TEST_DATABASE_URL") or ""
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url
        base = make_url(url)
        name = f"{base.database}_{worker}"
        engine = create_engine(base, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        os.environ["TEST_DATABASE_URL"] = base.set(database=name).render_as_string(hide_password=False)
    redis = os.environ.get("TEST_REDIS_URL") or ""
    if redis:
        from urllib.parse import urlsplit, urlunsplit
        parts = urlsplit(redis)
        os.environ["TEST_REDIS_URL"] = urlunsplit(parts._replace(path=f"/{10 + number}"))


_per_worker_servers()

TEST_PASSWORD = "mat-khau-123"
NEEDS_DB = {"app", "db", "client", "login", "make_user", "make_org", "make_position", "make_person", "staff_setup",
            "grant", "world"}


def pytest_collection_modifyitems(config, items):
    """Tests that touch the database get the `db` marker so CI can run them again on PostgreSQL."""
    for item in items:
        if NEEDS_DB & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def _isolated_client_class():
    """Each test request runs in its own app context, as in production: `g` (the logged-in user,
    the chosen locale) and the database session never leak from one request or client to another."""
    from flask.testing import FlaskClient

    class IsolatedClient(FlaskClient):
        def open(self, *args, **kwargs):
            with self.application.app_context():
                return super().open(*args, **kwargs)
    return IsolatedClient


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With TINHOC_REQUIRE_SANDBOX=1 (set by .ci/run) a sandbox test may not skip: a CI machine
    without a working sandbox must fail loudly instead of passing with the judge untested."""
    outcome = yield
    report = outcome.get_result()
    if (report.skipped and not hasattr(report, "wasxfail")
            and os.environ.get("TINHOC_REQUIRE_SANDBOX") == "1"
            and item.get_closest_marker("sandbox") is not None):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"sandbox test skipped while TINHOC_REQUIRE_SANDBOX=1: {reason}"


@pytest.fixture(scope="session")
def _app(tmp_path_factory):
    from tinhoc import create_app
    from tinhoc.config import TestConfig
    from tinhoc.extensions import db as _db

    os.environ["TINHOC_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    app = create_app(TestConfig)
    app.test_client_class = _isolated_client_class()
    with app.app_context():
        # Every table the database holds, not only today's models: a test database left by an
        # older schema (a table since renamed) would otherwise block dropping the ones it references.
        from sqlalchemy import MetaData
        stale = MetaData()
        stale.reflect(bind=_db.engine)
        stale.drop_all(bind=_db.engine)
        _db.create_all()
    return app


@pytest.fixture
def app(_app):
    """The app with a clean database and fresh rate-limit counters for each test."""
    from tinhoc.extensions import db as _db, limiter

    from exams.delivery import saving

    with _app.app_context():
        limiter.reset()
        saving.option_orders.clear()   # row ids are reused from one test to the next on SQLite
        yield _app
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def db(app):
    from tinhoc.extensions import db as _db
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(db):
    """make_user("name", roles=["admin"], ...) -> User with password TEST_PASSWORD."""
    from tinhoc.access import SYSTEM
    from tinhoc.accounts import services

    def make(username: str, roles=("learner",), *, password: str = TEST_PASSWORD, full_name: str | None = None,
             must_change_password: bool = False, person_id: int | None = None):
        return services.create_user(SYSTEM, username=username, full_name=full_name or username.title(),
                                    password=password, roles=list(roles),
                                    must_change_password=must_change_password, person_id=person_id)
    return make


@pytest.fixture
def login(client, make_user):
    """login("role") creates a user with that role (unless it exists) and logs the test client in."""
    from tinhoc.accounts.services import find_by_username

    def do(username: str, roles=None, password: str = TEST_PASSWORD):
        if find_by_username(username) is None:
            make_user(username, roles=roles or [username])
        # A logged-in client is sent away from /login with a 302 too: drop the session cookie first,
        # so that login("bob") after login("alice") really is bob.
        client.delete_cookie("session")
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response
    return do


@pytest.fixture
def make_position(db):
    from tinhoc.orgs.models import JobPosition

    def make(code: str, name: str | None = None, sort_order: int = 0):
        position = JobPosition(code=code, name=name or code, sort_order=sort_order)
        db.session.add(position)
        db.session.commit()
        return position
    return make


@pytest.fixture
def make_org(db):
    """make_org("CODE", parent=org, kind="department") -> Organisation, through the tree service."""
    from tinhoc.access import SYSTEM
    from tinhoc.orgs import services

    def make(code: str, name: str | None = None, *, kind: str = "department", parent=None):
        return services.create_organisation(SYSTEM, kind=kind, code=code, name=name or code,
                                            parent_id=parent.id if parent is not None else None)
    return make


@pytest.fixture
def make_person(db):
    """make_person("CB1", org, position_code="civil_servant") -> Person (positions seeded on demand)."""
    from sqlalchemy import select

    from tinhoc.orgs import services
    from tinhoc.orgs.models import JobPosition, Person

    def make(code: str, org, *, position_code: str = "civil_servant", full_name: str | None = None):
        services.ensure_positions()
        position = db.session.scalar(select(JobPosition).where(JobPosition.code == position_code))
        person = Person(employee_code=code, full_name=full_name or f"Cán bộ {code}", organisation_id=org.id,
                        position_id=position.id)
        db.session.add(person)
        db.session.commit()
        return person
    return make


@pytest.fixture
def frozen_clock():
    """Freeze tinhoc.clock at 2026-03-01 08:00 UTC; advance with clock.advance(timedelta)."""
    from tinhoc import clock
    clock.freeze(datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc))
    yield clock
    clock.unfreeze()


@pytest.fixture
def staff_setup(db, make_org):
    """A small tree (province → department, district → commune) and the standard positions."""
    from tinhoc.orgs import services
    services.ensure_positions()
    db.session.commit()
    province = make_org("T01", "UBND tỉnh Thử", kind="province")
    department = make_org("SO-TT", "Sở Thông tin và Truyền thông", parent=province)
    district = make_org("H-AB", "UBND huyện An Bình", kind="district", parent=province)
    commune = make_org("X-01", "UBND xã Tân Lập", kind="commune", parent=district)
    return {"province": province, "department": department, "district": district, "commune": commune}


@pytest.fixture
def grant(db):
    """grant(user, "organiser", "H-AB") gives a role over that unit's subtree (as an admin would)."""
    from tinhoc.access import SYSTEM
    from tinhoc.accounts import services

    def do(user, role: str, org_code: str):
        return services.grant_role(SYSTEM, user.id, role, org_code)
    return do
