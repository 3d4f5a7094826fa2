"""Account rules: logging in, passwords, creating and editing users. Services commit; routes don't."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock, text
from ..audit import record as audit
from ..extensions import db
from .models import ROLES, Role, User, user_role

MIN_PASSWORD_LENGTH = 8
# A hash computed once so that an unknown username costs as much as a wrong password
# (no timing hint about which of the two was wrong).
_DUMMY_HASH: dict[str, str] = {}


class AccountError(Exception):
    """A refused account operation; `str(exc)` is the message for the user."""


class LoginFailed(AccountError):
    pass


class UsernameTaken(AccountError):
    pass


class WeakPassword(AccountError):
    pass


class UserNotFound(AccountError):
    pass


class LastAdmin(AccountError):
    """Removing the role (or the account) would leave the site with no active administrator."""


def _other_active_admins(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(User.id)).join(user_role, user_role.c.user_id == User.id)
        .join(Role, Role.id == user_role.c.role_id)
        .where(Role.name == "admin", User.active.is_(True), User.id != user_id)) or 0


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash("not-a-password", method=method)
    return _DUMMY_HASH[method]


def _check_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise WeakPassword(_("Mật khẩu phải có ít nhất %(n)d ký tự.", n=MIN_PASSWORD_LENGTH))


def find_by_username(username: str) -> User | None:
    """The account with this login, whatever its case or Unicode form."""
    return db.session.scalar(select(User).where(User.username_key == text.code_key(username)))


def authenticate(username: str, password: str) -> User:
    """Return the user for these credentials or raise LoginFailed, never saying which part was wrong."""
    user = find_by_username(username)
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        raise LoginFailed(_("Tên đăng nhập hoặc mật khẩu không đúng."))
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        raise LoginFailed(_("Tên đăng nhập hoặc mật khẩu không đúng."))
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if not user.password_hash.startswith(method + "$"):
        user.password_hash = hash_password(password)  # upgrade old hashes as users log in
    user.last_login_at = clock.now()
    db.session.commit()
    return user


def change_password(user_id: int, current: str, new: str) -> None:
    user = get_user(user_id)
    if not check_password_hash(user.password_hash, current or ""):
        raise AccountError(_("Mật khẩu hiện tại không đúng."))
    _check_strength(new)
    if current == new:
        raise WeakPassword(_("Mật khẩu mới phải khác mật khẩu hiện tại."))
    user.password_hash = hash_password(new)
    user.must_change_password = False
    audit(user.id, "user.change_password", "user", user.id)
    db.session.commit()


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id) if isinstance(user_id, int) and 0 < user_id < 2**31 else None
    if user is None:
        raise UserNotFound(str(user_id))
    return user


def ensure_roles() -> dict[str, Role]:
    """Create the site roles that do not exist yet; return them by name."""
    existing = {r.name: r for r in db.session.scalars(select(Role))}
    for name in ROLES:
        if name not in existing:
            existing[name] = Role(name=name)
            db.session.add(existing[name])
    db.session.flush()
    return existing


def _snapshot(user: User) -> dict:
    return {"username": user.username, "full_name": user.full_name, "email": user.email,
            "roles": sorted(user.role_names), "active": user.active, "person_id": user.person_id}


def _person_id_for(employee_code: str | None, user_id: int | None) -> int | None:
    """The staff record an account is linked to, by employee code ("" unlinks); one account per person."""
    from ..orgs.models import Person
    code = text.clean(employee_code)
    if not code:
        return None
    person = db.session.scalar(select(Person).where(Person.code_key == text.code_key(code)))
    if person is None:
        raise AccountError(_("Không có cán bộ nào mang mã %(c)s.", c=code))
    holder = db.session.scalar(select(User).where(User.person_id == person.id))
    if holder is not None and holder.id != user_id:
        raise AccountError(_("Cán bộ %(c)s đã gắn với tài khoản %(u)s.", c=code, u=holder.username))
    return person.id


def create_user(actor_id: int | None, *, username: str, full_name: str, password: str,
                email: str | None = None, roles: list[str] = (), must_change_password: bool = True,
                person_id: int | None = None, employee_code: str | None = None) -> User:
    """Create an account; an admin-set password is temporary and must be changed at first login.
    `employee_code` links the account to that member of staff (training and targets follow the person)."""
    if employee_code:
        person_id = _person_id_for(employee_code, None)
    username = text.clean(username)
    if find_by_username(username) is not None:
        raise UsernameTaken(_("Tên đăng nhập %(u)s đã được dùng.", u=username))
    _check_strength(password)
    all_roles = ensure_roles()
    user = User(username=username, full_name=text.clean(full_name), email=text.clean_or_none(email),
                password_hash=hash_password(password), must_change_password=must_change_password,
                person_id=person_id, roles=[all_roles[r] for r in roles])
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same login (in any case) created by a concurrent request
        db.session.rollback()
        raise UsernameTaken(_("Tên đăng nhập %(u)s đã được dùng.", u=username))
    audit(actor_id, "user.create", "user", user.id, after=_snapshot(user))
    db.session.commit()
    return user


def update_user(actor_id: int, user_id: int, *, full_name: str, email: str | None,
                roles: list[str], active: bool, employee_code: str | None = None) -> User:
    """Edit an account; with `employee_code` given ("" to unlink) its staff link changes too."""
    user = get_user(user_id)
    before = _snapshot(user)
    if user.active and "admin" in user.role_names and not (active and "admin" in roles) \
            and _other_active_admins(user.id) == 0:
        raise LastAdmin(_("%(u)s là quản trị viên đang hoạt động duy nhất: hãy cấp quyền quản trị cho "
                          "một tài khoản khác trước khi bỏ quyền hoặc khóa tài khoản này.", u=user.username))
    if employee_code is not None:
        user.person_id = _person_id_for(employee_code, user.id)
    all_roles = ensure_roles()
    user.full_name = text.clean(full_name)
    user.email = text.clean_or_none(email)
    user.roles = [all_roles[r] for r in roles]
    user.active = active
    audit(actor_id, "user.update", "user", user.id, before=before, after=_snapshot(user))
    db.session.commit()
    return user


def set_temporary_password(actor_id: int, user_id: int, password: str) -> User:
    """An admin resets a password (no mail server assumed): the user must change it at next login."""
    _check_strength(password)
    user = get_user(user_id)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    audit(actor_id, "user.reset_password", "user", user.id)
    db.session.commit()
    return user


def list_users(query: str = "", page: int = 1, per_page: int = 25):
    from ..pagination import paginate
    stmt = select(User).order_by(User.username_key)
    search = text.matches(User.search_text, query)
    if search is not None:
        stmt = stmt.where(search)
    return paginate(stmt, page, per_page)


def count_by_role() -> dict[str, int]:
    rows = db.session.execute(select(Role.name, func.count(user_role.c.user_id))
                              .join(user_role, user_role.c.role_id == Role.id, isouter=True)
                              .group_by(Role.name)).all()
    return {name: n for name, n in rows}
