"""Access control, HTML sanitising, security headers and the audit helper."""
from __future__ import annotations

from functools import wraps

import bleach
from flask import abort
from flask_login import current_user, login_required

from .audit import record as audit  # noqa: F401  (re-exported: security.audit(...))

ALLOWED_TAGS = ["a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "i", "li", "ol",
                "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul"]
ALLOWED_ATTRS = {"a": ["href", "title"], "abbr": ["title"], "td": ["colspan", "rowspan"],
                 "th": ["colspan", "rowspan"]}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def sanitize_html(text: str | None) -> str:
    """Clean user HTML on save: only a small set of tags, no scripts, no event attributes."""
    return bleach.clean(text or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRS,
                        protocols=["http", "https", "mailto"], strip=True)


def role_required(*roles: str):
    """Route decorator: the user must be logged in and hold at least one of `roles` (admin always may)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role("admin", *roles):
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_roles = roles
        return wrapped
    return decorator


def add_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
