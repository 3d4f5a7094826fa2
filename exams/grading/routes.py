"""Grading pages: a grader's queue and marking page, the organiser's part page (settings, rubric,
assignment, flagged items), the chief's reconciliation and the regrade of a fixed question.
Thin routes: parse the form, call one service, answer."""
from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from tinhoc.security import current_actor, role_required

from .. import bp
from . import marking, regrade, services
from .forms import ActionForm, AssignForm, MarkForm, ReconcileForm, SettingsForm, number

ORGANISER = ("organiser",)


@bp.errorhandler(services.NotFound)
def _not_found(exc):
    return render_template("errors/404.html"), 404


@bp.get("/grading/")
@role_required("grader")
def grading_queue():
    return render_template("exams/grading/queue.html", rows=marking.my_queue(current_actor()))


@bp.route("/grading/assignments/<int:assignment_id>", methods=["GET", "POST"])
@login_required
def mark_assignment(assignment_id: int):
    actor = current_actor()
    assignment = marking.assignment_for(actor, assignment_id)   # 404 before anything else
    settings = services.settings_for(assignment.item.attempt.part_id)
    form, status = MarkForm(), 200
    if request.method == "GET" and assignment.marked_at:
        form = MarkForm(data={"fraction": f"{assignment.fraction:g}", "comment": assignment.comment})
    if form.validate_on_submit():
        try:
            marking.mark(actor, assignment_id, fraction=number(form.fraction.data), comment=form.comment.data,
                         scores=form.score_values(request.form.getlist("score"), len(settings.rubric or ())))
        except services.GradingError as exc:
            flash(str(exc), "danger")
            status = 422
        else:
            flash(_("Đã lưu điểm."), "success")
            return redirect(url_for("exams.grading_queue"))
    return render_template("exams/grading/mark.html", **marking.mark_page(assignment, settings), form=form,
                           posted=request.form.getlist("score")), status


@bp.get("/grading/assignments/<int:assignment_id>/files/<int:file_id>")
@login_required
def assignment_file(assignment_id: int, file_id: int):
    stored, name = marking.assignment_file(current_actor(), assignment_id, file_id)
    return send_file(io.BytesIO(stored.data), mimetype="application/octet-stream", as_attachment=True,
                     download_name=name, max_age=0)


@bp.get("/grading/exams")
@role_required(*ORGANISER)
def grading_exams():
    return render_template("exams/grading/exams.html", exams=services.managed_exams(current_actor()))


@bp.get("/grading/parts/<int:part_id>")
@role_required(*ORGANISER)
def grading_part(part_id: int):
    part = services.part_for(current_actor(), part_id)
    settings = services.settings_for(part.id)
    form = SettingsForm(data={"blind": settings.blind, "second_marker": settings.second_marker,
                              "margin": f"{settings.reconcile_margin:g}",
                              "rubric": services.rubric_text(settings.rubric)})
    assign = AssignForm()
    assign.graders.choices = [(u.id, u.full_name) for u in services.eligible_graders(part)]
    return render_template("exams/grading/part.html", part=part, settings=settings, form=form, assign=assign,
                           overview=services.part_overview(part), code=services.attempt_code)


@bp.post("/grading/parts/<int:part_id>/settings")
@role_required(*ORGANISER)
def save_grading_settings(part_id: int):
    form = SettingsForm()
    if form.validate_on_submit():
        try:
            services.save_settings(current_actor(), part_id, blind=form.blind.data,
                                   second_marker=form.second_marker.data, margin=number(form.margin.data),
                                   rubric=form.rubric.data)
        except services.GradingError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã lưu cách chấm."), "success")
    else:
        flash(_("Yêu cầu không hợp lệ."), "danger")
    return redirect(url_for("exams.grading_part", part_id=part_id))


@bp.post("/grading/parts/<int:part_id>/assign")
@role_required(*ORGANISER)
def assign_graders(part_id: int):
    form = AssignForm()
    if form.validate_on_submit():
        try:
            counts = services.assign_graders(current_actor(), part_id, form.graders.data)
        except services.GradingError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã phân công %(a)d bài chấm vòng 1 và %(b)d bài chấm vòng 2.", a=counts["first"],
                    b=counts["second"]), "success")
    else:
        flash(_("Hãy chọn ít nhất một người chấm."), "danger")
    return redirect(url_for("exams.grading_part", part_id=part_id))


@bp.route("/grading/reconciliations/<int:reconciliation_id>", methods=["GET", "POST"])
@role_required(*ORGANISER)
def reconcile_item(reconciliation_id: int):
    actor = current_actor()
    item, reconciliation, rounds = marking.reconciliation_view(actor, reconciliation_id)
    form, status = ReconcileForm(), 200
    if form.validate_on_submit():
        try:
            marking.reconcile(actor, reconciliation_id, number(form.fraction.data), form.reason.data)
        except services.GradingError as exc:
            flash(str(exc), "danger")
            status = 422
        else:
            flash(_("Đã ghi quyết định điểm."), "success")
            return redirect(url_for("exams.grading_part", part_id=item.attempt.part_id))
    return render_template("exams/grading/reconcile.html", item=item, reconciliation=reconciliation,
                           rounds=rounds, form=form, code=services.attempt_code(item.attempt_id)), status


@bp.route("/grading/questions/<int:question_id>/regrade", methods=["GET", "POST"])
@role_required(*ORGANISER)
def regrade_question(question_id: int):
    actor, form = current_actor(), ActionForm()
    try:
        if form.validate_on_submit():
            plan = regrade.apply(actor, question_id)
            flash(_("Đã chấm lại %(n)d câu trả lời.", n=len(plan.rows)), "success")
            if plan.withdrawn or plan.issued:
                flash(_("Chứng chỉ đạt kỳ thi: %(w)d bị thu hồi (không còn đạt), %(i)d được cấp mới.",
                        w=plan.withdrawn, i=plan.issued), "info")
            return redirect(url_for("exams.regrade_question", question_id=question_id))
        plan = regrade.preview(actor, question_id)
    except services.GradingError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("exams.grading_exams"))
    return render_template("exams/grading/regrade.html", plan=plan, form=form)
