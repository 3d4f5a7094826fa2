"""Award pages: the published results (public), the organiser's page (rule, compute, adjust, review,
publish, withdraw) and the results list as PDF and .xlsx. Thin routes: parse, call one service, answer."""
from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from tinhoc.security import current_actor, role_required

from .. import bp
from ..forms import ActionForm
from ..services import MANAGE_ROLES, ContestError, contest_for, may_manage
from . import exports, rules, services
from .forms import AdjustForm, ReasonForm, RuleForm

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _back(division_id: int):
    return redirect(url_for("contests.manage_awards", division_id=division_id))


@bp.get("/<int:contest_id>/awards")
def list_awards(contest_id):
    actor = current_actor()
    contest = contest_for(actor, contest_id)
    return render_template("contests/awards/list.html", contest=contest, sets=services.published_sets(contest),
                           manager=may_manage(actor, contest), labels=rules.PRIZE_LABELS)


@bp.get("/divisions/<int:division_id>/awards")
def show_awards(division_id):
    """The division's results: everyone once published; before that only its organisers."""
    division = services.division_for(division_id)
    found, manager = services.visible_set(current_actor(), division)
    return render_template("contests/awards/show.html", division=division, found=found, manager=manager,
                           labels=rules.PRIZE_LABELS)


def _visible_or_404(division_id: int):
    division = services.division_for(division_id)
    found, _manager = services.visible_set(current_actor(), division)
    if found is None:
        abort(404)
    return found


@bp.get("/divisions/<int:division_id>/awards.pdf")
def awards_pdf(division_id):
    found = _visible_or_404(division_id)
    return send_file(io.BytesIO(exports.results_pdf(found)), mimetype="application/pdf",
                     download_name=f"ket-qua-{found.division.code}.pdf")


@bp.get("/divisions/<int:division_id>/awards.xlsx")
def awards_xlsx(division_id):
    found = _visible_or_404(division_id)
    return send_file(io.BytesIO(exports.results_xlsx(found)), mimetype=XLSX_MIME, as_attachment=True,
                     download_name=f"ket-qua-{found.division.code}.xlsx")


@bp.get("/divisions/<int:division_id>/awards/manage")
@role_required(*MANAGE_ROLES)
def manage_awards(division_id):
    division = services.managed_division_for(current_actor(), division_id)
    found = services.award_set(division)
    form = RuleForm(method=found.method, **{k: v for k, v in found.params.items()}) if found else RuleForm()
    return render_template("contests/awards/manage.html", division=division, found=found, form=form,
                           action=ActionForm(), adjust=AdjustForm(), withdraw=ReasonForm(), labels=rules.PRIZE_LABELS,
                           methods=rules.METHOD_LABELS,
                           certificates=services.certificates(found) if found else [])


@bp.post("/divisions/<int:division_id>/awards/rule")
@role_required(*MANAGE_ROLES)
def save_award_rule(division_id):
    actor = current_actor()
    division = services.managed_division_for(actor, division_id)
    form = RuleForm()
    if form.validate_on_submit():
        try:
            services.save_rule(actor, division, form.method.data,
                               {k: form[k].data for k in ("first", "second", "third", "encouragement")})
        except (rules.RuleError, ContestError) as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã lưu cách xét giải; hãy tính lại giải."), "success")
    return _back(division.id)


def _workflow(division_id: int, step, done: str):
    actor = current_actor()
    division = services.managed_division_for(actor, division_id)
    if ActionForm().validate_on_submit():
        try:
            step(actor, division)
        except ContestError as exc:
            flash(str(exc), "danger")
        else:
            flash(done, "success")
    return _back(division.id)


@bp.post("/divisions/<int:division_id>/awards/compute")
@role_required(*MANAGE_ROLES)
def compute_awards(division_id):
    return _workflow(division_id, services.compute, _("Đã tính giải từ bảng điểm cuối cùng (bản nháp)."))


@bp.post("/divisions/<int:division_id>/awards/review")
@role_required(*MANAGE_ROLES)
def review_awards(division_id):
    return _workflow(division_id, services.review, _("Đã đánh dấu kết quả đã rà soát."))


@bp.post("/divisions/<int:division_id>/awards/publish")
@role_required(*MANAGE_ROLES)
def publish_awards(division_id):
    return _workflow(division_id, services.publish, _("Đã công bố kết quả và cấp giấy chứng nhận."))


@bp.post("/divisions/<int:division_id>/awards/unpublish")
@role_required(*MANAGE_ROLES)
def unpublish_awards(division_id):
    actor = current_actor()
    division = services.managed_division_for(actor, division_id)
    form = ReasonForm()
    try:
        if not form.validate_on_submit():
            raise ContestError(_("Hủy công bố phải nêu lý do."))
        _found, revoked = services.unpublish(actor, division, form.reason.data)
    except ContestError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("Đã hủy công bố; %(n)s giấy chứng nhận bị thu hồi.", n=revoked), "success")
    return _back(division.id)


@bp.post("/awards/rows/<int:row_id>/adjust")
@role_required(*MANAGE_ROLES)
def adjust_award(row_id):
    actor = current_actor()
    row = services.row_for_manager(actor, row_id)
    division_id = row.award_set.division_id
    form = AdjustForm()
    try:
        if not form.validate_on_submit():
            raise ContestError(_("Sửa giải phải nêu lý do."))
        services.adjust(actor, row.id, form.prize.data, form.reason.data)
    except ContestError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("Đã sửa giải của %(n)s.", n=row.entry.name), "success")
    return _back(division_id)
