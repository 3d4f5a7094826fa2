"""Results pages: release, the result tables (per exam, per unit subtree), statistics, the .xlsx
exports and a candidate's own result. Thin routes: parse, call one service, answer."""
from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from tinhoc.orgs.services import filter_choices
from tinhoc.orgs.spreadsheets import XLSX_MIME
from tinhoc.security import current_actor, role_required

from .. import bp
from . import exports, results, services, statistics
from .forms import ActionForm

ORGANISER = ("organiser",)


@bp.get("/results/mine")
@login_required
def my_results():
    return render_template("exams/results/mine.html", exams=results.my_exams(current_actor()))


@bp.get("/results/<int:exam_id>/mine")
@login_required
def my_result(exam_id: int):
    exam, parts, passed = results.my_result(current_actor(), exam_id)
    return render_template("exams/results/my_result.html", exam=exam, parts=parts, passed=passed)


@bp.get("/results/<int:exam_id>")
@role_required(*ORGANISER)
def exam_results(exam_id: int):
    org_id = request.args.get("org", type=int)
    exam, parts, rows = results.exam_results(current_actor(), exam_id, org_id)
    return render_template("exams/results/exam.html", exam=exam, parts=parts, rows=rows, org_id=org_id,
                           unmarked=results.unmarked_count(exam.id), form=ActionForm())


@bp.get("/results/<int:exam_id>/results.xlsx")
@role_required(*ORGANISER)
def export_results(exam_id: int):
    name, data = exports.results_xlsx(current_actor(), exam_id, request.args.get("org", type=int))
    return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True, download_name=name)


@bp.post("/results/<int:exam_id>/release")
@role_required(*ORGANISER)
def release_results(exam_id: int):
    if ActionForm().validate_on_submit():
        try:
            _exam, issued = results.release(current_actor(), exam_id)
        except services.GradingError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã công bố kết quả; cấp %(n)d giấy chứng nhận đạt.", n=issued), "success")
    return redirect(url_for("exams.exam_results", exam_id=exam_id))


@bp.get("/results/<int:exam_id>/statistics")
@role_required(*ORGANISER)
def exam_statistics(exam_id: int):
    exam, stats = statistics.exam_statistics(current_actor(), exam_id)
    return render_template("exams/results/statistics.html", exam=exam, stats=stats)


@bp.get("/results/<int:exam_id>/statistics.xlsx")
@role_required(*ORGANISER)
def export_statistics(exam_id: int):
    name, data = exports.statistics_xlsx(current_actor(), exam_id)
    return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True, download_name=name)


@bp.get("/results/units.xlsx")
@role_required(*ORGANISER)
def export_unit_results():
    name, data = exports.units_xlsx(current_actor(), request.args.get("org", type=int))
    return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True, download_name=name)


@bp.get("/results/units")
@role_required(*ORGANISER)
def unit_results():
    actor, org_id = current_actor(), request.args.get("org", type=int)
    rows, truncated = results.unit_results(actor, org_id)
    return render_template("exams/results/units.html", rows=rows, truncated=truncated, org_id=org_id,
                           units=filter_choices(actor, org_id), limit=results.UNIT_LIMIT)
