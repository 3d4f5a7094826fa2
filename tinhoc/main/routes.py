"""Home page per role, language switch and error pages."""
from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ..forms import translate_wtforms

from ..access import STAFF_ROLES
from ..security import current_actor
from . import bp, services


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    actor = current_actor()
    figures = services.admin_dashboard(actor) if actor.has_role(*STAFF_ROLES) else None
    return render_template("main/index.html", figures=figures, panels=services.home_panels(actor))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.referrer or ""
    host = request.host_url
    return redirect(target if target.startswith(host) else url_for("main.index"))


@bp.app_errorhandler(400)
def bad_request(exc):
    return render_template("errors/400.html", reason=None), 400


@bp.app_errorhandler(CSRFError)
def csrf_refused(exc):
    """A form without (or with an expired) CSRF token: say so in the site's language, not Flask-WTF's.
    A script's JSON request gets JSON with `csrf: true`, so that it can fetch a fresh token and send
    again (the exam page does, after a login in another tab changed the session)."""
    reason = translate_wtforms(exc.description)
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return jsonify(error=reason, csrf=True), 400
    return render_template("errors/400.html", reason=reason), 400


@bp.app_errorhandler(413)
def too_large(exc):
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return render_template("errors/413.html", limit_mb=f"{limit / 1024 / 1024:g}"), 413


@bp.app_errorhandler(403)
def forbidden(exc):
    return render_template("errors/403.html"), 403


@bp.app_errorhandler(404)
def not_found(exc):
    return render_template("errors/404.html"), 404


@bp.app_errorhandler(429)
def too_many(exc):
    return render_template("errors/429.html"), 429


@bp.app_errorhandler(500)
def server_error(exc):
    return render_template("errors/500.html"), 500
