"""The candidate's pages: my exams, start, the attempt page, saves, clock, file upload, submit.

The save and clock endpoints are the hot path of a wave of candidates. The clock uses
`current_user.id` only (the user row Flask-Login loads); the save does not even load that row: it
checks the session inside its own UPDATE (saving.py). Neither reads the actor's grants or the tree, or
writes the Flask session.
"""
from __future__ import annotations

import io

from flask import flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from tinhoc import clock
from tinhoc.extensions import login_manager
from tinhoc.i18n import local
from tinhoc.main.services import register_home_panel
from tinhoc.security import SELF_AUTHENTICATED, current_actor, safe_next, session_identity

from .. import bp
from . import candidate, services, uploads
from .errors import AttemptClosed, DeliveryError, NotFound, SessionEnded

register_home_panel("exams/delivery/_home_panel.html", candidate.home_panel)
SELF_AUTHENTICATED.add("exams.save_answers")


@bp.errorhandler(NotFound)
def _delivery_not_found(exc):
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify(error=str(exc)), 404
    return render_template("errors/404.html"), 404


def _hms(value) -> str:
    return local(value).strftime("%H:%M:%S")


def _back():
    """Where to go when the attempt is over: the caller's page (a training quiz lesson) or my exams."""
    return safe_next(request.values.get("next")) or url_for("exams.my_exams")


@bp.get("/mine")
@login_required
def my_exams():
    return render_template("exams/delivery/mine.html", lines=candidate.my_exams(current_actor()),
                           result_links=candidate.result_links())


@bp.post("/parts/<int:part_id>/start")
@login_required
def start_part(part_id):
    try:
        attempt = candidate.start_for(current_actor(), part_id)
    except NotFound:
        raise
    except DeliveryError as exc:   # not allowed now, or the bank no longer satisfies the blueprint
        flash(str(exc), "warning")
        return redirect(url_for("exams.my_exams"))
    return redirect(url_for("exams.take_attempt", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def take_attempt(attempt_id):
    attempt, items = candidate.attempt_view(current_actor(), attempt_id)
    if attempt.is_final:
        flash(_("Bài làm này đã kết thúc; các câu trả lời đã được lưu."), "info")
        return redirect(_back())
    saved = {v.item.id: {"response": v.response, "flagged": v.item.flagged} for v in items}
    return render_template("exams/delivery/attempt.html", attempt=attempt, items=items, saved=saved,
                           remaining=services.remaining_seconds(attempt),
                           saved_at=_hms(attempt.last_saved_at) if attempt.last_saved_at else "",
                           next=safe_next(request.args.get("next")))


@bp.get("/attempts/<int:attempt_id>/clock")
@login_required
def attempt_clock(attempt_id):
    attempt = services.own_attempt(current_user.id, attempt_id)
    services.close_if_expired(attempt)
    # the session's CSRF token too: the page takes it up after a login in another tab changed the session
    return jsonify(remaining=services.remaining_seconds(attempt), state=attempt.state, last_seq=attempt.last_seq,
                   csrf=generate_csrf())


@bp.post("/attempts/<int:attempt_id>/answers")
def save_answers(attempt_id):
    """The hot path: the session is checked inside the save's own UPDATE (no user row loaded)."""
    who = session_identity()
    if who is None:
        return login_manager.unauthorized()
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    try:
        saved = services.save_answers(who[0], attempt_id, body.get("seq"), body.get("answers"),
                                      session_version=who[1])
    except SessionEnded as exc:
        return redirect(url_for("accounts.change_password")) if exc.must_change_password \
            else login_manager.unauthorized()
    except AttemptClosed as exc:
        return jsonify(error=str(exc), closed=True, last_seq=exc.last_seq), 409
    except NotFound:
        raise
    except DeliveryError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(seq=saved.seq, saved_at=_hms(saved.at), stale=list(saved.stale), remaining=saved.remaining)


@bp.post("/attempts/<int:attempt_id>/items/<int:item_id>/file")
@login_required
def upload_file(attempt_id, item_id):
    upload = request.files.get("file")
    try:
        kept = uploads.save_file(current_user.id, attempt_id, item_id, upload.filename if upload else "",
                                 upload.read(uploads.MAX_BYTES + 1) if upload else b"")
    except AttemptClosed as exc:
        return jsonify(error=str(exc), closed=True), 409
    except NotFound:
        raise
    except DeliveryError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(filename=kept.filename, size=kept.size, saved_at=_hms(kept.uploaded_at))


@bp.get("/attempts/<int:attempt_id>/items/<int:item_id>/file")
@login_required
def download_file(attempt_id, item_id):
    kept = uploads.file_for_candidate(current_user.id, attempt_id, item_id)
    return send_file(io.BytesIO(kept.data), mimetype=kept.content_type, as_attachment=True,
                     download_name=kept.filename)


@bp.route("/attempts/<int:attempt_id>/submit", methods=["GET", "POST"])
@login_required
def submit_attempt(attempt_id):
    if request.method == "GET":
        attempt, items = candidate.attempt_view(current_actor(), attempt_id)
        if attempt.is_final:
            return redirect(_back())
        unanswered = sum(1 for i in items if i.item.response is None)
        return render_template("exams/delivery/submit.html", attempt=attempt, items=items, unanswered=unanswered,
                               remaining=services.remaining_seconds(attempt), next=safe_next(request.args.get("next")))
    try:
        attempt = services.submit_attempt(current_user.id, attempt_id)
    except AttemptClosed as exc:
        flash(str(exc), "warning")
        return redirect(_back())
    flash(_("Đã nộp bài lúc %(t)s.", t=_hms(attempt.finished_at or clock.now())), "success")
    return redirect(_back())


