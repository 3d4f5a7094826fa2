"""Certificate pages: organisers' list, manual issue and revocation, the holder's certificates and
downloads, and the public verification pages (no login, rate-limited). Thin routes."""
from __future__ import annotations

import io

import segno

from flask import current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import login_required

from ..extensions import limiter
from ..orgs.services import filter_choices
from ..security import current_actor, role_required
from . import badges, bp, kinds, pdf, services, staffing
from .forms import IssueForm, RevokeForm


@bp.app_template_filter("kind_label")
def kind_label(name: str) -> str:
    return kinds.describe(name).label


@bp.app_template_filter("kind_level")
def kind_level(name: str) -> str:
    return kinds.describe(name).level or ""


@bp.app_template_filter("isodate")
def isodate(text: str | None) -> str:
    """A stored yyyy-mm-dd shown as dd/mm/yyyy."""
    return "/".join(reversed(text.split("-"))) if text else ""


@bp.app_template_filter("percent")
def percent(share: float | None) -> str:
    return "—" if share is None else format_percent(share, "#,##0.0%")


@bp.app_template_filter("qr_data_uri")
def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def _verify_limit() -> str:
    return current_app.config["CERTIFICATE_VERIFY_LIMIT"]


@bp.get("/certificates/")
@role_required(*services.ISSUE_ROLES)
def list_certificates():
    actor = current_actor()
    flt = services.CertificateFilter(kind=request.args.get("kind", ""), year=request.args.get("year", type=int),
                                     org_id=request.args.get("org", type=int), q=request.args.get("q", "").strip())
    page = services.list_certificates(actor, flt, request.args.get("page", 1, type=int))
    return render_template("certification/list.html", page=page, flt=flt, kinds=services.kind_choices(),
                           years=services.years(actor), org_choices=filter_choices(actor, flt.org_id))


@bp.route("/certificates/issue", methods=["GET", "POST"])
@role_required(*services.ISSUE_ROLES)
def issue_certificate():
    form = IssueForm()
    if form.validate_on_submit():
        try:
            cert = services.issue_manually(current_actor(), kind=form.kind.data, employee_code=form.employee_code.data,
                                           reason=form.reason.data, details=form.details())
        except (services.CertificationError, services.DetailsError) as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã cấp chứng chỉ %(n)s cho %(h)s.", n=cert.number, h=cert.holder_name), "success")
            return redirect(url_for("certification.show_certificate", cert_id=cert.id))
    return render_template("certification/issue.html", form=form), 400 if request.method == "POST" else 200


@bp.get("/certificates/mine")
@login_required
def my_certificates():
    return render_template("certification/mine.html", certificates=services.my_certificates(current_actor()))


@bp.get("/certificates/<int:cert_id>")
@login_required
def show_certificate(cert_id: int):
    actor = current_actor()
    cert = services.certificate_for(actor, cert_id)
    return render_template("certification/show.html", cert=cert, kind=kinds.describe(cert.kind),
                           verify_url=services.verify_url(cert), revoke_form=RevokeForm(),
                           may_revoke=services.may_manage(actor, cert))


@bp.get("/certificates/<int:cert_id>/certificate.pdf")
@login_required
def certificate_pdf(cert_id: int):
    cert = services.certificate_for(current_actor(), cert_id)
    data = pdf.render(cert, current_app.config["CERTIFICATE_ISSUER_NAME"])
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{cert.number}.pdf")


@bp.get("/certificates/<int:cert_id>/badge.jwt")
@login_required
def badge_jwt(cert_id: int):
    cert = services.certificate_for(current_actor(), cert_id)
    return send_file(io.BytesIO(badges.vc_jwt(cert).encode("ascii")), mimetype="application/jwt",
                     as_attachment=True, download_name=f"{cert.number}.jwt")


@bp.get("/certificates/<int:cert_id>/badge.json")
@login_required
def badge_json(cert_id: int):
    cert = services.certificate_for(current_actor(), cert_id)
    response = jsonify(badges.credential(cert))
    response.headers["Content-Disposition"] = f'attachment; filename="{cert.number}.json"'
    return response


@bp.post("/certificates/<int:cert_id>/revoke")
@role_required(*services.ISSUE_ROLES)
def revoke_certificate(cert_id: int):
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Hãy nêu lý do thu hồi."), "danger")
    else:
        try:
            cert = services.revoke(current_actor(), cert_id, form.reason.data)
        except services.CertificateNotFound:
            raise
        except services.CertificationError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã thu hồi chứng chỉ %(n)s.", n=cert.number), "success")
    return redirect(url_for("certification.show_certificate", cert_id=cert_id))


@bp.get("/verify/")
@limiter.shared_limit(_verify_limit, scope="certificate-verify")
def verify_search():
    number = request.args.get("number", "").strip()
    result = services.verify(number) if number else None
    return render_template("certification/verify.html", result=result, number=number), \
        404 if result is not None and result.status == "unknown" else 200


@bp.get("/verify/<number>")
@limiter.shared_limit(_verify_limit, scope="certificate-verify")
def verify(number: str):
    result = services.verify(number, request.args.get("p"))
    return render_template("certification/verify.html", result=result, number=number), \
        404 if result.status == "unknown" else 200


@bp.get("/reports/staffing")
@role_required(*services.ISSUE_ROLES)
def staffing_report():
    actor, org_id = current_actor(), request.args.get("org", type=int)
    root, metrics = staffing.staffing(actor, org_id)
    return render_template("certification/staffing.html", root=root, metrics=metrics,
                           org_choices=filter_choices(actor, root.id))


@bp.get("/reports/staffing.xlsx")
@role_required(*services.ISSUE_ROLES)
def export_staffing():
    data = staffing.export(current_actor(), request.args.get("org", type=int))
    return send_file(io.BytesIO(data), as_attachment=True, download_name="can-bo-cntt-cac-co-quan.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/.well-known/jwks.json")
def jwks():
    return jsonify(badges.jwks())


@bp.app_errorhandler(services.CertificateNotFound)
def _not_found(exc):
    return render_template("errors/404.html"), 404
