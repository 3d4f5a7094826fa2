"""Certificates and the per-(kind, year) counters their numbers come from."""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..db_types import UTCDateTime
from ..extensions import db


class CertificateCounter(db.Model):
    """The last serial given for one kind in one year. Allocation updates this row in the issuing
    transaction (a row lock on PostgreSQL), so two issues never get the same number."""

    __tablename__ = "certificate_counter"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Certificate(db.Model):
    """One certificate: what it certifies (`kind` + `details`), to whom (the person and/or account,
    with the name and unit as they were at issue), who issued it and why, and its revocation."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)   # CB-2026-000017
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    serial: Mapped[int] = mapped_column(Integer, nullable=False)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"),
                                                  nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True, index=True)
    # The holder's unit at issue; access follows the person's current unit (see services._scoped).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"),
                                                        nullable=True, index=True)
    holder_name: Mapped[str] = mapped_column(String(200), nullable=False)
    unit_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    details = mapped_column(JSON, nullable=False, default=dict)
    # What made an automatic issue (e.g. "training.track:3:person:42"): the same completion never issues twice.
    source: Mapped[str | None] = mapped_column(String(128), nullable=True)
    issued_at = mapped_column(UTCDateTime, nullable=False, default=clock.now, index=True)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    manual_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    revoked_at = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    person = relationship("Person", lazy="select")
    organisation = relationship("Organisation", lazy="select")

    __table_args__ = (
        UniqueConstraint("kind", "year", "serial", name="uq_certificate_kind_year_serial"),
        UniqueConstraint("kind", "source", name="uq_certificate_kind_source"),
    )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
