"""Access control, HTML sanitising, security headers and the audit helper."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

import bleach
from flask import abort, current_app, g, request
from flask_login import current_user, login_required

from .access import Actor
from .audit import record as audit  # noqa: F401  (re-exported: security.audit(...))

ALLOWED_TAGS = ["a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "i", "li", "ol",
                "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul"]
ALLOWED_ATTRS = {"a": ["href", "title"], "abbr": ["title"], "td": ["colspan", "rowspan"],
                 "th": ["colspan", "rowspan"]}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"


def sanitize_html(text: str | None) -> str:
    """Clean user HTML on save: only a small set of tags, no scripts, no event attributes."""
    return bleach.clean(text or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRS,
                        protocols=["http", "https", "mailto"], strip=True)


def current_actor() -> Actor:
    """The request's Actor, built once (one small query for the grants) and kept on `g`."""
    actor = g.get("_actor")
    if actor is None:
        from .access import load_actor
        if current_user.is_authenticated:
            actor = load_actor(current_user.id, request.remote_addr)
        else:
            actor = Actor(None, {}, request.remote_addr)
        g._actor = actor
    return actor


# Endpoints that authenticate the request themselves, inside their own statement, instead of loading
# the user row (the exam save: a wave of candidates): the before-request hooks leave them alone.
SELF_AUTHENTICATED: set[str] = set()


def session_identity() -> tuple[int, int] | None:
    """(user id, session version) of the logged-in session, as Flask-Login keeps it, without loading
    the user; None for an anonymous request. The caller must check the version against the user row
    (accounts.services.session_user_clause), as Flask-Login's user loader does."""
    from flask import session
    user_id, _sep, version = str(session.get("_user_id") or "").partition(":")
    if not user_id.isdigit() or not version.isdigit() or not 0 < int(user_id) < 2**31:
        return None
    return int(user_id), int(version)


def role_required(*roles: str):
    """Route decorator: the user must be logged in and hold at least one of `roles` (admin always may)
    in some scope; which objects they reach is then the service's business (scope)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_actor().may(*roles):
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_roles = roles
        return wrapped
    return decorator


def can(endpoint: str) -> bool:
    """For templates: may the current user open `endpoint`? Reads the roles the route declares
    with @role_required (a route without it is open to anyone logged in)."""
    if not current_user.is_authenticated:
        return False
    view = current_app.view_functions.get(endpoint)
    if view is None:
        raise LookupError(f"no endpoint {endpoint!r}")
    roles = getattr(view, "required_roles", None)
    return roles is None or current_actor().may(*roles)


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None: no scheme, no host, no backslash,
    no control characters (a tab or CR/LF the browser would drop or that would split the header)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7f for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def add_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("HTTPS"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
