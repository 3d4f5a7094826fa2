"""JSON API for tools and the projector view: the board, submitting, a submission's result.

Auth: the session (then CSRF applies to POST) or `Authorization: Bearer <token>` with a personal
token (stored as its SHA-256; CSRF does not apply, a token is not sent by the browser on its own).
"""
from __future__ import annotations

from flask import Response, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tinhoc.extensions import csrf, limiter
from tinhoc.security import current_actor

from . import api_bp, board, bp, judging, recovery, services, tokens
from .routes import submit_limit


@api_bp.errorhandler(services.NotFound)
def _not_found(exc):
    return {"error": "not found"}, 404


def _api_actor():
    """(actor, via_token): the token's user, else the session's; (None, False) when neither."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        actor = tokens.actor_for_token(header[7:].strip(), request.remote_addr)
        return actor, True
    if current_user.is_authenticated:
        return current_actor(), False
    return None, False


def api_key() -> str:
    actor, _via = _api_actor()
    return f"user:{actor.user_id}" if actor is not None else f"addr:{request.remote_addr}"


@api_bp.get("/api/contests/<int:contest_id>/scoreboard")
@csrf.exempt
def api_scoreboard(contest_id):
    """Public: the frozen board while frozen; a manager of the contest gets the live one."""
    actor, _via = _api_actor()
    live = False
    if actor is not None and request.args.get("view") != "public":
        contest = services.contest_for(actor, contest_id)
        live = services.may_manage(actor, contest)
    body = board.contest_board_json(contest_id, live)
    if body is None:
        return {"error": "not found"}, 404
    return Response(body, mimetype="application/json", headers={"Cache-Control": "no-cache"})


@api_bp.post("/api/contests/<int:contest_id>/submissions")
@csrf.exempt
@limiter.limit(submit_limit, key_func=api_key)
def api_submit(contest_id):
    actor, via_token = _api_actor()
    if actor is None:
        return {"error": "authentication required"}, 401
    if not via_token:
        csrf.protect()   # a session POST from a page carries its token like any form
    data = request.get_json(silent=True) or {}
    problem_id = data.get("problem_id")
    if not isinstance(problem_id, int) or not isinstance(data.get("source"), str):
        return {"error": _("Cần problem_id (số), language và source.")}, 400
    problem, _entry, _manager = services.problem_for(actor, problem_id)
    if problem.round.division.contest_id != contest_id:
        raise services.NotFound(problem_id)
    try:
        sub = judging.submit(actor, problem_id, str(data.get("language", "")), data["source"])
    except judging.SubmissionRejected as exc:
        return {"error": str(exc)}, 409 if isinstance(exc, judging.RoundClosed) else 400
    return {"id": sub.id, "status": sub.status,
            "url": f"{request.script_root}/api/submissions/{sub.id}"}, 201


@api_bp.get("/api/submissions/<int:submission_id>")
@csrf.exempt
def api_submission(submission_id):
    actor, _via = _api_actor()
    if actor is None:
        return {"error": "authentication required"}, 401
    sub, manager = services.submission_for(actor, submission_id)
    return judging.status_json(recovery.revive_if_lost(sub), manager)


@bp.route("/token", methods=["GET", "POST"])
@login_required
def api_token():
    """Create a personal API token (shown once); a new one replaces the old."""
    from flask import render_template

    from .forms import ActionForm
    form = ActionForm()
    token = None
    if form.validate_on_submit():
        token = tokens.issue(current_actor())
    return render_template("contests/token.html", form=form, token=token)
