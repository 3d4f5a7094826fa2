"""Certificates: issue (automatic and manual), revoke, who may see which, and verification.

`issue(kind, holder, details, *, actor, source=...)` is the ONE call training, exams and contests make
when a rule is met: actor SYSTEM and a `source` naming the completion, so the same completion never
issues twice (a second call returns the first certificate). An organiser issues manually within their
scope with a reason. `certificate_for` is the one place that decides who sees a certificate (its
holder, an organiser whose scope covers the holder's unit; anyone else gets a 404), and lists filter
by scope in SQL. Every change is audited in the same commit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from .. import clock, text
from ..access import Actor
from ..accounts.models import User
from ..audit import record as audit
from ..extensions import db
from ..orgs.models import Organisation, Person
from . import kinds, signing
from .kinds import DetailsError, UnknownKind  # noqa: F401  (re-exported for callers)
from .models import Certificate, CertificateCounter

ISSUE_ROLES = ("organiser",)      # (and admin) issue manually and revoke within their scope
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


class CertificationError(Exception):
    """A refused certificate operation; `str(exc)` is the message for the user."""


class CertificateNotFound(CertificationError):
    pass


class IssueRefused(CertificationError):
    pass


def _text(value, limit: int = 1000) -> str:
    return text.clean(value)[:limit]


def local_date(at):
    return clock.as_utc(at).astimezone(LOCAL).date()


def _snapshot(cert: Certificate) -> dict:
    return {"number": cert.number, "kind": cert.kind, "holder_name": cert.holder_name, "unit_name": cert.unit_name,
            "person_id": cert.person_id, "user_id": cert.user_id, "details": cert.details,
            "manual_reason": cert.manual_reason, "source": cert.source,
            "revoked_reason": cert.revoked_reason}


def _allocate(kind: str, year: int) -> int:
    """The next serial for (kind, year), in the caller's transaction: one INSERT ... ON CONFLICT DO UPDATE
    ... RETURNING, which locks the counter row on PostgreSQL until the issuing transaction ends."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (insert(CertificateCounter).values(kind=kind, year=year, last=1)
            .on_conflict_do_update(index_elements=["kind", "year"], set_={"last": CertificateCounter.last + 1})
            .returning(CertificateCounter.last))
    return db.session.execute(stmt).scalar_one()


def _holder(holder) -> tuple[Person | None, User | None]:
    if isinstance(holder, Person):
        return holder, db.session.scalar(select(User).where(User.person_id == holder.id))
    if isinstance(holder, User):
        return holder.person, holder
    raise TypeError("a certificate holder is a Person or a User")


def _by_source(kind: str, source: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.kind == kind, Certificate.source == source))


def issue(kind: str, holder, details: dict | None, *, actor: Actor, reason: str | None = None,
          source: str | None = None) -> Certificate:
    """Issue a certificate of `kind` to `holder` (a Person or a User) and commit.

    Automatic issue (a rule was met): actor SYSTEM and `source` naming what was completed, e.g.
    "training.track_completion:42"; calling again with the same kind and source returns the first
    certificate. Manual issue: an organiser (or admin) whose scope covers the holder's unit, with a reason.
    Raises UnknownKind, DetailsError (details this kind cannot certify) or IssueRefused."""
    kind_obj = kinds.get(kind)
    person, user = _holder(holder)
    reason, source = _text(reason) or None, _text(source, 128) or None
    if actor.user_id is not None:
        if not reason:
            raise IssueRefused(_("Cấp chứng chỉ thủ công phải nêu lý do."))
        if not actor.may(*ISSUE_ROLES) or not actor.covers(person.organisation.path if person else None,
                                                             *ISSUE_ROLES):
            raise IssueRefused(_("Không tìm thấy cán bộ trong phạm vi của bạn."))
    elif not source and not reason:
        raise IssueRefused("an automatic issue names its source (the completion that met the rule)")
    if source and (existing := _by_source(kind, source)) is not None:
        return existing
    clean = kind_obj.clean(details)
    now = clock.now()
    year = local_date(now).year
    serial = _allocate(kind, year)
    cert = Certificate(number=f"{kind_obj.prefix}-{year}-{serial:06d}", kind=kind, year=year, serial=serial,
                       person_id=person.id if person else None, user_id=user.id if user else None,
                       organisation_id=person.organisation_id if person else None,
                       holder_name=text.clean(person.full_name if person else user.full_name),
                       unit_name=person.organisation.name if person else None, details=clean, source=source,
                       issued_at=now, issued_by=actor.user_id, manual_reason=reason)
    db.session.add(cert)
    try:
        db.session.flush()
        audit(actor, "certificate.issue", "certificate", cert.id, after=_snapshot(cert))
        db.session.commit()
    except IntegrityError:
        # Two issues of the same completion at once: the other one won; hand back its certificate.
        db.session.rollback()
        if source and (existing := _by_source(kind, source)) is not None:
            return existing
        raise
    return cert


def issue_manually(actor: Actor, *, kind: str, employee_code: str, reason: str, details: dict) -> Certificate:
    """An organiser issues a certificate to a member of staff of their scope (by employee code)."""
    person = db.session.scalar(select(Person).join(Person.organisation)
                               .where(Person.employee_code == (employee_code or "").strip(),
                                      actor.scope_clause(*ISSUE_ROLES)))
    if person is None:
        raise IssueRefused(_("Không tìm thấy cán bộ trong phạm vi của bạn."))
    return issue(kind, person, details, actor=actor, reason=reason)


# --- who sees what -----------------------------------------------------------------------------

def _holder_clause(actor: Actor):
    if actor.user_id is None:
        return None
    own_person = select(User.person_id).where(User.id == actor.user_id).scalar_subquery()
    return or_(Certificate.user_id == actor.user_id, Certificate.person_id == own_person)


def _with_unit(stmt):
    """Join the holder's current unit (the person's, else the unit at issue) for scope filters."""
    return (stmt.outerjoin(Person, Person.id == Certificate.person_id)
            .outerjoin(Organisation, Organisation.id == func.coalesce(Person.organisation_id,
                                                                      Certificate.organisation_id)))


def certificate_for(actor: Actor, cert_id: int) -> Certificate:
    """The certificate if the actor holds it or their organiser scope covers its holder; else
    CertificateNotFound (a 404). The one place that decides access to certificates."""
    clauses = [actor.scope_clause(*ISSUE_ROLES)]
    if (own := _holder_clause(actor)) is not None:
        clauses.append(own)
    cert = db.session.scalar(_with_unit(select(Certificate)).where(Certificate.id == cert_id, or_(*clauses)))
    if cert is None:
        raise CertificateNotFound(str(cert_id))
    return cert


def managed_certificate(actor: Actor, cert_id: int) -> Certificate:
    """A certificate the actor may revoke: in their organiser scope (holding it is not enough)."""
    cert = db.session.scalar(_with_unit(select(Certificate))
                             .where(Certificate.id == cert_id, actor.scope_clause(*ISSUE_ROLES)))
    if cert is None:
        raise CertificateNotFound(str(cert_id))
    return cert


def may_manage(actor: Actor, cert: Certificate) -> bool:
    """Whether the actor may revoke this certificate (the same rule as `managed_certificate`)."""
    unit = cert.person.organisation if cert.person is not None else cert.organisation
    return actor.may(*ISSUE_ROLES) and actor.covers(unit.path if unit else None, *ISSUE_ROLES)


@dataclass
class CertificateFilter:
    kind: str = ""
    year: int | None = None
    org_id: int | None = None
    q: str = ""

    def as_args(self) -> dict:
        return {k: v for k, v in (("kind", self.kind), ("year", self.year), ("org", self.org_id),
                                  ("q", self.q)) if v}


def list_certificates(actor: Actor, flt: CertificateFilter, page: int = 1, per_page: int = 50):
    """Certificates of the holders in the actor's organiser scope, newest first (scope in SQL)."""
    from ..orgs.services import organisation_for
    stmt = _with_unit(select(Certificate)).where(actor.scope_clause(*ISSUE_ROLES))
    if flt.kind:
        stmt = stmt.where(Certificate.kind == flt.kind)
    if flt.year:
        stmt = stmt.where(Certificate.year == flt.year)
    if flt.org_id:
        stmt = stmt.where(Organisation.subtree_clause(organisation_for(actor, flt.org_id).path))
    if flt.q:
        like = f"%{_text(flt.q, 100).lower()}%"
        stmt = stmt.where(or_(func.lower(Certificate.holder_name).like(like),
                              func.lower(Certificate.number).like(like)))
    return db.paginate(stmt.order_by(Certificate.issued_at.desc(), Certificate.id.desc()),
                       page=page, per_page=per_page, error_out=False)


def my_certificates(actor: Actor) -> list[Certificate]:
    own = _holder_clause(actor)
    if own is None:
        return []
    return list(db.session.scalars(select(Certificate).where(own).order_by(Certificate.issued_at.desc())))


def years(actor: Actor) -> list[int]:
    stmt = _with_unit(select(Certificate.year).distinct()).where(actor.scope_clause(*ISSUE_ROLES))
    found = set(db.session.scalars(stmt)) | {local_date(clock.now()).year}
    return sorted(found, reverse=True)


def revoke(actor: Actor, cert_id: int, reason: str) -> Certificate:
    cert = managed_certificate(actor, cert_id)
    reason = _text(reason)
    if not reason:
        raise CertificationError(_("Thu hồi chứng chỉ phải nêu lý do."))
    if cert.is_revoked:
        raise CertificationError(_("Chứng chỉ %(n)s đã bị thu hồi.", n=cert.number))
    before = _snapshot(cert)
    cert.revoked_at, cert.revoked_by, cert.revoked_reason = clock.now(), actor.user_id, reason
    audit(actor, "certificate.revoke", "certificate", cert.id, before=before, after=_snapshot(cert))
    db.session.commit()
    return cert


# --- verification ------------------------------------------------------------------------------

def find_by_number(number: str) -> Certificate | None:
    number = (number or "").strip().upper()
    if not number or len(number) > 32:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.number == number))


def signed_fields(cert: Certificate) -> dict:
    return {"n": cert.number, "h": cert.holder_name, "k": cert.kind,
            "d": local_date(cert.issued_at).isoformat(), "x": signing.details_digest(cert.details)}


def payload_for(cert: Certificate) -> str:
    return signing.sign_payload(signed_fields(cert))


def public_url(endpoint: str, **values) -> str:
    """An absolute URL for QR codes and credentials: on PUBLIC_URL (scheme and host) when it is set,
    else on this request's host (outside a request: the development server's address)."""
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values) if base else url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=base or "http://127.0.0.1:5000"):
        return url_for(endpoint, _external=True, **values)


def verify_url(cert: Certificate) -> str:
    return public_url("certification.verify", number=cert.number, p=payload_for(cert))


FIELD_PROBLEMS = {
    "n": _l("Số chứng chỉ đã lưu khác số trong dữ liệu đã ký."),
    "h": _l("Tên người được cấp đã lưu khác tên trong dữ liệu đã ký."),
    "k": _l("Loại chứng chỉ đã lưu khác loại trong dữ liệu đã ký."),
    "d": _l("Ngày cấp đã lưu khác ngày trong dữ liệu đã ký."),
    "x": _l("Nội dung được chứng nhận đã lưu khác nội dung đã ký."),
}


@dataclass
class Verification:
    """The answer of the public page and the CLI: the stored certificate (if any), its status, and
    for a signed payload whether it matches the stored data (`problems` says why not)."""

    certificate: Certificate | None
    payload_given: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.problems:
            return "tampered"
        if self.certificate is None:
            return "unknown"
        return "revoked" if self.certificate.is_revoked else "valid"

    @property
    def ok(self) -> bool:
        return self.status == "valid"


def verify(number: str | None = None, payload: str | None = None) -> Verification:
    """Check a certificate by number and/or by the signed payload of its QR code."""
    if not payload:
        return Verification(find_by_number(number))
    try:
        data = signing.open_payload(payload)
    except signing.BadSignature:
        return Verification(find_by_number(number), True,
                            [_("Chữ ký số của mã QR không hợp lệ: dữ liệu đã bị sửa hoặc không do hệ thống này cấp.")])
    problems = []
    if number and str(data.get("n", "")).upper() != number.strip().upper():
        problems.append(_("Số chứng chỉ trong địa chỉ khác số trong mã QR."))
    cert = find_by_number(str(data.get("n", "")))
    if cert is not None:
        stored = signed_fields(cert)
        problems += [str(text) for k, text in FIELD_PROBLEMS.items() if data.get(k) != stored[k]]
    return Verification(cert, True, problems)


def kind_choices() -> list[tuple[str, str]]:
    return [(k.name, str(k.label)) for k in kinds.all_kinds()]


def year_of(cert: Certificate) -> int:  # for templates: the local issue year
    return local_date(cert.issued_at).year

