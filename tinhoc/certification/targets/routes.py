"""Target pages on the certification blueprint: the dashboard with drill-down, the missing lists, the
yearly report (.xlsx, PDF), the emulation ranking, and the plan pages (periods, targets, criteria).
Thin routes: parse, call a service, answer."""
from __future__ import annotations

import functools
import io

from flask import flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ...orgs.services import filter_choices
from ...pagination import paginate
from ...security import current_actor, role_required
from .. import bp
from . import emulation, exports, metrics, report_pdf, services
from .forms import PeriodForm, TargetForm

ROLES = services.PLAN_ROLES
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _args() -> tuple[int | None, int | None, int | None]:
    return request.args.get("org", type=int), request.args.get("period", type=int), request.args.get("year", type=int)


def _download(name_and_data: tuple[str, bytes], mimetype: str = XLSX):
    name, data = name_and_data
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=mimetype)


@bp.get("/reports/targets")
@role_required(*ROLES)
def targets_dashboard():
    actor, (org_id, period_id, year) = current_actor(), _args()
    board = services.dashboard(actor, org_id, period_id, year)
    return render_template("reports/targets.html", board=board, periods=services.periods(),
                           org_choices=filter_choices(actor, board.unit.id), up=services.parent_in_scope(actor, board.unit),
                           chart=services.chart_data(board), trend=services.trend_data(board))


@bp.get("/reports/targets/missing/<metric>")
@role_required(*ROLES)
def targets_missing(metric: str):
    unit, metric_obj, stmt = services.missing_statement(current_actor(), metric, request.args.get("org", type=int))
    page = paginate(stmt, request.args.get("page"), 50)
    return render_template("reports/targets_missing.html", unit=unit, metric=metric_obj, page=page)


@bp.get("/reports/targets/missing/<metric>.xlsx")
@role_required(*ROLES)
def export_targets_missing(metric: str):
    return _download(exports.missing_xlsx(current_actor(), metric, request.args.get("org", type=int)))


@bp.get("/reports/targets/report.xlsx")
@role_required(*ROLES)
def targets_report_xlsx():
    return _download(exports.report_xlsx(current_actor(), *_args()))


@bp.get("/reports/targets/report.pdf")
@role_required(*ROLES)
def targets_report_pdf():
    return _download(report_pdf.render(current_actor(), *_args()), "application/pdf")


@bp.get("/reports/emulation")
@role_required(*ROLES)
def emulation_ranking():
    actor, (org_id, period_id, year) = current_actor(), _args()
    board = emulation.ranking(actor, org_id, period_id, year)
    return render_template("reports/emulation.html", board=board, periods=services.periods(),
                           org_choices=filter_choices(actor, board.unit.id), metrics=metrics)


@bp.get("/reports/emulation.xlsx")
@role_required(*ROLES)
def export_emulation_ranking():
    return _download(exports.ranking_xlsx(current_actor(), *_args()))


@bp.route("/plans/", methods=["GET", "POST"])
@role_required(*ROLES)
def plan_periods():
    form = PeriodForm()
    if request.method == "POST":
        services.require_province(current_actor())
    if form.validate_on_submit():
        try:
            period = services.create_period(current_actor(), name=form.name.data, start_year=form.start_year.data,
                                            end_year=form.end_year.data)
        except services.TargetError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã tạo kỳ kế hoạch %(n)s.", n=period.name), "success")
            return redirect(url_for("certification.plan_period", period_id=period.id))
    return render_template("reports/plans.html", form=form, periods=services.periods(),
                           may_edit=current_actor().province_wide(*ROLES)), 400 if request.method == "POST" else 200


@bp.get("/plans/<int:period_id>")
@role_required(*ROLES)
def plan_period(period_id: int):
    actor = current_actor()
    period = services.period_for(period_id)
    return render_template("reports/plan.html", period=period, targets=services.period_targets(period),
                           form=TargetForm(period, filter_choices(actor)), criteria=emulation.criteria(period),
                           metrics=metrics.all_metrics(), may_edit=actor.province_wide(*ROLES))


@bp.post("/plans/<int:period_id>/targets")
@role_required(*ROLES)
def set_plan_target(period_id: int):
    actor = current_actor()
    services.require_province(actor)
    period = services.period_for(period_id)
    form = TargetForm(period, filter_choices(actor))
    if not form.validate_on_submit():
        flash(_("Hãy chọn chỉ tiêu và nhập giá trị (số không âm)."), "danger")
    else:
        services.set_target(actor, period.id, metric=form.metric.data, value=float(form.value.data),
                            org_id=form.org.data or None, year=form.year.data or None)
        flash(_("Đã lưu chỉ tiêu."), "success")
    return redirect(url_for("certification.plan_period", period_id=period.id))


@bp.post("/plans/targets/<int:target_id>/delete")
@role_required(*ROLES)
def delete_plan_target(target_id: int):
    period = services.delete_target(current_actor(), target_id)
    flash(_("Đã xóa chỉ tiêu."), "success")
    return redirect(url_for("certification.plan_period", period_id=period.id))


@bp.post("/plans/<int:period_id>/criteria")
@role_required(*ROLES)
def set_emulation_criteria(period_id: int):
    weights = {m.name: request.form.get(f"weight-{m.name}", "") for m in metrics.all_metrics()}
    emulation.set_criteria(current_actor(), period_id, weights)
    flash(_("Đã lưu tiêu chí thi đua."), "success")
    return redirect(url_for("certification.plan_period", period_id=period_id))


@bp.app_errorhandler(services.PeriodNotFound)
def _period_not_found(exc):
    return render_template("errors/404.html"), 404


@bp.app_errorhandler(services.NotProvinceWide)
def _not_province_wide(exc):
    return render_template("errors/403.html"), 403


@bp.app_errorhandler(services.TargetError)
def _target_refused(exc):
    flash(str(exc), "danger")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("certification.plan_periods"))


@functools.lru_cache(maxsize=16)
def _separators(locale: str) -> tuple[str, str]:
    from babel import numbers
    return numbers.get_decimal_symbol(locale), numbers.get_group_symbol(locale)


def _fast_number(value: float, decimals: int) -> str:
    """Babel's format_decimal costs ~0.2 ms a call, thousands of times on a district's dashboard: the
    locale's two separators are looked up once a request (get_locale alone costs ~20 µs) and Python
    formats."""
    separators = g.get("number_separators")
    if separators is None:
        from flask_babel import get_locale
        separators = g.number_separators = _separators(str(get_locale()))
    decimal, group = separators
    return f"{value:,.{decimals}f}".replace(",", "\0").replace(".", decimal).replace("\0", group)


@bp.app_template_filter("metric_value")
def metric_value(value: float | None, share: bool = True) -> str:
    """A figure or a target as shown: 87,5 % for a share, 1.234 for a count, — when there is none."""
    if value is None:
        return "—"
    return f"{_fast_number(value, 1)} %" if share else _fast_number(value, 0)


@bp.app_template_filter("figure_count")
def figure_count(value: int | None) -> str:
    return "—" if value is None else _fast_number(value, 0)
