"""Creative rounds: a team's product page, and the organiser's jury set-up and results (names visible
to the organiser only). Thin routes: parse, call one service, answer."""
from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from tinhoc import clock
from tinhoc.security import current_actor, role_required

from .. import bp
from ..forms import ActionForm
from ..services import MANAGE_ROLES as MANAGE
from . import exports, products, scoring, services
from .forms import AssignForm, AutoAssignForm, CriterionForm, ProductForm, SettingsForm

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/creative/<int:creative_id>/product", methods=["GET", "POST"])
@login_required
def creative_product(creative_id):
    actor = current_actor()
    rnd, entry = products.creative_round_for(actor, creative_id)
    product = products.current_product(rnd.id, entry.id)
    form = ProductForm(obj=product)
    if form.validate_on_submit():
        upload = request.files.get("file")
        data = upload.read(products.max_bytes() + 1) if upload and upload.filename else None
        try:
            products.save_product(actor, rnd.id, filename=upload.filename if data is not None else None, data=data,
                                  description=form.description.data, video_url=form.video_url.data)
        except services.ContestError as exc:
            flash(_("Sản phẩm không được nhận: %(why)s", why=str(exc)), "danger")
        else:
            flash(_("Đã nhận sản phẩm."), "success")
            return redirect(url_for("contests.creative_product", creative_id=rnd.id))
    return render_template("contests/jury/product.html", rnd=rnd, entry=entry, product=product, form=form,
                           open=rnd.is_open(), max_mb=round(products.max_bytes() / 1048576, 1))


@bp.get("/products/<int:product_id>/download")
@login_required
def download_product(product_id):
    product = products.product_for_owner(current_actor(), product_id)
    return send_file(products.path_of(product), mimetype="application/zip", as_attachment=True,
                     download_name=product.original_filename)


def _settings_form(rnd, panel):
    from tinhoc.i18n import LOCAL_TZ
    closes = clock.as_utc(panel.closes_at).astimezone(LOCAL_TZ).replace(tzinfo=None) if panel.closes_at else None
    form = SettingsForm(margin=f"{panel.margin:g}", chair=panel.chair_id or 0, closes_at=closes)
    form.chair.choices = [(0, _("(chưa chọn)"))] + [(u.id, u.full_name) for u in services.eligible_jurors(rnd)]
    return form


@bp.get("/creative/<int:creative_id>/jury")
@role_required(*MANAGE)
def jury_manage(creative_id):
    rnd = services.managed_creative_round(current_actor(), creative_id)
    panel = services.panel_of(rnd)
    jurors = services.eligible_jurors(rnd)
    auto, manual = AutoAssignForm(), AssignForm()
    auto.jurors.choices = manual.juror.choices = [(u.id, u.full_name) for u in jurors]
    return render_template("contests/jury/manage.html", rnd=rnd, panel=panel, rows=scoring.entry_scores(rnd),
                           criteria=services.criteria_of(rnd.id), locked=services.scoring_started(rnd.id),
                           settings=_settings_form(rnd, panel), criterion_form=CriterionForm(), auto=auto,
                           manual=manual, action=ActionForm(), now=clock.now(),
                           max_total=services.max_total(services.criteria_of(rnd.id)))


def _back(rnd):
    return redirect(url_for("contests.jury_manage", creative_id=rnd.id))


def _run(done_message, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except services.ContestError as exc:
        flash(str(exc), "danger")
    else:
        flash(done_message, "success")


@bp.post("/creative/<int:creative_id>/jury/settings")
@role_required(*MANAGE)
def jury_settings(creative_id):
    from tinhoc.i18n import LOCAL_TZ
    actor = current_actor()
    rnd = services.managed_creative_round(actor, creative_id)
    form = _settings_form(rnd, services.panel_of(rnd))
    if not form.validate_on_submit():
        flash(_("Hãy nhập độ lệch cho phép và hạn chấm hợp lệ."), "danger")
        return _back(rnd)
    closes = form.closes_at.data.replace(tzinfo=LOCAL_TZ) if form.closes_at.data else None
    _run(_("Đã lưu cài đặt ban giám khảo."), services.update_settings, actor, rnd, margin=form.margin.data,
         chair_id=form.chair.data or None, closes_at=closes)
    return _back(rnd)


@bp.post("/creative/<int:creative_id>/jury/criteria")
@role_required(*MANAGE)
def jury_add_criterion(creative_id):
    actor = current_actor()
    rnd = services.managed_creative_round(actor, creative_id)
    form = CriterionForm()
    if not form.validate_on_submit():
        flash(_("Hãy nhập đủ tên, trọng số và thang điểm của tiêu chí."), "danger")
        return _back(rnd)
    _run(_("Đã thêm tiêu chí."), services.add_criterion, actor, rnd, name=form.name.data, weight=form.weight.data,
         min_score=form.min_score.data, max_score=form.max_score.data)
    return _back(rnd)


@bp.post("/creative/<int:creative_id>/jury/criteria/<int:criterion_id>")
@role_required(*MANAGE)
def jury_update_criterion(creative_id, criterion_id):
    actor = current_actor()
    rnd = services.managed_creative_round(actor, creative_id)
    form = CriterionForm()
    if not form.validate_on_submit():
        flash(_("Hãy nhập đủ tên, trọng số và thang điểm của tiêu chí."), "danger")
        return _back(rnd)
    _run(_("Đã sửa tiêu chí."), services.update_criterion, actor, rnd, criterion_id, name=form.name.data,
         weight=form.weight.data, min_score=form.min_score.data, max_score=form.max_score.data)
    return _back(rnd)


@bp.post("/creative/<int:creative_id>/jury/criteria/<int:criterion_id>/delete")
@role_required(*MANAGE)
def jury_delete_criterion(creative_id, criterion_id):
    actor = current_actor()
    rnd = services.managed_creative_round(actor, creative_id)
    if ActionForm().validate_on_submit():
        _run(_("Đã xoá tiêu chí."), services.delete_criterion, actor, rnd, criterion_id)
    return _back(rnd)


@bp.post("/creative/<int:creative_id>/jury/assign-auto")
@role_required(*MANAGE)
def jury_assign_auto(creative_id):
    actor = current_actor()
    rnd = services.managed_creative_round(actor, creative_id)
    form = AutoAssignForm()
    form.jurors.choices = [(u.id, u.full_name) for u in services.eligible_jurors(rnd)]
    if not form.validate_on_submit():
        flash(_("Hãy chọn các giám khảo và số giám khảo mỗi sản phẩm (từ 2 đến 9)."), "danger")
        return _back(rnd)
    try:
        added = services.assign_automatically(actor, rnd, form.jurors.data, form.per_entry.data or 2)
    except services.ContestError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("Đã phân công thêm %(n)d lượt chấm.", n=added), "success")
    return _back(rnd)


@bp.post("/creative/<int:creative_id>/jury/assignments")
@role_required(*MANAGE)
def jury_assign(creative_id):
    actor = current_actor()
    rnd = services.managed_creative_round(actor, creative_id)
    form = AssignForm()
    form.juror.choices = [(u.id, u.full_name) for u in services.eligible_jurors(rnd)]
    if not form.validate_on_submit():
        flash(_("Hãy nhập mã sản phẩm và chọn giám khảo."), "danger")
        return _back(rnd)
    _run(_("Đã phân công giám khảo."), services.assign, actor, rnd, code=form.code.data, juror_id=form.juror.data)
    return _back(rnd)


@bp.post("/jury-assignments/<int:jury_assignment_id>/remove")
@role_required(*MANAGE)
def jury_unassign(jury_assignment_id):
    actor = current_actor()
    assignment = services.managed_assignment(actor, jury_assignment_id)
    round_id = assignment.round_id
    if ActionForm().validate_on_submit():
        _run(_("Đã bỏ phân công."), services.unassign, actor, assignment)
    return redirect(url_for("contests.jury_manage", creative_id=round_id))


@bp.get("/creative/<int:creative_id>/results")
@role_required(*MANAGE)
def jury_results(creative_id):
    rnd = services.managed_creative_round(current_actor(), creative_id)
    return render_template("contests/jury/results.html", rnd=rnd, rows=scoring.ranked(rnd),
                           max_total=services.max_total(services.criteria_of(rnd.id)))


@bp.get("/creative/<int:creative_id>/results.xlsx")
@role_required(*MANAGE)
def jury_results_xlsx(creative_id):
    rnd = services.managed_creative_round(current_actor(), creative_id)
    return send_file(io.BytesIO(exports.results_xlsx(rnd)), mimetype=XLSX_MIME, as_attachment=True,
                     download_name=f"ket-qua-{rnd.division.code}-{rnd.id}.xlsx")
