"""tinhoc: ICT training, online exams, Young Informatics contests and certification targets."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None):
    """Build the application. `config` is a Config class (instantiated with the instance path) or a dict.

    Flask is imported here, not at module level, so that `tinhoc.judge` loads on a worker machine
    without the web stack."""
    from flask import Flask

    from . import i18n
    from .config import Config
    from .extensions import babel, csrf, db, limiter, login_manager, migrate
    from .security import add_security_headers

    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=os.environ.get("TINHOC_INSTANCE_PATH") or str(ROOT / "instance"),
                instance_relative_config=True)
    overrides = {}
    if isinstance(config, dict):
        overrides, config = config, None
    config_cls = config or Config
    app.config.from_object(config_cls(app.instance_path))
    app.config.update(overrides)

    _register_text_rules(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, default_timezone="Asia/Ho_Chi_Minh")
    limiter.init_app(app)
    app.after_request(add_security_headers)
    if app.config.get("PROXY_FIX_HOPS"):
        # Behind N trusted reverse proxies: the client's address, scheme and host come from their
        # X-Forwarded-* headers (rate limits and the audit log see the client, not the proxy).
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    _import_models()
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_cli(app)
    import contests
    contests.init_app(app)  # re-queues submissions left without a result (CONTEST_REQUEUE_ON_START)
    if app.config.get("GC_FREEZE_AT_START"):
        # What start-up built (modules, mappers, the registries: ~270,000 objects) lives as long as the
        # process. Frozen, the collector's full passes stop walking it: each took 240-380 ms on a busy
        # 2-core machine and was the targets dashboard's p95 (bench/dashboard.py).
        import gc
        gc.collect()
        gc.freeze()
    return app


def _register_text_rules(app: Flask) -> None:
    """Vietnamese sorting on every SQLite connection (PostgreSQL has ICU's `vi-x-icu`), and ids in
    URLs bounded to what a row id can be, so `/staff/99999999999999999999` is a 404, not a 500."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from werkzeug.routing import IntegerConverter

    from . import db_types, text

    if not event.contains(Engine, "connect", text.register_sqlite_collation):
        event.listen(Engine, "connect", text.register_sqlite_collation)
    if not event.contains(Engine, "connect", db_types.configure_sqlite_connection):
        event.listen(Engine, "connect", db_types.configure_sqlite_connection)

    class RowIdConverter(IntegerConverter):
        def __init__(self, map, *args, **kwargs):
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = RowIdConverter


def _import_models() -> None:
    """Import every models module so metadata (and Alembic) sees all tables."""
    from . import audit  # noqa: F401
    from .accounts import models as _accounts  # noqa: F401
    from .certification import models as _certification  # noqa: F401
    from .certification.targets import models as _targets  # noqa: F401
    from .orgs import models as _orgs  # noqa: F401
    from training import models as _training  # noqa: F401
    from exams import models as _exams  # noqa: F401
    from contests import models as _contests  # noqa: F401
    from contests.jury import models as _contest_jury  # noqa: F401
    from exams.delivery import models as _exam_delivery  # noqa: F401
    from exams.grading import models as _exam_grading  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from .accounts import bp as accounts_bp
    from .certification import bp as certification_bp
    from .certification.kinds import check_registry
    from .main import bp as main_bp
    from .orgs import bp as orgs_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(orgs_bp, url_prefix="/orgs")
    check_registry()  # a certificate kind without a label or a valid prefix stops the start
    app.register_blueprint(certification_bp)
    import training
    app.register_blueprint(training.bp, url_prefix="/training")
    training.init_app(app)
    from exams import bp as exams_bp
    from exams.questions import check_registry as check_question_types
    check_question_types()  # an unknown or missing question type stops the start
    app.register_blueprint(exams_bp, url_prefix="/exams")
    import contests
    app.register_blueprint(contests.bp, url_prefix="/contests")
    app.register_blueprint(contests.api_bp)


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from . import i18n
    from .security import can

    app.jinja_env.filters["date"] = i18n.format_date
    app.jinja_env.filters["datetime"] = i18n.format_datetime
    app.jinja_env.filters["number"] = i18n.format_number
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["can"] = can


def _register_cli(app: Flask) -> None:
    from .cli import tinhoc_cli
    from .certification import cli as _certification_cli  # noqa: F401  (adds verify-certificate)
    from .certification.targets import cli as _targets_cli  # noqa: F401  (adds snapshot-targets)
    from .orgs import cli as _orgs_cli  # noqa: F401  (adds import-staff to the group)
    from training import cli as _training_cli  # noqa: F401  (adds seed-catalogue)
    from exams import cli as _exams_cli  # noqa: F401  (adds import-questions)
    from exams.delivery import cli as _exam_delivery_cli  # noqa: F401  (adds close-expired-attempts)

    app.cli.add_command(tinhoc_cli)
