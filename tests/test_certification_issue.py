"""Issuing certificates: numbers per kind and year, the automatic issue is idempotent, a manual issue
needs a reason and a holder in the organiser's scope, details are checked by the kind, all audited."""
from __future__ import annotations

import os
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.certification_helpers import BASIC_DETAILS, cert_world  # noqa: F401


def test_numbers_count_per_kind_and_year(cert_world):
    from tinhoc import clock
    from tinhoc.access import SYSTEM
    from tinhoc.certification import services
    person = cert_world["other_person"]
    assert cert_world["cert"].number == "CB-2026-000001"
    second = services.issue("basic_ict", person, {}, actor=SYSTEM, source="test:2")
    cio = services.issue("cio_track", person, {"hours": 40}, actor=SYSTEM, source="test:3")
    assert (second.number, cio.number) == ("CB-2026-000002", "CIO-2026-000001")
    # 31/12/2026 17:30 UTC is already 1 January 2027 in Viet Nam: a new year, a new count.
    clock.freeze(datetime(2026, 12, 31, 17, 30, tzinfo=timezone.utc))
    new_year = services.issue("basic_ict", person, {}, actor=SYSTEM, source="test:4")
    assert (new_year.number, new_year.year, new_year.serial) == ("CB-2027-000001", 2027, 1)


def test_the_same_completion_never_issues_twice(cert_world):
    from tinhoc.access import SYSTEM
    from tinhoc.certification import services
    from tinhoc.certification.models import Certificate
    again = services.issue("basic_ict", cert_world["holder_person"], BASIC_DETAILS, actor=SYSTEM,
                           source="test:basic:anh")
    assert again.id == cert_world["cert"].id
    from tinhoc.extensions import db
    assert len(db.session.scalars(select(Certificate)).all()) == 1


def test_automatic_issue_snapshots_the_holder_and_is_audited(cert_world, db):
    from tinhoc.audit import AuditEntry
    cert = cert_world["cert"]
    assert (cert.holder_name, cert.unit_name, cert.user_id) == ("Đặng Thị Ánh", "UBND xã Tân Lập",
                                                               cert_world["holder"].id)
    assert cert.issued_by is None and cert.manual_reason is None
    assert [m["code"] for m in cert.details["modules"]] == ["IU01", "IU02", "IU03", "IU04", "IU05", "IU06"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.issue"))
    assert entry.object_id == str(cert.id) and entry.after["number"] == cert.number


def test_automatic_issue_without_a_source_is_refused(cert_world):
    from tinhoc.access import SYSTEM
    from tinhoc.certification import services
    with pytest.raises(services.IssueRefused):
        services.issue("basic_ict", cert_world["other_person"], {}, actor=SYSTEM)


def test_details_are_checked_by_the_kind(cert_world):
    from tinhoc.access import SYSTEM
    from tinhoc.certification import kinds, services
    person = cert_world["other_person"]
    with pytest.raises(services.DetailsError):   # an advanced module on a basic certificate
        services.issue("basic_ict", person, {"modules": [{"code": "IU09"}]}, actor=SYSTEM, source="x1")
    with pytest.raises(services.DetailsError):   # a contest award names its award
        services.issue("contest_award", person, {"title": "Hội thi"}, actor=SYSTEM, source="x2")
    with pytest.raises(services.DetailsError):
        services.issue("basic_ict", person, {"modules": [{"code": "IU01", "completed_on": "31/02"}]},
                       actor=SYSTEM, source="x3")
    with pytest.raises(kinds.UnknownKind):
        services.issue("driving_licence", person, {}, actor=SYSTEM, source="x4")


def test_manual_issue_needs_a_reason_and_a_holder_in_scope(cert_world):
    from tinhoc.access import load_actor
    from tinhoc.accounts.services import find_by_username
    from tinhoc.certification import services
    district = load_actor(find_by_username("district").id)
    with pytest.raises(services.IssueRefused):
        services.issue_manually(district, kind="cio_track", employee_code="CB-ANH", reason=" ", details={})
    with pytest.raises(services.IssueRefused):   # Sở TT&TT lies outside huyện An Bình
        services.issue_manually(district, kind="cio_track", employee_code="CB-KHAC", reason="Học năm 2020",
                                details={})
    cert = services.issue_manually(district, kind="cio_track", employee_code="CB-ANH", reason="Học năm 2020",
                                   details={"hours": 80})
    assert (cert.manual_reason, cert.issued_by) == ("Học năm 2020", district.user_id)
    learner = load_actor(find_by_username("other").id)
    with pytest.raises(services.IssueRefused):
        services.issue(cert.kind, cert_world["holder_person"], {}, actor=learner, reason="tự cấp")


def test_registry_refuses_a_duplicate_name_or_prefix_and_a_kind_without_label():
    from tinhoc.certification import kinds
    with pytest.raises(ValueError):
        @kinds.register
        class Again(kinds.CertificateKind):
            name, label, prefix = "basic_ict", "x", "ZZ"
    with pytest.raises(ValueError):
        @kinds.register
        class SamePrefix(kinds.CertificateKind):
            name, label, prefix = "other_kind", "x", "CB"
    kinds._REGISTRY["broken"] = type("Broken", (kinds.CertificateKind,), {"name": "broken", "prefix": "BR",
                                                                         "label": ""})()
    try:
        with pytest.raises(ValueError):
            kinds.check_registry()
    finally:
        del kinds._REGISTRY["broken"]


@pytest.mark.db
@pytest.mark.skipif(not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
                    reason="concurrent transactions need PostgreSQL")
def test_concurrent_issues_get_distinct_numbers_on_postgresql(app, cert_world):
    """Eight threads, each in its own session and transaction, issue at once: no number twice."""
    from tinhoc.access import SYSTEM
    from tinhoc.certification import services
    from tinhoc.certification.models import Certificate
    from tinhoc.extensions import db
    from tinhoc.orgs.models import Person
    person_id = cert_world["other_person"].id
    barrier, errors = threading.Barrier(8), []

    def work(i: int) -> None:
        with app.app_context():
            try:
                person = db.session.get(Person, person_id)
                barrier.wait(timeout=10)
                services.issue("cio_track", person, {}, actor=SYSTEM, source=f"race:{i}")
                # the same completion from two threads at once: one certificate
                services.issue("it_staff_track", person, {}, actor=SYSTEM, source="race:same")
            except Exception as exc:  # noqa: BLE001  (reported below)
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    numbers = db.session.scalars(select(Certificate.number).where(Certificate.kind == "cio_track")).all()
    assert sorted(numbers) == [f"CIO-2026-{i:06d}" for i in range(1, 9)]
    assert len(db.session.scalars(select(Certificate).where(Certificate.kind == "it_staff_track")).all()) == 1
