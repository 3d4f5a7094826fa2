"""Organiser pages (issue manually with a reason, list) and the holder's certificate page, over HTTP;
the demo seeds certificates anyone can verify."""
from __future__ import annotations

from sqlalchemy import select

from tests.certification_helpers import cert_world  # noqa: F401


def test_organiser_issues_a_certificate_manually(client, login, cert_world, db):
    from tinhoc.audit import AuditEntry
    from tinhoc.certification.models import Certificate
    login("district")
    assert "Cấp chứng chỉ thủ công" in client.get("/certificates/issue").get_data(as_text=True)
    response = client.post("/certificates/issue", data={
        "kind": "advanced_ict", "employee_code": "CB-ANH", "reason": "Kết quả thi năm 2024 tại trung tâm",
        "hours": "90", "modules": "IU07; 2024-05-02; 8\nIU08; 2024-05-09; 7.5\nIU14; 2024-06-01; 9"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    cert = db.session.scalar(select(Certificate).where(Certificate.kind == "advanced_ict"))
    assert cert.number == "NC-2026-000001" and cert.manual_reason == "Kết quả thi năm 2024 tại trung tâm"
    assert [m["code"] for m in cert.details["modules"]] == ["IU07", "IU08", "IU14"]
    assert cert.details["modules"][1] == {"code": "IU08", "name": "Sử dụng bảng tính nâng cao",
                                          "completed_on": "2024-05-09", "score": 7.5}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "NC-2026-000001" in page and "Kết quả thi năm 2024" in page and "Sử dụng bảng tính nâng cao" in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "certificate",
                                                       AuditEntry.object_id == str(cert.id)))
    assert entry.action == "certificate.issue" and entry.after["manual_reason"].startswith("Kết quả")


def test_manual_issue_refusals_say_why_and_issue_nothing(client, login, cert_world, db):
    from tinhoc.certification.models import Certificate
    login("district")
    base = {"kind": "basic_ict", "employee_code": "CB-ANH", "reason": "Cấp lại"}
    cases = [
        (dict(base, reason=""), "Mục này không được để trống"),
        (dict(base, employee_code="CB-KHAC"), "Không tìm thấy cán bộ trong phạm vi của bạn"),
        (dict(base, modules="IU09; 2026-01-01; 8"), "Học phần IU09 không thuộc loại chứng chỉ này"),
        (dict(base, modules="IU01; 2026-13-01; 8"), "Ngày không hợp lệ"),
        (dict(base, kind="contest_award"), "Thiếu thông tin bắt buộc"),
    ]
    for data, message in cases:
        response = client.post("/certificates/issue", data=data)
        assert response.status_code == 400, data
        text = response.get_data(as_text=True)
        assert message in text, (data, text[:2000])
    assert len(db.session.scalars(select(Certificate)).all()) == 1


def test_holder_page_shows_qr_and_downloads(client, login, cert_world):
    login("anh")
    page = client.get(f"/certificates/{cert_world['cert'].id}").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and 'id="verify-link"' in page and "/verify/CB-2026-000001?p=" in page
    assert "Thu hồi chứng chỉ" not in page     # the holder has no revoke form
    profile = client.get("/profile").get_data(as_text=True)
    assert "/certificates/mine" in profile


def test_demo_seeds_certificates_anyone_can_verify(app, db):
    from tinhoc.accounts.models import User
    from tinhoc.certification.models import Certificate
    result = app.test_cli_runner().invoke(args=["tinhoc", "seed-demo"])
    assert result.exit_code == 0, result.output
    learner = db.session.scalar(select(User).where(User.username == "learner"))
    held = db.session.scalar(select(Certificate).where(Certificate.person_id == learner.person_id))
    assert held.kind == "basic_ict" and held.number in result.output
    count = len(db.session.scalars(select(Certificate)).all())
    assert count >= 4 and any(c.is_revoked for c in db.session.scalars(select(Certificate)))
    app.test_cli_runner().invoke(args=["tinhoc", "seed-demo"])
    assert len(db.session.scalars(select(Certificate)).all()) == count
    text = app.test_client().get(f"/verify/{held.number}").get_data(as_text=True)
    assert 'data-status="valid"' in text and held.holder_name in text


def test_a_certificate_whose_kind_left_the_registry_still_shows_and_verifies(client, login, cert_world, monkeypatch):
    """A kind removed from the code later (renamed, retired) must not turn its stored certificates into 500s."""
    from urllib.parse import urlsplit

    from tinhoc.certification import kinds, services
    cert = cert_world["cert"]
    link = services.verify_url(cert)
    monkeypatch.delitem(kinds._REGISTRY, "basic_ict")
    login("anh")
    page = client.get(f"/certificates/{cert.id}")
    assert page.status_code == 200 and "Loại chứng chỉ không còn cấp (basic_ict)" in page.get_data(as_text=True)
    pdf = client.get(f"/certificates/{cert.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get("/certificates/mine").status_code == 200
    assert client.get(f"/certificates/{cert.id}/badge.json").status_code == 200
    parts = urlsplit(link)
    public = client.get(f"{parts.path}?{parts.query}")
    assert public.status_code == 200 and 'data-status="valid"' in public.get_data(as_text=True)
