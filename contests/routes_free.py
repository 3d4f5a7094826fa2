"""Free candidates' self-registration (public pages) and the organiser's switch per division.
Thin routes: parse, call one service, answer."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tinhoc.extensions import limiter
from tinhoc.security import current_actor, role_required

from . import bp, free_registration, registration_window, services
from .forms import FreeOpenForm, FreeRegisterForm


def free_register_limit() -> str:
    return current_app.config.get("CONTEST_FREE_REGISTER_LIMIT", "30 per hour;100 per day")


def free_attempt_limit() -> str:
    return current_app.config.get("CONTEST_FREE_ATTEMPT_LIMIT", "120 per hour")


def _registered(response) -> bool:
    """Only a registration made counts toward the per-address quota: a pupil who mistypes the date
    of birth three times has made no account (the attempts have a looser limit of their own)."""
    return bool(g.get("free_registered"))


@bp.get("/free")
def free_divisions():
    return render_template("contests/free_list.html", divisions=free_registration.open_divisions())


def _form(division) -> FreeRegisterForm:
    form = FreeRegisterForm()
    form.school.choices = [(0, _("— Trường khác (nhập tên bên dưới) —"))] + \
        [(s.id, s.name) for s in free_registration.schools_for(division)]
    if not form.is_submitted() and current_user.is_authenticated:
        form.full_name.data = current_user.full_name
        form.contact.data = current_user.email or ""
    return form


@bp.route("/divisions/<int:division_id>/free-register", methods=["GET", "POST"])
@limiter.limit(free_register_limit, methods=["POST"], deduct_when=_registered)
@limiter.limit(free_attempt_limit, methods=["POST"])
def free_register(division_id):
    division = free_registration.open_division(division_id)
    closed = registration_window.closed_reason(division.contest)
    form = _form(division)
    if not closed and form.validate_on_submit():
        if not current_user.is_authenticated and form.password.data != form.confirm.data:
            flash(_("Hai lần nhập mật khẩu không trùng nhau."), "danger")
        else:
            application = free_registration.Application(
                full_name=form.full_name.data, date_of_birth=form.date_of_birth.data, grade=form.grade.data,
                school_level=form.level.data, school_id=form.school.data or None,
                school_name=form.school_name.data or "", contact=form.contact.data or "",
                password=form.password.data or "")
            try:
                done = free_registration.register(current_actor(), division, application)
            except services.ContestError as exc:
                flash(str(exc), "danger")
            else:   # shown once, on a page of its own: a refresh does not post the form again
                g.free_registered = True
                session["free_registered"] = {"division": division.id, "name": done.entry.name,
                                              "username": done.username, "new_account": done.new_account}
                return redirect(url_for("contests.free_register_done", division_id=division.id))
    elif form.is_submitted() and closed:
        flash(closed, "danger")
    return render_template("contests/free_register.html", division=division, form=form, closed=closed)


@bp.get("/divisions/<int:division_id>/free-register/done")
def free_register_done(division_id):
    """The new username, once: it leaves the session as it is shown."""
    division = free_registration.open_division(division_id)
    done = session.pop("free_registered", None)
    if not done or done.get("division") != division_id:
        return redirect(url_for("contests.free_divisions"))
    return render_template("contests/free_done.html", division=division, done=done)


@bp.post("/divisions/<int:division_id>/free-candidates")
@role_required(*services.MANAGE_ROLES)
def set_free_candidates(division_id):
    actor = current_actor()
    division = free_registration.managed_division(actor, division_id)
    form = FreeOpenForm()
    if form.validate_on_submit():
        free_registration.set_open(actor, division, bool(form.open.data))
        flash(_("Bảng %(d)s đã mở cho thí sinh tự do đăng ký.", d=division.code) if division.open_to_free
              else _("Bảng %(d)s không nhận thí sinh tự do.", d=division.code), "success")
    return redirect(url_for("contests.show_contest", contest_id=division.contest_id))
