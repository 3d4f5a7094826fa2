"""Contest pages for contestants and the public board. Thin routes: parse, call one service, answer."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tinhoc import clock
from tinhoc.extensions import limiter
from tinhoc.security import current_actor

from . import board, bp, clarifications, extensions, judging, problem_uploads, problems, quiz, recovery, services
from .forms import ActionForm, NoteForm, SubmitForm


@bp.errorhandler(services.NotFound)
def _not_found(exc):
    return render_template("errors/404.html"), 404


def submit_key() -> str:
    """Rate limits count per contestant (a school room behind one address is many contestants)."""
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else f"addr:{request.remote_addr}"


def submit_limit() -> str:
    return current_app.config.get("CONTEST_SUBMIT_LIMIT", "6 per minute")


@bp.get("/")
@login_required
def list_contests():
    return render_template("contests/list.html", contests=services.list_contests(current_actor()))


@bp.get("/<int:contest_id>")
@login_required
def show_contest(contest_id):
    actor = current_actor()
    contest = services.contest_for(actor, contest_id)
    return render_template("contests/contest.html", contest=contest, manager=services.may_manage(actor, contest),
                           entries=services.my_entries(actor, contest), free_form=ActionForm())


@bp.get("/rounds/<int:round_id>")
@login_required
def show_round(round_id):
    actor = current_actor()
    rnd, entry, manager = services.round_for(actor, round_id)
    subs = services.round_submissions(rnd, None if manager else entry)
    clars, notes = clarifications.for_round(rnd, entry, manager)
    mine = quiz.my_result(actor, rnd) if rnd.kind == "quiz" and entry else None
    uploads = problem_uploads.unsettled(rnd) if manager else []
    return render_template("contests/round.html", rnd=rnd, entry=entry, manager=manager, subs=subs,
                           now=clock.now(), clars=clars, notes=notes, form=NoteForm(), quiz_result=mine,
                           uploads=uploads, describe_upload=problem_uploads.describe,
                           extra_minutes=extensions.minutes_for(rnd, entry), ends=extensions.ends_for(rnd, entry))


@bp.post("/rounds/<int:round_id>/clarifications")
@login_required
def ask(round_id):
    actor = current_actor()
    services.round_for(actor, round_id)   # what the actor may not see is a 404 before any message
    form = NoteForm()
    try:
        if not form.validate_on_submit():
            raise services.ContestError(_("Hãy ghi nội dung."))
        clarifications.ask(actor, round_id, form.text.data, request.form.get("problem", type=int))
    except services.ContestError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("Đã gửi câu hỏi cho ban giám khảo."), "success")
    return redirect(url_for("contests.show_round", round_id=round_id))


@bp.get("/problems/<int:problem_id>")
@login_required
def show_problem(problem_id):
    problem, entry, manager = services.problem_for(current_actor(), problem_id)
    form = _submit_form(problem.round)
    return render_template("contests/problem.html", problem=problem, entry=entry, manager=manager, form=form,
                           open=extensions.open_for(problem.round, entry), labels=judging.LANGUAGE_LABELS)


@bp.get("/problems/<int:problem_id>/statement.pdf")
@login_required
def statement_pdf(problem_id):
    """The PDF statement, for whoever may read the problem's page (and not before the round starts)."""
    problem, _entry, _manager = services.problem_for(current_actor(), problem_id)
    path = problems.statement_pdf_path(problem)
    if path is None:
        abort(404)
    return send_file(path, mimetype="application/pdf", download_name=f"de-bai-{problem.letter}.pdf", max_age=0)


def _submit_form(rnd) -> SubmitForm:
    form = SubmitForm()
    form.language.choices = [(name, judging.LANGUAGE_LABELS.get(name, name)) for name in rnd.languages or []]
    return form


@bp.post("/problems/<int:problem_id>/submit")
@limiter.limit(submit_limit, key_func=submit_key)
@login_required
def submit(problem_id):
    actor = current_actor()
    problem, _entry, _manager = services.problem_for(actor, problem_id)
    form = _submit_form(problem.round)
    if not form.validate_on_submit():
        flash(_("Hãy chọn ngôn ngữ trong danh sách của vòng thi."), "danger")
        return redirect(url_for("contests.show_problem", problem_id=problem_id))
    upload = request.files.get("file")
    source = upload.read(judging.MAX_BINARY_BYTES + 1) if upload and upload.filename else form.source.data
    try:
        sub = judging.submit(actor, problem_id, form.language.data, source)
    except judging.SubmissionRejected as exc:
        flash(str(exc), "danger")
        return redirect(url_for("contests.show_problem", problem_id=problem_id))
    flash(_("Đã nhận bài nộp #%(n)s.", n=sub.id), "success")
    return redirect(url_for("contests.show_submission", submission_id=sub.id))


@bp.get("/submissions/<int:submission_id>")
@login_required
def show_submission(submission_id):
    sub, manager = services.submission_for(current_actor(), submission_id)
    sub = recovery.revive_if_lost(sub)
    return render_template("contests/submission.html", sub=sub, manager=manager,
                           view=judging.status_json(sub, manager), labels=judging.LANGUAGE_LABELS)


@bp.get("/submissions/<int:submission_id>/status")
@login_required
def submission_status(submission_id):
    sub, manager = services.submission_for(current_actor(), submission_id)
    return judging.status_json(recovery.revive_if_lost(sub), manager)


@bp.get("/<int:contest_id>/scoreboard")
def scoreboard(contest_id):
    """The board page (public: the frozen board; the jury sees the live one)."""
    actor = current_actor()
    contest = services.contest_for(actor, contest_id)
    live = services.may_manage(actor, contest) and request.args.get("view") != "public"
    import json
    data = json.loads(board.contest_board_json(contest.id, live) or b"{}")
    if not data:
        abort(404)
    return render_template("contests/scoreboard.html", contest=contest, data=data, live=live,
                           quiz_boards=quiz.boards(contest.id, live))
