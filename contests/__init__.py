"""Contests (Hội thi Tin học trẻ): divisions, registration by school, problems, judged submissions,
the live scoreboard and its JSON API."""
from flask import Blueprint

bp = Blueprint("contests", __name__)
api_bp = Blueprint("contests_api", __name__)

from . import routes, routes_manage, routes_quiz, routes_register, api  # noqa: E402,F401
from . import awards, routes_enrol, routes_free  # noqa: E402,F401
from .jury import routes as _jury_routes, routes_juror as _jury_juror_routes  # noqa: E402,F401
from . import metrics  # noqa: E402,F401  (registers entrants per division in the targets registry)


def init_app(app) -> None:
    """At start-up (CONTEST_REQUEUE_ON_START): queue again every submission still without a result,
    and take up again the organisers' jobs a dead process left (package checks, rejudge previews)."""
    import click
    if not app.config.get("CONTEST_REQUEUE_ON_START"):
        return
    # A CLI command other than `flask run` (db upgrade, seed-demo) must not start judging; gunicorn
    # and other WSGI servers build the app outside any click context.
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.info_name != "run":
        return
    from sqlalchemy.exc import SQLAlchemyError

    from . import background
    from .recovery import requeue_pending
    try:
        requeue_pending(app)
        background.resume_all(app)
    except SQLAlchemyError as exc:   # no tables yet (before the first `flask db upgrade`)
        # the first line of the driver's message, not the statement and its parameters
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
        app.logger.warning("contest submissions not re-queued (%s): %s", type(exc).__name__, reason)
