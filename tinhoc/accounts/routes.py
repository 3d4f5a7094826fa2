"""Account pages: thin routes that parse a form, call a service and answer."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import text
from ..extensions import limiter, login_manager
from ..security import SELF_AUTHENTICATED, current_actor, role_required, safe_next
from . import bp, services
from .forms import ActionForm, ChangePasswordForm, GrantForm, LoginForm, TemporaryPasswordForm, UserForm

login_manager.login_view = "accounts.login"
login_manager.login_message = None  # the login page itself says why you are there


@login_manager.user_loader
def load_user(session_id: str):
    return services.load_session_user(session_id)


def _username() -> str:
    """The login as the account is found (any case, any Unicode form): one counter per account."""
    return text.code_key(request.form.get("username") or "")


def _account_key() -> str:
    return "login-account:" + _username()


def _account_address_key() -> str:
    # The strict limit: one machine guessing one account. A classmate elsewhere cannot lock it out.
    return f"login-account-address:{_username()}@{request.remote_addr}"


def _login_failed(response) -> bool:
    return response.status_code == 401


@bp.before_app_request
def _force_password_change():
    """A temporary password must be replaced before anything else is done."""
    allowed = {"accounts.change_password", "accounts.logout", "static", "main.set_language"}
    if request.endpoint in SELF_AUTHENTICATED:   # they check the password flag in their own statement
        return None
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in allowed):
        return redirect(url_for("accounts.change_password"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key, deduct_when=_login_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"], methods=["POST"],
               key_func=_account_address_key, deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except services.LoginFailed as exc:
            flash(str(exc), "danger")
            return render_template("accounts/login.html", form=form), 401
        login_user(user)
        return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.end_sessions(current_actor())
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("accounts.login"))


@bp.get("/profile")
@login_required
def profile():
    return render_template("accounts/profile.html", user=current_user)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = services.change_password(current_actor(), form.current.data, form.new.data)
        except services.AccountError as exc:
            flash(str(exc), "danger")
            return render_template("accounts/change_password.html", form=form), 400
        login_user(user)  # this session goes on under the new session version; the others end
        flash(_("Đã đổi mật khẩu."), "success")
        return redirect(url_for("main.index"))
    return render_template("accounts/change_password.html", form=form)


@bp.get("/admin/users")
@role_required(*services.ACCOUNT_VIEW_ROLES)
def list_users():
    users = services.list_users(current_actor(), request.args.get("q", ""), request.args.get("page", 1, type=int))
    return render_template("accounts/users.html", users=users, q=request.args.get("q", ""))


@bp.route("/admin/users/new", methods=["GET", "POST"])
@role_required("admin")
def create_user():
    form = UserForm()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("Cần đặt mật khẩu tạm thời cho tài khoản mới."))
        else:
            try:
                user = services.create_user(current_actor(), username=form.username.data,
                                            full_name=form.full_name.data, email=form.email.data,
                                            roles=form.roles.data, password=form.password.data,
                                            employee_code=form.employee_code.data)
            except services.AccountError as exc:
                flash(str(exc), "danger")
            else:
                flash(_("Đã tạo tài khoản %(u)s; người dùng phải đổi mật khẩu khi đăng nhập lần đầu.",
                        u=user.username), "success")
                return redirect(url_for("accounts.list_users"))
    return render_template("accounts/user_form.html", form=form, user=None), 400 if form.errors else 200


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_user(user_id: int):
    user = services.user_for(current_actor(), user_id)
    if request.method == "POST":
        form = UserForm()
    else:
        form = UserForm(data={"full_name": user.full_name, "email": user.email, "roles": user.province_roles,
                              "active": user.active, "employee_code": user.person.employee_code if user.person else ""})
    form.username.data = user.username  # the username is the login: not editable
    if form.validate_on_submit():
        try:
            services.update_user(current_actor(), user_id, full_name=form.full_name.data, email=form.email.data,
                                 roles=form.roles.data, active=form.active.data,
                                 employee_code=form.employee_code.data or "")
        except services.AccountError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã lưu tài khoản %(u)s.", u=user.username), "success")
            return redirect(url_for("accounts.list_users"))
    return render_template("accounts/user_form.html", form=form, user=user,
                           password_form=TemporaryPasswordForm(), grant_form=GrantForm(), action=ActionForm())


@bp.get("/admin/users/<int:user_id>/view")
@role_required(*services.ACCOUNT_VIEW_ROLES)
def show_user(user_id: int):
    """Read-only account page for an organiser (the accounts of their subtree's staff)."""
    return render_template("accounts/user_view.html", user=services.user_for(current_actor(), user_id))


@bp.post("/admin/users/<int:user_id>/grants")
@role_required("admin")
def grant_role(user_id: int):
    form = GrantForm()
    if not form.validate_on_submit():
        flash(_("Hãy chọn vai trò và nhập mã đơn vị."), "danger")
    else:
        try:
            services.grant_role(current_actor(), user_id, form.role.data, form.org_code.data)
        except services.AccountError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã cấp vai trò theo đơn vị."), "success")
    return redirect(url_for("accounts.edit_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/grants/<int:grant_id>/revoke")
@role_required("admin")
def revoke_grant(user_id: int, grant_id: int):
    if ActionForm().validate_on_submit():
        services.revoke_grant(current_actor(), user_id, grant_id)
        flash(_("Đã thu hồi vai trò theo đơn vị."), "success")
    return redirect(url_for("accounts.edit_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/password")
@role_required("admin")
def reset_password(user_id: int):
    form = TemporaryPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.set_temporary_password(current_actor(), user_id, form.password.data)
        except services.AccountError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Đã đặt mật khẩu tạm thời cho %(u)s.", u=user.username), "success")
    else:
        flash(_("Mật khẩu tạm thời phải có ít nhất 8 ký tự."), "danger")
    return redirect(url_for("accounts.edit_user", user_id=user_id))


@bp.app_errorhandler(services.UserNotFound)
def _user_not_found(exc):
    return render_template("errors/404.html"), 404
