"""Home page per role, language switch and error pages."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

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
