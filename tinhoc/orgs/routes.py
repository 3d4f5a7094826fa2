"""Organisation pages: the tree, job positions, staff list, import and export. Thin routes."""
from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..security import role_required
from . import bp, services, spreadsheets, staff_import
from .forms import (ActionForm, ApplyImportForm, ImportForm, MoveForm, OrganisationForm, PersonForm,
                    PositionEditForm, PositionForm, RenameForm)


def _parent_field(field, exclude=None, allow_root=True):
    field.choices = ([("", _("— Không có (cấp cao nhất) —"))] if allow_root else []) + \
        services.parent_choices(exclude)


# --- tree ------------------------------------------------------------------------------------

@bp.get("/")
@role_required("organiser")
def list_organisations():
    show_archived = request.args.get("archived") == "1"
    return render_template("orgs/tree.html", units=services.subtree(include_archived=show_archived),
                           counts=services.staff_counts(), show_archived=show_archived,
                           kind_labels=services.KIND_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def create_organisation():
    form = OrganisationForm()
    _parent_field(form.parent_id)
    if request.method == "GET" and request.args.get("parent"):
        form.parent_id.data = request.args.get("parent", type=int)
    if form.validate_on_submit():
        try:
            org = services.create_organisation(current_user.id, kind=form.kind.data, code=form.code.data,
                                               name=form.name.data, parent_id=form.parent_id.data)
        except services.OrgError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã tạo đơn vị %(n)s.", n=org.name), "success")
            return redirect(url_for("orgs.list_organisations"))
    return render_template("orgs/new.html", form=form), 400 if request.method == "POST" else 200


@bp.get("/<int:org_id>")
@role_required("admin")
def edit_organisation(org_id: int):
    org = services.get_organisation(org_id)
    rename = RenameForm(data={"kind": org.kind, "code": org.code, "name": org.name})
    move = MoveForm(data={"parent_id": org.parent_id})
    _parent_field(move.parent_id, exclude=org)
    return render_template("orgs/edit.html", org=org, rename=rename, move=move, action=ActionForm(),
                           subtree=services.subtree(org.id, include_archived=True)[1:],
                           counts=services.staff_counts())


def _after(org_id: int, call, success: str):
    try:
        call()
    except services.OrgError as exc:
        flash(str(exc), "danger")
    else:
        flash(success, "success")
    return redirect(url_for("orgs.edit_organisation", org_id=org_id))


@bp.post("/<int:org_id>/rename")
@role_required("admin")
def rename_organisation(org_id: int):
    form = RenameForm()
    if not form.validate_on_submit():
        flash(_("Hãy nhập mã và tên đơn vị."), "danger")
        return redirect(url_for("orgs.edit_organisation", org_id=org_id))
    return _after(org_id, lambda: services.update_organisation(
        current_user.id, org_id, kind=form.kind.data, code=form.code.data, name=form.name.data),
        _("Đã lưu tên đơn vị."))


@bp.post("/<int:org_id>/move")
@role_required("admin")
def move_organisation(org_id: int):
    form = MoveForm()
    form.validate_on_submit()
    if form.errors:
        flash(_("Yêu cầu không hợp lệ, hãy thử lại."), "danger")
        return redirect(url_for("orgs.edit_organisation", org_id=org_id))
    return _after(org_id, lambda: services.move_organisation(current_user.id, org_id, form.parent_id.data),
                  _("Đã chuyển đơn vị."))


@bp.post("/<int:org_id>/archive")
@role_required("admin")
def archive_organisation(org_id: int):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("orgs.edit_organisation", org_id=org_id))
    return _after(org_id, lambda: services.archive_organisation(current_user.id, org_id),
                  _("Đơn vị và các đơn vị trực thuộc đã ngừng hoạt động."))


@bp.post("/<int:org_id>/unarchive")
@role_required("admin")
def unarchive_organisation(org_id: int):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("orgs.edit_organisation", org_id=org_id))
    return _after(org_id, lambda: services.unarchive_organisation(current_user.id, org_id),
                  _("Đơn vị hoạt động trở lại."))


# --- positions -------------------------------------------------------------------------------

@bp.route("/positions", methods=["GET", "POST"])
@role_required("admin")
def list_positions():
    form = PositionForm()
    if form.validate_on_submit():
        try:
            services.create_position(current_user.id, code=form.code.data, name=form.name.data,
                                     sort_order=form.sort_order.data or 0)
        except services.OrgError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã thêm vị trí việc làm."), "success")
            return redirect(url_for("orgs.list_positions"))
    positions = services.list_positions()
    edit_forms = {p.id: PositionEditForm(formdata=None, data={"name": p.name, "sort_order": p.sort_order},
                                         prefix=f"p{p.id}") for p in positions}
    return render_template("orgs/positions.html", positions=positions, form=form, edit_forms=edit_forms,
                           counts=services.position_counts()), 400 if request.method == "POST" else 200


@bp.post("/positions/<int:position_id>")
@role_required("admin")
def edit_position(position_id: int):
    form = PositionEditForm(prefix=f"p{position_id}")
    if not form.validate_on_submit():
        flash(_("Tên vị trí việc làm không được để trống."), "danger")
    else:
        try:
            services.update_position(current_user.id, position_id, name=form.name.data,
                                     sort_order=form.sort_order.data or 0)
        except services.OrgError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã lưu vị trí việc làm."), "success")
    return redirect(url_for("orgs.list_positions"))


# --- staff -----------------------------------------------------------------------------------

def _staff_filter() -> services.StaffFilter:
    return services.StaffFilter(q=request.args.get("q", "").strip(), org_id=request.args.get("org", type=int),
                                position_id=request.args.get("position", type=int))


@bp.get("/staff")
@role_required("organiser")
def list_staff():
    flt = _staff_filter()
    page = services.list_staff(flt, request.args.get("page", 1, type=int))
    return render_template("orgs/staff.html", page=page, flt=flt, positions=services.list_positions(),
                           org_choices=services.parent_choices())


@bp.route("/staff/new", methods=["GET", "POST"], defaults={"person_id": None})
@bp.route("/staff/<int:person_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_person(person_id: int | None):
    person = services.get_person(person_id) if person_id is not None else None
    form = PersonForm(obj=person)
    form.organisation_id.choices = services.parent_choices()
    form.position_id.choices = [(p.id, p.name) for p in services.list_positions()]
    if form.validate_on_submit():
        try:
            saved = services.save_person(current_user.id, person_id, employee_code=form.employee_code.data,
                                         full_name=form.full_name.data, date_of_birth=form.date_of_birth.data,
                                         email=form.email.data, organisation_id=form.organisation_id.data,
                                         position_id=form.position_id.data, title=form.title.data)
        except services.OrgError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã lưu cán bộ %(n)s.", n=saved.full_name), "success")
            return redirect(url_for("orgs.list_staff", q=saved.employee_code))
    return render_template("orgs/person.html", form=form, person=person), 400 if request.method == "POST" else 200


@bp.get("/staff/export.xlsx")
@role_required("organiser")
def export_staff():
    data = spreadsheets.export_staff(_staff_filter())
    return send_file(io.BytesIO(data), mimetype=spreadsheets.XLSX_MIME, as_attachment=True,
                     download_name="danh-sach-can-bo.xlsx")


@bp.get("/staff/import/template.xlsx")
@role_required("admin")
def import_template():
    return send_file(io.BytesIO(spreadsheets.import_template()), mimetype=spreadsheets.XLSX_MIME,
                     as_attachment=True, download_name="mau-nhap-can-bo.xlsx")


@bp.route("/staff/import", methods=["GET", "POST"])
@role_required("admin")
def import_staff():
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        report = staff_import.plan_import(io.BytesIO(data))
        token = staff_import.keep_upload(data) if report.ok else None
        return render_template("orgs/import_preview.html", report=report, filename=form.file.data.filename,
                               apply_form=ApplyImportForm(data={"token": token}) if token else None,
                               upload=ImportForm()), 200 if report.ok else 422
    return render_template("orgs/import.html", form=form), 400 if form.errors else 200


@bp.post("/staff/import/apply")
@role_required("admin")
def apply_import():
    form = ApplyImportForm()
    if not form.validate_on_submit():
        flash(_("Yêu cầu không hợp lệ, hãy tải tệp lên lại."), "danger")
        return redirect(url_for("orgs.import_staff"))
    token = form.token.data
    try:
        with staff_import.open_upload(token) as stream:
            report = staff_import.plan_import(stream)  # checked again: the data may have changed since
        counts = staff_import.apply_import(current_user.id, report, source=request.form.get("filename", ""))
    except staff_import.ImportRefused as exc:
        flash(str(exc), "danger")
        return redirect(url_for("orgs.import_staff"))
    staff_import.discard_upload(token)
    flash(_("Đã nhập: %(new)d cán bộ mới, %(updated)d cập nhật, %(unchanged)d không đổi.", **{
        k: counts[k] for k in ("new", "updated", "unchanged")}), "success")
    return redirect(url_for("orgs.list_staff"))


@bp.app_errorhandler(services.NotFound)
def _not_found(exc):
    return render_template("errors/404.html"), 404
