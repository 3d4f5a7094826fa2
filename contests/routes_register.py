"""Registration pages: a school's teacher registers pupils, an organiser approves, slips are printed."""
from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from tinhoc.security import current_actor, login_required, role_required

from . import bp, registration, services, slips
from .forms import ActionForm, RegisterForm

REGISTER_ROLES = ("teacher", "organiser")


def _register_form(actor, contest) -> RegisterForm:
    form = RegisterForm()
    form.division.choices = [(d.id, f"{d.code} · {d.name}") for d in contest.divisions]
    form.school.choices = [(s.id, s.name) for s in registration.teacher_schools(actor)]
    return form


@bp.route("/<int:contest_id>/register", methods=["GET", "POST"])
@role_required(*REGISTER_ROLES)
def register(contest_id):
    actor = current_actor()
    contest = services.contest_for(actor, contest_id)
    form = _register_form(actor, contest)
    if form.validate_on_submit():
        pupils = [registration.Pupil(form.name1.data, form.grade1.data, form.level1.data)]
        if form.name2.data:
            pupils.append(registration.Pupil(form.name2.data, form.grade2.data or 0, form.level2.data))
        try:
            entry = registration.register(actor, contest, division_id=form.division.data, school_id=form.school.data,
                                          pupils=pupils, team_name=form.team_name.data or "")
        except services.ContestError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã đăng ký %(n)s; chờ ban tổ chức duyệt.", n=entry.name), "success")
            return redirect(url_for("contests.list_entries", contest_id=contest.id))
    return render_template("contests/register.html", contest=contest, form=form)


@bp.get("/<int:contest_id>/entries")
@role_required(*REGISTER_ROLES)
def list_entries(contest_id):
    actor = current_actor()
    contest = services.contest_for(actor, contest_id)
    return render_template("contests/entries.html", contest=contest, form=ActionForm(),
                           entries=registration.list_entries(actor, contest),
                           manager=services.may_manage(actor, contest),
                           schools=registration.teacher_schools(actor))


@bp.post("/entries/<int:entry_id>/approve")
@role_required(*services.MANAGE_ROLES)
def approve_entry(entry_id):
    actor = current_actor()
    entry = registration.entry_for_manager(actor, entry_id)
    if ActionForm().validate_on_submit():
        registration.approve(actor, entry.id)
        flash(_("Đã duyệt %(n)s.", n=entry.name), "success")
    return redirect(url_for("contests.list_entries", contest_id=entry.division.contest_id))


@bp.post("/<int:contest_id>/slips.pdf")
@role_required(*REGISTER_ROLES)
def login_slips(contest_id):
    """POST: printing sets fresh passwords for accounts never used, so it is not a plain GET. A
    school's slips come at once; more fresh passwords than CONTEST_SLIPS_INLINE are made off the
    request, on a page that follows them."""
    actor = current_actor()
    contest = services.contest_for(actor, contest_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("contests.list_entries", contest_id=contest.id))
    school_id = request.form.get("school", type=int)
    made = slips.request_slips(actor, contest, school_id)
    if not isinstance(made, bytes):
        return redirect(url_for("contests.slip_batch", batch_id=made.id))
    return send_file(io.BytesIO(made), mimetype="application/pdf", as_attachment=True,
                     download_name=f"phieu-dang-nhap-{contest.id}.pdf")


@bp.get("/slips/<int:batch_id>")
@login_required                 # its requester only: anyone else gets 404 (slips.batch_for)
def slip_batch(batch_id):
    batch = slips.batch_for(current_actor(), batch_id)
    return render_template("contests/slip_batch.html", batch=batch, expired=slips.expired(batch),
                           keep_minutes=int(slips.keep_seconds() // 60), failure_text=slips.failure_text(batch))


@bp.get("/slips/<int:batch_id>/status")
@login_required
def slip_batch_status(batch_id):
    return slips.status_json(slips.batch_for(current_actor(), batch_id))


@bp.get("/slips/<int:batch_id>/file")
@login_required
def slip_batch_file(batch_id):
    batch = slips.batch_for(current_actor(), batch_id)
    pdf = slips.pdf_of(batch)
    if pdf is None:                     # expired (or not made): its page says so
        return redirect(url_for("contests.slip_batch", batch_id=batch.id))
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"phieu-dang-nhap-{batch.contest_id}.pdf")
