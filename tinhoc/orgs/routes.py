"""Organisation pages: the tree and the job positions (staff pages: routes_staff.py). Thin routes."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from ..forms import error_summary
from ..security import current_actor, role_required
from . import bp, services
from .forms import ActionForm, MoveForm, OrganisationForm, PositionEditForm, PositionForm, RenameForm


def _parent_field(field, exclude=None, allow_root=True):
    field.choices = ([("", _("— Không có (cấp cao nhất) —"))] if allow_root else []) + \
        services.parent_choices(current_actor(), exclude)


# --- tree ------------------------------------------------------------------------------------

@bp.get("/")
@role_required("organiser")
def list_organisations():
    show_archived = request.args.get("archived") == "1"
    actor = current_actor()
    return render_template("orgs/tree.html", units=services.subtree(include_archived=show_archived, actor=actor),
                           counts=services.staff_counts(actor), show_archived=show_archived,
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
            org = services.create_organisation(current_actor(), kind=form.kind.data, code=form.code.data,
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
    org = services.organisation_for(current_actor(), org_id)
    rename = RenameForm(data={"kind": org.kind, "code": org.code, "name": org.name})
    move = MoveForm(data={"parent_id": org.parent_id})
    _parent_field(move.parent_id, exclude=org)
    return render_template("orgs/edit.html", org=org, rename=rename, move=move, action=ActionForm(),
                           subtree=services.subtree(org.id, include_archived=True)[1:],
                           counts=services.staff_counts(current_actor()))


def _after(org_id: int, call, success: str):
    try:
        call()
    except services.NotFound:
        raise                       # an unknown unit (or one out of scope) is a 404, not a message
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
        flash(error_summary(form), "danger")
        return redirect(url_for("orgs.edit_organisation", org_id=org_id))
    return _after(org_id, lambda: services.update_organisation(
        current_actor(), org_id, kind=form.kind.data, code=form.code.data, name=form.name.data),
        _("Đã lưu tên đơn vị."))


@bp.post("/<int:org_id>/move")
@role_required("admin")
def move_organisation(org_id: int):
    form = MoveForm()
    form.validate_on_submit()
    if form.errors:
        flash(error_summary(form), "danger")
        return redirect(url_for("orgs.edit_organisation", org_id=org_id))
    return _after(org_id, lambda: services.move_organisation(current_actor(), org_id, form.parent_id.data),
                  _("Đã chuyển đơn vị."))


@bp.post("/<int:org_id>/archive")
@role_required("admin")
def archive_organisation(org_id: int):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("orgs.edit_organisation", org_id=org_id))
    return _after(org_id, lambda: services.archive_organisation(current_actor(), org_id),
                  _("Đơn vị và các đơn vị trực thuộc đã ngừng hoạt động."))


@bp.post("/<int:org_id>/unarchive")
@role_required("admin")
def unarchive_organisation(org_id: int):
    if not ActionForm().validate_on_submit():
        return redirect(url_for("orgs.edit_organisation", org_id=org_id))
    return _after(org_id, lambda: services.unarchive_organisation(current_actor(), org_id),
                  _("Đơn vị hoạt động trở lại."))


# --- positions -------------------------------------------------------------------------------

@bp.route("/positions", methods=["GET", "POST"])
@role_required("admin")
def list_positions():
    form = PositionForm()
    if form.validate_on_submit():
        try:
            services.create_position(current_actor(), code=form.code.data, name=form.name.data,
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
                           counts=services.position_counts(current_actor())), 400 if request.method == "POST" else 200


@bp.post("/positions/<int:position_id>")
@role_required("admin")
def edit_position(position_id: int):
    form = PositionEditForm(prefix=f"p{position_id}")
    if not form.validate_on_submit():
        flash(error_summary(form), "danger")
    else:
        try:
            services.update_position(current_actor(), position_id, name=form.name.data,
                                     sort_order=form.sort_order.data or 0)
        except services.OrgError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã lưu vị trí việc làm."), "success")
    return redirect(url_for("orgs.list_positions"))


@bp.app_errorhandler(services.NotFound)
def _not_found(exc):
    return render_template("errors/404.html"), 404
