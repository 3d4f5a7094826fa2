"""Organiser pages: the subtree progress report and its export, assignment rules, manual assignment."""
from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from tinhoc.orgs import services as orgs
from tinhoc.security import current_actor, role_required

from . import assignment, bp, report, services
from .forms import ActionForm, AssignForm, RuleDueForm, RuleForm


def _filter() -> report.ReportFilter:
    tracks = assignment.list_tracks()
    track_id = request.args.get("track", type=int) or (tracks[0].id if tracks else 0)
    status = request.args.get("status", "assigned")
    return report.ReportFilter(track_id=track_id, org_id=request.args.get("org", type=int),
                               status=status if status in report.STATUSES else "assigned")


@bp.get("/report")
@role_required("organiser")
def show_report():
    actor, flt = current_actor(), _filter()
    tracks = assignment.list_tracks()
    if not tracks:
        return render_template("training/report.html", tracks=[], flt=flt)
    counts, people = report.summary(actor, flt, request.args.get("page", 1, type=int))
    return render_template("training/report.html", tracks=tracks, flt=flt, counts=counts, people=people,
                           statuses=report.STATUSES, row_statuses=report.ROW_STATUSES, today=services.today(), status_of=report.status_of,
                           org_choices=orgs.filter_choices(actor, flt.org_id))


@bp.get("/report.xlsx")
@role_required("organiser")
def export_report():
    data = report.export(current_actor(), _filter())
    return send_file(io.BytesIO(data), mimetype=report.XLSX_MIME, as_attachment=True,
                     download_name="tien-do-dao-tao.xlsx")


def _rule_form(actor) -> RuleForm:
    form = RuleForm()
    form.track_id.choices = [(t.id, t.title) for t in assignment.list_tracks()]
    form.position_id.choices = [(p.id, p.name) for p in orgs.list_positions()]
    whole = [("", _("Toàn tỉnh"))] if actor.province_wide("organiser") else []
    form.organisation_id.choices = whole + orgs.parent_choices(actor)
    return form


@bp.route("/rules", methods=["GET", "POST"])
@role_required("organiser")
def list_rules():
    actor = current_actor()
    form = _rule_form(actor)
    if form.validate_on_submit():
        try:
            assignment.create_rule(actor, position_id=form.position_id.data, organisation_id=form.organisation_id.data,
                                   track_id=form.track_id.data, due_date=form.due_date.data)
            flash(_("Đã thêm quy tắc giao và giao lộ trình cho những người phù hợp."), "success")
            return redirect(url_for("training.list_rules"))
        except services.TrainingError as exc:
            flash(str(exc), "danger")
    return render_template("training/rules.html", form=form, rules=assignment.list_rules(actor),
                           action_form=ActionForm(), assign_form=_assign_form())


@bp.post("/rules/<int:rule_id>")
@role_required("organiser")
def update_rule(rule_id: int):
    form = RuleDueForm()
    if form.validate_on_submit():
        assignment.update_rule(current_actor(), rule_id, due_date=form.due_date.data)
        flash(_("Đã đổi hạn hoàn thành và áp dụng lại quy tắc."), "success")
    return redirect(url_for("training.list_rules"))


@bp.post("/rules/<int:rule_id>/delete")
@role_required("organiser")
def delete_rule(rule_id: int):
    if ActionForm().validate_on_submit():
        assignment.delete_rule(current_actor(), rule_id)
        flash(_("Đã xóa quy tắc; những người đã được giao vẫn giữ lộ trình và tiến độ."), "success")
    return redirect(url_for("training.list_rules"))


def _assign_form() -> AssignForm:
    form = AssignForm(prefix="assign")
    form.track_id.choices = [(t.id, t.title) for t in assignment.list_tracks()]
    return form


@bp.post("/assignments")
@role_required("organiser")
def assign_person():
    form = _assign_form()
    if form.validate_on_submit():
        try:
            assignment.assign_by_code(current_actor(), employee_code=form.employee_code.data,
                                      track_id=form.track_id.data, due_date=form.due_date.data)
            flash(_("Đã giao lộ trình."), "success")
        except services.TrainingError as exc:
            flash(str(exc), "danger")
    return redirect(url_for("training.list_rules"))
