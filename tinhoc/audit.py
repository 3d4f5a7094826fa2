"""Audit log: who did what to which object, when, with the state before and after."""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from . import clock
from .db_types import UTCDateTime
from .extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at = mapped_column(UTCDateTime, nullable=False, default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False)        # e.g. "user.create", "staff.import"
    object_type: Mapped[str] = mapped_column(String(64), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    before = mapped_column(JSON, nullable=True)
    after = mapped_column(JSON, nullable=True)
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (Index("ix_audit_entry_object", "object_type", "object_id"),)


def record(actor, action: str, object_type: str, object_id=None, *,
           before=None, after=None, address: str | None = None) -> AuditEntry:
    """Add an audit entry to the session; the calling service commits it with its own change.
    `actor` is an `access.Actor` (its user id and client address are recorded), a user id or None."""
    actor_id = getattr(actor, "user_id", actor)
    address = address or getattr(actor, "address", None)
    entry = AuditEntry(at=clock.now(), actor_id=actor_id, action=action, object_type=object_type,
                       object_id=None if object_id is None else str(object_id),
                       before=before, after=after, address=address)
    db.session.add(entry)
    return entry
