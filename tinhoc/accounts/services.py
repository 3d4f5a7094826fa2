"""Account rules: logging in, passwords, creating and editing users. Services commit; routes don't."""
from __future__ import annotations

import os
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import raiseload, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock, text
from ..access import Actor
from ..audit import record as audit
from ..extensions import db
from .models import ROLES, Role, RoleGrant, User

# Who may look at accounts besides admins: an organiser sees the accounts of the staff of their subtree.
ACCOUNT_VIEW_ROLES = ("organiser",)

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
    """Active administrators other than `user_id`. The active admins' rows are locked first (on
    PostgreSQL), so two admins demoting each other at the same moment cannot both see the other as
    still there: the second waits, then counts again in a fresh statement and is refused."""
    db.session.execute(
        select(User.id).join(RoleGrant, RoleGrant.user_id == User.id).join(Role, Role.id == RoleGrant.role_id)
        .where(Role.name == "admin", User.active.is_(True)).with_for_update(of=User)).all()
    return db.session.scalar(
        select(func.count(func.distinct(User.id))).join(RoleGrant, RoleGrant.user_id == User.id)
        .join(Role, Role.id == RoleGrant.role_id)
        .where(Role.name == "admin", User.active.is_(True), User.id != user_id)) or 0


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def hash_passwords(passwords: list[str]) -> list[str]:
    """hash_password for many at once (login slips for a school): pbkdf2 (hashlib) releases the GIL,
    so they are hashed on every core."""
    from concurrent.futures import ThreadPoolExecutor
    from functools import partial
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if len(passwords) < 2:
        return [generate_password_hash(p, method=method) for p in passwords]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(partial(generate_password_hash, method=method), passwords))


def unusable_password_hash() -> str:
    """For an account no one may log in to until a password is given to it (a contestant before
    their slip is printed): the hash of a random 256-bit secret that is thrown away. One round is
    enough: what protects it is the secret's size, not the hash's cost, and a thousand pupils
    imported at once do not spend a minute on pbkdf2."""
    return generate_password_hash(secrets.token_urlsafe(32), method="pbkdf2:sha256:1")


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash("not-a-password", method=method)
    return _DUMMY_HASH[method]


def _check_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise WeakPassword(_("Mật khẩu phải có ít nhất %(n)d ký tự.", n=MIN_PASSWORD_LENGTH))


check_strength = _check_strength   # the password rule, for other packages' own sign-up forms (contests)


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


def change_password(actor: Actor, current: str, new: str) -> User:
    """The actor changes their own password; every other session of theirs ends."""
    user = get_user(actor.user_id)
    if not check_password_hash(user.password_hash, current or ""):
        raise AccountError(_("Mật khẩu hiện tại không đúng."))
    _check_strength(new)
    if current == new:
        raise WeakPassword(_("Mật khẩu mới phải khác mật khẩu hiện tại."))
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1
    audit(actor, "user.change_password", "user", user.id)
    db.session.commit()
    return user


def end_sessions(actor: Actor) -> None:
    """Logging out ends every session of the actor (cookies issued before no longer load the user)."""
    user = db.session.get(User, actor.user_id)
    if user is not None:
        user.session_version += 1
        db.session.commit()


def load_session_user(session_id: str) -> User | None:
    """The user for the id Flask-Login keeps ("<id>:<session version>"): one query on the user row,
    None when the version is stale (logged out, password changed or reset, deactivated)."""
    user_id, _sep, version = (session_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


def session_user_clause(user_id: int, version: int):
    """SQL: the session (user id, version) is still good (not logged out, no password change or reset,
    active, no temporary password to replace): what load_session_user and the password-change hook
    check, for an endpoint that authenticates inside its own statement (security.SELF_AUTHENTICATED)."""
    return exists().where(User.id == user_id, User.session_version == version, User.active.is_(True),
                          User.must_change_password.is_(False))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id) if isinstance(user_id, int) and 0 < user_id < 2**31 else None
    if user is None:
        raise UserNotFound(str(user_id))
    return user


def _scoped(stmt, actor: Actor):
    """Keep the accounts the actor may see: all for a province-wide admin or organiser, else those
    linked to staff of their subtree (filtered in SQL)."""
    from ..orgs.models import Organisation, Person
    if actor.province_wide(*ACCOUNT_VIEW_ROLES):
        return stmt
    return (stmt.join(Person, Person.id == User.person_id).join(Organisation, Organisation.id == Person.organisation_id)
            .where(actor.scope_clause(*ACCOUNT_VIEW_ROLES)))


def user_for(actor: Actor, user_id: int) -> User:
    """The account if the actor may see it, else UserNotFound (a 404: existence does not leak).
    The one place that decides access to accounts; every account page goes through it."""
    user = db.session.scalar(_scoped(select(User).where(User.id == user_id), actor))
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
            "roles": user.province_roles, "active": user.active, "person_id": user.person_id,
            "scoped_roles": sorted(f"{g.role.name}@{g.organisation.code}" for g in user.scoped_grants)}


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


def create_user(actor: Actor, *, username: str, full_name: str, password: str,
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
                person_id=person_id, grants=[RoleGrant(role=all_roles[r]) for r in roles])
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same login (in any case) created by a concurrent request
        db.session.rollback()
        raise UsernameTaken(_("Tên đăng nhập %(u)s đã được dùng.", u=username))
    audit(actor, "user.create", "user", user.id, after=_snapshot(user))
    db.session.commit()
    return user


def update_user(actor: Actor, user_id: int, *, full_name: str, email: str | None,
                roles: list[str], active: bool, employee_code: str | None = None) -> User:
    """Edit an account; `roles` are its province-wide roles (scoped grants are kept: see grant_role).
    With `employee_code` given ("" to unlink) its staff link changes too. Deactivating ends its sessions."""
    user = user_for(actor, user_id)
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
    wanted = set(roles)
    for grant in [g for g in user.grants if g.organisation_id is None and g.role.name not in wanted]:
        user.grants.remove(grant)
    for name in sorted(wanted - set(user.province_roles)):
        user.grants.append(RoleGrant(role=all_roles[name]))
    if user.active and not active:
        user.session_version += 1
    user.active = active
    audit(actor, "user.update", "user", user.id, before=before, after=_snapshot(user))
    db.session.commit()
    return user


def set_temporary_password(actor: Actor, user_id: int, password: str) -> User:
    """An admin resets a password (no mail server assumed): the user must change it at next login,
    and every session opened with the old password ends."""
    _check_strength(password)
    user = user_for(actor, user_id)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_version += 1
    audit(actor, "user.reset_password", "user", user.id)
    db.session.commit()
    return user


def list_users(actor: Actor, query: str = "", page: int = 1, per_page: int = 25):
    """The accounts the actor may see (scope filtered in SQL), grants loaded in one more query; anything
    else the list touched per row would raise rather than lazy-load. Search ignores case and accents."""
    from ..pagination import paginate
    stmt = (_scoped(select(User), actor).options(selectinload(User.grants), raiseload(User.person))
            .order_by(User.username_key))
    search = text.matches(User.search_text, query)
    if search is not None:
        stmt = stmt.where(search)
    return paginate(stmt, page, per_page)


def count_by_role(actor: Actor) -> dict[str, int]:
    """Accounts per role (in any scope) among those the actor may see."""
    stmt = _scoped(select(Role.name, func.count(func.distinct(RoleGrant.user_id)))
                   .select_from(RoleGrant).join(Role, Role.id == RoleGrant.role_id)
                   .join(User, User.id == RoleGrant.user_id), actor)
    return {name: n for name, n in db.session.execute(stmt.group_by(Role.name)).all()}


# --- scoped grants -----------------------------------------------------------------------------

def grant_role(actor: Actor, user_id: int, role: str, org_code: str) -> RoleGrant:
    """Grant `role` over one unit's subtree (the unit given by its code). Admin is always province-wide."""
    from ..orgs.services import find_by_code
    user = user_for(actor, user_id)
    if role not in ROLES or role == "admin":
        raise AccountError(_("Vai trò này không cấp theo đơn vị được."))
    org = find_by_code(org_code)
    if org is None:
        raise AccountError(_("Không có đơn vị nào mang mã %(c)s.", c=(org_code or "").strip()))
    if org.is_archived:
        raise AccountError(_("Đơn vị %(c)s (%(n)s) đã ngừng hoạt động.", c=org.code, n=org.name))
    if any(g.role.name == role and g.organisation_id in (None, org.id) for g in user.grants):
        raise AccountError(_("Tài khoản đã có vai trò này trên đơn vị đó hoặc toàn tỉnh."))
    before = _snapshot(user)
    grant = RoleGrant(role=ensure_roles()[role], organisation=org)
    user.grants.append(grant)
    db.session.flush()
    audit(actor, "user.grant", "user", user.id, before=before, after=_snapshot(user))
    db.session.commit()
    return grant


def revoke_grant(actor: Actor, user_id: int, grant_id: int) -> None:
    """Take back one scoped grant (province-wide roles are the checkboxes of the account form)."""
    user = user_for(actor, user_id)
    grant = next((g for g in user.scoped_grants if g.id == grant_id), None)
    if grant is None:
        raise UserNotFound(str(grant_id))
    before = _snapshot(user)
    user.grants.remove(grant)
    db.session.flush()
    audit(actor, "user.revoke", "user", user.id, before=before, after=_snapshot(user))
    db.session.commit()
