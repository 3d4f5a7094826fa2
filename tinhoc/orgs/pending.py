"""Staff files waiting between the import preview and "apply", one per token, for a day at most."""
from __future__ import annotations

import io
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select

from .. import clock, text
from ..extensions import db
from .models import PendingImport
from .staff_import import ImportRefused, apply_import, plan_import

MAX_AGE = timedelta(hours=24)


def keep_upload(actor_id: int | None, data: bytes, filename: str = "") -> str:
    """Keep an uploaded file until it is applied; returns the token the preview page posts back.
    Uploads older than a day are removed on the way."""
    db.session.execute(delete(PendingImport).where(PendingImport.created_at < clock.now() - MAX_AGE))
    token = secrets.token_urlsafe(24)
    db.session.add(PendingImport(token=token, uploaded_by=actor_id, filename=text.clean(filename)[:255], data=data,
                                 created_at=clock.now()))
    db.session.commit()
    return token


def open_upload(actor_id: int | None, token: str) -> tuple[io.BytesIO, str]:
    """The kept file (and its name) for the admin who uploaded it."""
    pending = db.session.scalar(select(PendingImport).where(
        PendingImport.token == (token or ""), PendingImport.uploaded_by == actor_id,
        PendingImport.created_at >= clock.now() - MAX_AGE))
    if pending is None:
        raise ImportRefused(_("Tệp đã xem trước không còn (quá hạn hoặc đã nhập); hãy tải tệp lên lại."))
    return io.BytesIO(pending.data), pending.filename


def apply_upload(actor_id: int | None, token: str) -> dict[str, int]:
    """Check the kept file again (the data may have changed since the preview) and import it.

    The kept file is deleted in the same transaction as the import: of two "apply" clicks (a double
    click, two tabs) one deletes it and imports, the other finds nothing and is refused, so one
    preview is imported, and audited, once."""
    stream, filename = open_upload(actor_id, token)
    claimed = db.session.execute(delete(PendingImport).where(
        PendingImport.token == token, PendingImport.uploaded_by == actor_id))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ImportRefused(_("Tệp đã xem trước không còn (quá hạn hoặc đã nhập); hãy tải tệp lên lại."))
    try:
        return apply_import(actor_id, plan_import(stream), source=filename)
    except ImportRefused:
        db.session.rollback()  # the kept file stays: nothing was imported
        raise
