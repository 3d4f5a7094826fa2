"""Uploaded files waiting between an import's preview and "apply", one per token, for a day at most.

Shared by every import: `kind` says which import a file belongs to ("staff", "questions:gift"…),
so a token is only good for the import that kept it; `claim` takes the file in the apply's
transaction so one preview is applied once."""
from __future__ import annotations

import io
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select

from .. import clock, text
from ..access import Actor
from ..extensions import db
from .models import PendingImport
from .services import NotFound
from .staff_import import ImportRefused, apply_import, plan_import

MAX_AGE = timedelta(hours=24)


def keep_upload(actor: Actor, data: bytes, filename: str = "", kind: str = "staff") -> str:
    """Keep an uploaded file until it is applied; returns the token the preview page posts back.
    Uploads older than a day are removed on the way."""
    db.session.execute(delete(PendingImport).where(PendingImport.created_at < clock.now() - MAX_AGE))
    token = secrets.token_urlsafe(24)
    db.session.add(PendingImport(token=token, kind=kind, uploaded_by=actor.user_id, filename=text.clean(filename)[:255],
                                 data=data, created_at=clock.now()))
    db.session.commit()
    return token


def pending_import_for(actor: Actor, token: str, kind: str = "staff") -> PendingImport:
    """The kept file if the actor uploaded it; NotFound (a 404) when another officer uploaded it;
    ImportRefused when it is gone (applied, or older than a day). The one place deciding access to
    uploads. (A token is an unguessable secret: saying that it is gone leaks nothing.)"""
    pending = db.session.scalar(select(PendingImport).where(PendingImport.token == (token or ""),
                                                            PendingImport.kind == kind))
    if pending is None or pending.created_at < clock.now() - MAX_AGE:
        raise ImportRefused(_("Tệp đã xem trước không còn (quá hạn hoặc đã nhập); hãy tải tệp lên lại."))
    if pending.uploaded_by is None or pending.uploaded_by != actor.user_id:
        raise NotFound(_("Không tìm thấy tệp đã xem trước."))
    return pending


def claim(actor: Actor, token: str, kind: str) -> PendingImport:
    """The kept file, deleted in the current (uncommitted) transaction: of two "apply" clicks (a
    double click, two tabs) one deletes it and imports, the other finds nothing and is refused.
    The caller commits with its import, or rolls back (the file then stays)."""
    pending = pending_import_for(actor, token, kind)
    claimed = db.session.execute(delete(PendingImport).where(
        PendingImport.token == pending.token, PendingImport.uploaded_by == actor.user_id))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ImportRefused(_("Tệp đã xem trước không còn (quá hạn hoặc đã nhập); hãy tải tệp lên lại."))
    return pending


def apply_pending(actor: Actor, token: str) -> dict[str, int]:
    """Apply a previewed upload: checked again (the data may have changed since the preview), then the
    people and the removal of the kept file are written in one transaction, or nothing is.

    The kept file is claimed by a DELETE in that transaction: of two "apply" clicks (a double click,
    two tabs) one deletes it and imports, the other finds nothing and is refused, so one preview is
    imported, and audited, once."""
    pending = claim(actor, token, "staff")
    data, filename = pending.data, pending.filename
    try:
        return apply_import(actor, plan_import(io.BytesIO(data), actor), source=filename)
    except ImportRefused:
        db.session.rollback()  # the kept file stays: nothing was imported
        raise
