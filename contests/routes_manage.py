"""Organiser pages: problems (package upload, statement), board export, unfreeze, rejudge."""
from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from tinhoc.security import current_actor, role_required

from . import board, bp, clarifications, extensions, problem_uploads, problems, rejudge, rounds, services
from .forms import (ActionForm, ContestForm, ExtensionForm, NoteForm, ProblemForm, RoundEditForm, RoundForm,
                    StatementForm)

MANAGE = services.MANAGE_ROLES
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/rounds/<int:round_id>/problems/new", methods=["GET", "POST"])
@role_required(*MANAGE)
def new_problem(round_id):
    """The package is kept and verified off the request; the upload's page follows it."""
    actor = current_actor()
    rnd = services.managed_round_for(actor, round_id)
    form = ProblemForm()
    if form.validate_on_submit():
        upload = request.files.get("package")
        data = upload.read(problems.MAX_PACKAGE_BYTES + 1) if upload and upload.filename else b""
        try:
            pending = problem_uploads.start(actor, rnd, letter=form.letter.data, title=form.title.data,
                                            statement_md=form.statement.data or "", data=data)
        except services.ContestError as exc:
            flash(_("Không thêm được bài: %(why)s", why=str(exc)), "danger")
        else:
            return redirect(url_for("contests.problem_upload", upload_id=pending.id))
    return render_template("contests/problem_new.html", rnd=rnd, form=form)


@bp.get("/problem-uploads/<int:upload_id>")
@role_required(*MANAGE)
def problem_upload(upload_id):
    """Verifying: a page that follows it. Accepted: on to the problem. Refused: the reason, and the
    form again with what was typed (the package has to be chosen again)."""
    actor = current_actor()
    upload = problem_uploads.upload_for(actor, upload_id)
    if upload.state == problem_uploads.ACCEPTED:
        problem = services.managed_problem_for(actor, upload.problem_id)
        flash(_("Đã thêm bài %(l)s; giới hạn thời gian %(t)s giây.", l=problem.letter, t=problem.time_limit),
              "success")
        return redirect(url_for("contests.show_problem", problem_id=problem.id))
    if upload.state == problem_uploads.REFUSED:
        form = ProblemForm(formdata=None, letter=upload.letter, title=upload.title, statement=upload.statement_md)
        return render_template("contests/problem_new.html", rnd=upload.round, form=form, refused=upload)
    return render_template("contests/problem_upload.html", upload=upload)


@bp.get("/problem-uploads/<int:upload_id>/status")
@role_required(*MANAGE)
def problem_upload_status(upload_id):
    return problem_uploads.status_json(problem_uploads.upload_for(current_actor(), upload_id))


@bp.route("/problems/<int:problem_id>/statement", methods=["GET", "POST"])
@role_required(*MANAGE)
def edit_statement(problem_id):
    actor = current_actor()
    problem = services.managed_problem_for(actor, problem_id)
    form = StatementForm(obj=problem, statement=problem.statement_md)
    if form.validate_on_submit():
        upload = request.files.get("pdf")
        data = upload.read(problems.MAX_STATEMENT_PDF_BYTES + 1) if upload and upload.filename else None
        try:   # the PDF first: when it is refused, the page comes back with the typed text
            problems.set_statement_pdf(actor, problem, data, remove=form.remove_pdf.data and not data)
        except services.ContestError as exc:
            flash(_("Chưa lưu: %(why)s", why=str(exc)), "danger")
            return render_template("contests/statement_edit.html", problem=problem, form=form), 400
        problems.update_statement(actor, problem, title=form.title.data, statement_md=form.statement.data or "")
        flash(_("Đã lưu đề bài."), "success")
        return redirect(url_for("contests.show_problem", problem_id=problem.id))
    return render_template("contests/statement_edit.html", problem=problem, form=form)


@bp.get("/rounds/<int:round_id>/scoreboard.xlsx")
@role_required(*MANAGE)
def export_board(round_id):
    rnd = services.managed_round_for(current_actor(), round_id)
    return send_file(io.BytesIO(board.export_xlsx(rnd)), mimetype=XLSX_MIME, as_attachment=True,
                     download_name=f"bang-diem-{rnd.division.code}-{rnd.id}.xlsx")


@bp.post("/rounds/<int:round_id>/unfreeze")
@role_required(*MANAGE)
def unfreeze(round_id):
    actor = current_actor()
    rnd = services.managed_round_for(actor, round_id)
    if ActionForm().validate_on_submit():
        board.reveal(actor, rnd)
        flash(_("Đã công bố bảng điểm đầy đủ."), "success")
    return redirect(url_for("contests.show_round", round_id=rnd.id))


@bp.get("/rejudge")
@role_required(*MANAGE)
def rejudge_preview():
    """What a rejudge of the target would judge again, and the button that starts its preview."""
    actor = current_actor()
    target = rejudge.Target.from_args(request.args)
    if target is None:   # reached without a target: say how to choose one
        return render_template("contests/rejudge.html", plan=None, target=None, form=ActionForm())
    try:
        n = rejudge.count(actor, target)
    except services.ContestError as exc:
        flash(str(exc), "danger")
        return redirect(target.back_url())
    return render_template("contests/rejudge.html", plan=None, target=target, count=n, form=ActionForm())


def _posted_target():
    """The rejudge target of a posted form (its CSRF token checked); None, with a message, otherwise."""
    target = rejudge.Target.from_args(request.form)
    if target is None or not ActionForm().validate_on_submit():
        flash(_("Hãy chọn bài nộp, bài hoặc vòng thi để chấm lại."), "danger")
        return None
    return target


@bp.post("/rejudge/start")
@role_required(*MANAGE)
def rejudge_start():
    actor, target = current_actor(), _posted_target()
    if target is None:
        return redirect(url_for("contests.list_contests"))
    try:
        plan = rejudge.start(actor, target)
    except services.ContestError as exc:
        flash(str(exc), "danger")
        return redirect(target.back_url())
    return redirect(url_for("contests.rejudge_plan", plan_id=plan.id))


@bp.get("/rejudge/plans/<int:plan_id>")
@role_required(*MANAGE)
def rejudge_plan(plan_id):
    """The preview: its judging followed, then what would change and the button that applies it."""
    plan, target = rejudge.plan_for(current_actor(), plan_id)
    changes = rejudge.changes(plan) if plan.state == rejudge.READY else None
    return render_template("contests/rejudge.html", plan=plan, target=target, changes=changes,
                           form=ActionForm())


@bp.get("/rejudge/plans/<int:plan_id>/status")
@role_required(*MANAGE)
def rejudge_plan_status(plan_id):
    plan, _target = rejudge.plan_for(current_actor(), plan_id)
    return rejudge.status_json(plan)


@bp.post("/rejudge")
@role_required(*MANAGE)
def rejudge_apply():
    actor, target = current_actor(), _posted_target()
    if target is None:
        return redirect(url_for("contests.list_contests"))
    plan_id = request.form.get("plan", "")
    try:
        changed = rejudge.apply(actor, target, plan_id)
    except rejudge.PlanExpired:
        flash(_("Bản xem trước đã hết hạn; hãy xem trước lại."), "danger")
        return redirect(target.back_url())
    flash(_("Đã chấm lại: %(n)s bài nộp đổi kết quả.", n=changed), "success")
    return redirect(target.back_url())


@bp.post("/clarifications/<int:clar_id>/answer")
@role_required(*MANAGE)
def answer_clarification(clar_id):
    actor = current_actor()
    clar = clarifications.clarification_for_manager(actor, clar_id)
    form = NoteForm()
    try:
        if not form.validate_on_submit():
            raise services.ContestError(_("Hãy ghi nội dung."))
        clarifications.answer(actor, clar.id, form.text.data, request.form.get("broadcast") == "1")
    except services.ContestError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("Đã trả lời."), "success")
    return redirect(url_for("contests.show_round", round_id=clar.round_id))


@bp.post("/rounds/<int:round_id>/announcements")
@role_required(*MANAGE)
def announce(round_id):
    actor = current_actor()
    rnd = services.managed_round_for(actor, round_id)
    form = NoteForm()
    try:
        if not form.validate_on_submit():
            raise services.ContestError(_("Hãy ghi nội dung."))
        clarifications.announce(actor, rnd, form.text.data)
    except services.ContestError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("Đã đăng thông báo."), "success")
    return redirect(url_for("contests.show_round", round_id=rnd.id))


@bp.route("/new", methods=["GET", "POST"])
@role_required(*MANAGE)
def new_contest():
    actor = current_actor()
    form = ContestForm()
    units = services.organiser_units(actor)
    form.organisation.choices = ([(0, _("Toàn tỉnh"))] if actor.province_wide(*MANAGE) else []) + \
        [(u.id, u.name) for u in units]
    if form.validate_on_submit():
        try:
            contest = services.create_contest_with_divisions(
                actor, year=form.year.data, level=form.level.data, title=form.title.data,
                organisation_id=form.organisation.data or None, national=form.national.data)
        except services.ContestError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã tạo hội thi."), "success")
            return redirect(url_for("contests.show_contest", contest_id=contest.id))
    return render_template("contests/contest_new.html", form=form)


@bp.route("/<int:contest_id>/rounds/new", methods=["GET", "POST"])
@role_required(*MANAGE)
def new_round(contest_id):
    from tinhoc.i18n import LOCAL_TZ
    actor = current_actor()
    contest = services.managed_contest_for(actor, contest_id)
    form = RoundForm()
    form.division.choices = [(d.id, f"{d.code} · {d.name}") for d in contest.divisions]
    if form.validate_on_submit():
        division = next(d for d in contest.divisions if d.id == form.division.data)
        try:
            rnd = services.add_round(actor, division, title=form.title.data, kind=form.kind.data,
                                     starts_at=form.starts_at.data.replace(tzinfo=LOCAL_TZ),
                                     ends_at=form.ends_at.data.replace(tzinfo=LOCAL_TZ), scoring=form.scoring.data,
                                     languages=form.languages.data, show_hidden_tests=form.show_hidden_tests.data,
                                     subtask_max=form.subtask_max.data, freeze_minutes=form.freeze_minutes.data or 0)
        except services.ContestError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã tạo vòng thi."), "success")
            return redirect(url_for("contests.show_round", round_id=rnd.id))
    return render_template("contests/round_new.html", form=form, contest=contest)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@role_required(*MANAGE)
def edit_round(round_id):
    from tinhoc import clock
    from tinhoc.i18n import LOCAL_TZ
    actor = current_actor()
    rnd = services.managed_round_for(actor, round_id)
    form = RoundEditForm()
    if not form.is_submitted():
        form.title.data, form.scoring.data = rnd.title, rnd.scoring
        form.starts_at.data = clock.as_utc(rnd.starts_at).astimezone(LOCAL_TZ).replace(tzinfo=None)
        form.ends_at.data = clock.as_utc(rnd.ends_at).astimezone(LOCAL_TZ).replace(tzinfo=None)
        form.languages.data = list(rnd.languages or [])
        form.show_hidden_tests.data, form.subtask_max.data = rnd.show_hidden_tests, rnd.subtask_max
        form.freeze_minutes.data = rnd.freeze_minutes
    elif form.validate_on_submit():
        try:
            rounds.edit_round(actor, rnd, title=form.title.data, scoring=form.scoring.data,
                              starts_at=form.starts_at.data.replace(tzinfo=LOCAL_TZ),
                              ends_at=form.ends_at.data.replace(tzinfo=LOCAL_TZ), languages=form.languages.data,
                              show_hidden_tests=form.show_hidden_tests.data, subtask_max=form.subtask_max.data,
                              freeze_minutes=form.freeze_minutes.data or 0)
        except services.ContestError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã lưu vòng thi."), "success")
            return redirect(url_for("contests.show_round", round_id=rnd.id))
    extension_form = ExtensionForm(formdata=None)
    extension_form.target.choices = extensions.targets(rnd)
    return render_template("contests/round_edit.html", form=form, rnd=rnd, taken_part=rounds.taken_part(rnd),
                           extension_form=extension_form, extensions=extensions.listing(rnd),
                           action=ActionForm(formdata=None))


@bp.post("/rounds/<int:round_id>/extensions")
@role_required(*MANAGE)
def grant_extension(round_id):
    actor = current_actor()
    rnd = services.managed_round_for(actor, round_id)
    form = ExtensionForm()
    form.target.choices = extensions.targets(rnd)
    if not form.validate_on_submit():
        flash(next((e for f in form for e in f.errors), _("Hãy kiểm tra lại các mục.")), "danger")
    else:
        try:
            n = extensions.grant(actor, rnd.id, target=form.target.data, minutes=form.minutes.data,
                                 reason=form.reason.data)
        except services.ContestError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã gia hạn %(m)d phút cho %(n)d bài dự thi.", m=form.minutes.data, n=n), "success")
    return redirect(url_for("contests.edit_round", round_id=rnd.id, _anchor="extensions"))


@bp.post("/round-extensions/<int:extension_id>/delete")
@role_required(*MANAGE)
def remove_extension(extension_id):
    rnd = extensions.remove(current_actor(), extension_id)      # CSRF checked before the route
    flash(_("Đã bỏ gia hạn."), "success")
    return redirect(url_for("contests.edit_round", round_id=rnd.id, _anchor="extensions"))
