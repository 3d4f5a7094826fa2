"""A contest's registration window: when schools may register (typed in Vietnam time, stored UTC).

Outside it a school's teacher is refused with a message saying when it opens or closed; the
contest's organisers may still add entries (late corrections, free candidates they admit).
"""
from __future__ import annotations

from datetime import timezone

from flask_babel import gettext as _

from tinhoc import clock
from tinhoc.access import Actor
from tinhoc.audit import record as audit
from tinhoc.extensions import db
from tinhoc.i18n import format_datetime

from .models import Contest
from .services import ContestError, NotFound, may_manage


def closed_reason(contest: Contest, at=None) -> str | None:
    """Why registration is closed now (None: open)."""
    at = at or clock.now()
    opens, closes = contest.registration_opens_at, contest.registration_closes_at
    if opens is not None and at < clock.as_utc(opens):
        return _("Chưa đến thời gian đăng ký: đăng ký mở từ %(t)s.", t=format_datetime(opens))
    if closes is not None and at >= clock.as_utc(closes):
        return _("Đã hết thời gian đăng ký (đóng lúc %(t)s).", t=format_datetime(closes))
    return None


def check(actor: Actor, contest: Contest) -> None:
    """Refuse a registration outside the window unless the actor manages the contest."""
    reason = closed_reason(contest)
    if reason and not may_manage(actor, contest):
        raise ContestError(reason + " " + _("Hãy liên hệ ban tổ chức."))


def set_window(actor: Actor, contest: Contest, opens_at, closes_at) -> Contest:
    """Set the window (aware datetimes or None); the closing must come after the opening."""
    if not may_manage(actor, contest):
        raise NotFound(contest.id)
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise ContestError(_("Thời gian đóng đăng ký phải sau thời gian mở."))
    before = {"opens": _iso(contest.registration_opens_at), "closes": _iso(contest.registration_closes_at)}
    contest.registration_opens_at = opens_at.astimezone(timezone.utc) if opens_at else None
    contest.registration_closes_at = closes_at.astimezone(timezone.utc) if closes_at else None
    audit(actor, "contest.registration_window", "contest", contest.id, before=before,
          after={"opens": _iso(contest.registration_opens_at), "closes": _iso(contest.registration_closes_at)})
    db.session.commit()
    return contest


def _iso(value) -> str | None:
    return clock.as_utc(value).isoformat() if value else None
