"""Contestant import from .xlsx and the registration window. Thin routes: parse, call one service, answer."""
from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from tinhoc.i18n import LOCAL_TZ, local
from tinhoc.security import current_actor, role_required

from . import bp, contestant_import, registration_window, services
from .forms import ImportForm, WindowForm
from .routes_register import REGISTER_ROLES

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 8 * 1024 * 1024


@bp.route("/<int:contest_id>/import", methods=["GET", "POST"])
@role_required(*REGISTER_ROLES)
def import_contestants(contest_id):
    actor = current_actor()
    contest = services.contest_for(actor, contest_id)
    form, report = ImportForm(), None
    if form.validate_on_submit():
        upload = request.files.get("file")
        data = upload.read(MAX_UPLOAD + 1) if upload and upload.filename else b""
        if not data:
            flash(_("Hãy chọn tệp Excel (.xlsx)."), "danger")
        elif len(data) > MAX_UPLOAD:
            flash(_("Tệp lớn quá 8 MB; hãy chia nhỏ."), "danger")
        else:
            report = contestant_import.import_contestants(actor, contest, io.BytesIO(data))
            if report.ok:
                flash(_("Đã nhập %(p)s thí sinh (%(e)s bài dự thi).", p=len(report.rows), e=len(report.entries)),
                      "success")
                return redirect(url_for("contests.list_entries", contest_id=contest.id))
            flash(_("Không nhập thí sinh nào: hãy sửa các lỗi dưới đây rồi tải lên lại."), "danger")
    return render_template("contests/import.html", contest=contest, form=form, report=report,
                           closed=registration_window.closed_reason(contest),
                           manager=services.may_manage(actor, contest))


@bp.get("/<int:contest_id>/import/template.xlsx")
@role_required(*REGISTER_ROLES)
def import_template(contest_id):
    actor = current_actor()
    contest = services.contest_for(actor, contest_id)
    return send_file(io.BytesIO(contestant_import.template_xlsx(actor, contest)), mimetype=XLSX_MIME, as_attachment=True,
                     download_name=f"mau-thi-sinh-{contest.id}.xlsx")


@bp.route("/<int:contest_id>/registration-window", methods=["GET", "POST"])
@role_required(*services.MANAGE_ROLES)
def registration_window_edit(contest_id):
    actor = current_actor()
    contest = services.managed_contest_for(actor, contest_id)
    form = WindowForm()
    if request.method == "GET":
        form.opens_at.data = local(contest.registration_opens_at).replace(tzinfo=None) \
            if contest.registration_opens_at else None
        form.closes_at.data = local(contest.registration_closes_at).replace(tzinfo=None) \
            if contest.registration_closes_at else None
    elif form.validate_on_submit():
        opens = form.opens_at.data.replace(tzinfo=LOCAL_TZ) if form.opens_at.data else None
        closes = form.closes_at.data.replace(tzinfo=LOCAL_TZ) if form.closes_at.data else None
        try:
            registration_window.set_window(actor, contest, opens, closes)
        except services.ContestError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã lưu thời gian đăng ký."), "success")
            return redirect(url_for("contests.list_entries", contest_id=contest.id))
    else:
        flash(_("Thời gian không hợp lệ (ngày giờ theo giờ Việt Nam)."), "danger")
    return render_template("contests/registration_window.html", contest=contest, form=form)
