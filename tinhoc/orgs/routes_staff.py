"""Staff pages: the filtered list, one person, leaving/returning, Excel import and export. Thin routes."""
from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from ..pagination import page_number
from ..security import current_actor, role_required
from . import bp, pending, services, spreadsheets, staff, staff_import
from .forms import ActionForm, ApplyImportForm, ImportForm, PersonForm


def _id_arg(name: str) -> int | None:
    """An id from the query string; what cannot be a row id (text, 2^63) is no filter at all."""
    value = request.args.get(name, type=int)
    return value if services.valid_id(value) else None


def _int_or_none(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _staff_filter() -> staff.StaffFilter:
    return staff.StaffFilter(q=request.args.get("q", "").strip(), org_id=_id_arg("org"),
                             position_id=_id_arg("position"), include_left=request.args.get("left") == "1")


@bp.get("/staff")
@role_required("organiser")
def list_staff():
    flt, actor = _staff_filter(), current_actor()
    page = staff.list_staff(actor, flt, page_number(request.args.get("page")))
    return render_template("orgs/staff.html", page=page, flt=flt, positions=services.list_positions(),
                           org_choices=services.filter_choices(actor, flt.org_id))


@bp.route("/staff/new", methods=["GET", "POST"], defaults={"person_id": None})
@bp.route("/staff/<int:person_id>", methods=["GET", "POST"])
@role_required("organiser")
def edit_person(person_id: int | None):
    actor = current_actor()
    person = staff.person_for(actor, person_id) if person_id is not None else None
    form = PersonForm(obj=person)
    form.organisation_id.choices = services.unit_choices(actor, keep=person.organisation if person else None)
    form.position_id.choices = [(p.id, p.name) for p in services.list_positions()]
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            saved = staff.save_person(actor, person_id, employee_code=form.employee_code.data,
                                      full_name=form.full_name.data, date_of_birth=form.date_of_birth.data,
                                      email=form.email.data, organisation_id=form.organisation_id.data,
                                      position_id=form.position_id.data, title=form.title.data,
                                      version=_int_or_none(form.version.data))
        except services.OrgError as exc:
            flash(str(exc), "danger")
            status = 409 if isinstance(exc, staff.StaleEdit) else 400
        else:
            flash(_("Đã lưu cán bộ %(n)s.", n=saved.full_name), "success")
            return redirect(url_for("orgs.list_staff", q=saved.employee_code))
    return render_template("orgs/person.html", form=form, person=person, action=ActionForm()), status


@bp.post("/staff/<int:person_id>/leave")
@role_required("organiser")
def leave_person(person_id: int):
    if ActionForm().validate_on_submit():
        person = staff.mark_left(current_actor(), person_id)
        flash(_("%(n)s đã được ghi là nghỉ việc hoặc chuyển công tác.", n=person.full_name), "success")
    return redirect(url_for("orgs.edit_person", person_id=person_id))


@bp.post("/staff/<int:person_id>/return")
@role_required("organiser")
def return_person(person_id: int):
    if ActionForm().validate_on_submit():
        try:
            person = staff.mark_returned(current_actor(), person_id)
        except services.OrgError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("%(n)s đã trở lại làm việc.", n=person.full_name), "success")
    return redirect(url_for("orgs.edit_person", person_id=person_id))


@bp.get("/staff/export.xlsx")
@role_required("organiser")
def export_staff():
    data = spreadsheets.export_staff(current_actor(), _staff_filter())
    return send_file(io.BytesIO(data), mimetype=spreadsheets.XLSX_MIME, as_attachment=True,
                     download_name="danh-sach-can-bo.xlsx")


@bp.get("/staff/import/template.xlsx")
@role_required("organiser")
def import_template():
    return send_file(io.BytesIO(spreadsheets.import_template(current_actor())), mimetype=spreadsheets.XLSX_MIME,
                     as_attachment=True, download_name="mau-nhap-can-bo.xlsx")


@bp.route("/staff/import", methods=["GET", "POST"])
@role_required("organiser")
def import_staff():
    form, actor = ImportForm(), current_actor()
    if form.validate_on_submit():
        data = form.file.data.read()
        report = staff_import.plan_import(io.BytesIO(data), actor)
        token = pending.keep_upload(actor, data, form.file.data.filename) if report.ok else None
        return render_template("orgs/import_preview.html", report=report, filename=form.file.data.filename,
                               apply_form=ApplyImportForm(data={"token": token}) if token else None,
                               upload=ImportForm()), 200 if report.ok else 422
    return render_template("orgs/import.html", form=form), 400 if form.errors else 200


@bp.post("/staff/import/apply")
@role_required("organiser")
def apply_import():
    form = ApplyImportForm()
    if not form.validate_on_submit():
        flash(_("Yêu cầu không hợp lệ, hãy tải tệp lên lại."), "danger")
        return redirect(url_for("orgs.import_staff"))
    try:
        counts = pending.apply_pending(current_actor(), form.token.data)
    except staff_import.ImportRefused as exc:
        flash(str(exc), "danger")
        return redirect(url_for("orgs.import_staff"))
    flash(_("Đã nhập: %(new)d cán bộ mới, %(updated)d cập nhật, %(unchanged)d không đổi.", **{
        k: counts[k] for k in ("new", "updated", "unchanged")}), "success")
    return redirect(url_for("orgs.list_staff"))
