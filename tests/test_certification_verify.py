"""The public verification page, its search and the CLI: valid, revoked (with the reason), tampered
(a payload edited after signing, or stored data changed after issue) and unknown; Open Badges export."""
from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.certification_helpers import cert_world  # noqa: F401


def _qr_link(cert) -> str:
    from tinhoc.certification import services
    return services.verify_url(cert)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + "?" + parts.query


def _forged(url: str, **changes) -> str:
    """The QR link with fields of the signed data changed and the old signature kept."""
    payload = parse_qs(urlsplit(url).query)["p"][0]
    body, signature = payload.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data.update(changes)
    body = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return url.split("?")[0] + "?p=" + body + "." + signature


def test_anyone_opens_the_qr_link_and_sees_a_valid_certificate(client, cert_world):
    page = client.get(_path(_qr_link(cert_world["cert"])))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-status="valid"' in text and "Chữ ký số hợp lệ" in text
    for shown in ("Đặng Thị Ánh", "UBND xã Tân Lập", "Chứng chỉ ứng dụng CNTT cơ bản", "Cơ bản", "IU03",
                  "Xử lý văn bản cơ bản", "12/02/2026", "120", "01/03/2026"):
        assert shown in text, shown


def test_search_by_number(client, cert_world):
    text = client.get("/verify/?number=cb-2026-000001").get_data(as_text=True)
    assert 'data-status="valid"' in text and "Đặng Thị Ánh" in text
    unknown = client.get("/verify/?number=CB-2026-999999")
    assert unknown.status_code == 404 and 'data-status="unknown"' in unknown.get_data(as_text=True)
    assert client.get("/verify/").status_code == 200


def test_an_edited_payload_fails(client, cert_world):
    forged = _forged(_qr_link(cert_world["cert"]), h="Nguyễn Văn Giả")
    text = client.get(_path(forged)).get_data(as_text=True)
    assert 'data-status="tampered"' in text and "Chữ ký số của mã QR không hợp lệ" in text
    assert 'data-status="valid"' not in text


def test_stored_data_changed_after_issue_fails(client, cert_world, db):
    cert = cert_world["cert"]
    link = _qr_link(cert)
    cert.details = dict(cert.details, hours=240)
    cert.holder_name = "Đặng Thị Anh"
    db.session.commit()
    text = client.get(_path(link)).get_data(as_text=True)
    assert 'data-status="tampered"' in text
    assert "Tên người được cấp đã lưu khác" in text and "Nội dung được chứng nhận đã lưu khác" in text


def test_a_payload_for_another_number_fails(client, cert_world):
    link = _qr_link(cert_world["cert"])
    text = client.get(_path(link.replace("/verify/CB-2026-000001", "/verify/CB-2026-000002"))).get_data(as_text=True)
    assert 'data-status="tampered"' in text


def test_revoked_certificate_shows_revoked_with_its_reason(client, cert_world):
    from tinhoc.access import SYSTEM
    from tinhoc.certification import services
    services.revoke(SYSTEM, cert_world["cert"].id, "Gian lận trong kỳ thi")
    text = client.get(_path(_qr_link(cert_world["cert"]))).get_data(as_text=True)
    assert 'data-status="revoked"' in text and "Gian lận trong kỳ thi" in text and "01/03/2026" in text


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["tinhoc", "verify-certificate", *args])


def test_cli_verifies_number_link_and_payload(app, cert_world):
    link = _qr_link(cert_world["cert"])
    for argument in ("CB-2026-000001", link, parse_qs(urlsplit(link).query)["p"][0]):
        result = _cli(app, argument)
        assert result.exit_code == 0, result.output
        assert "CÒN HIỆU LỰC" in result.output and "Đặng Thị Ánh" in result.output


def test_cli_fails_on_tampered_unknown_and_revoked(app, cert_world):
    from tinhoc.access import SYSTEM
    from tinhoc.certification import services
    result = _cli(app, _forged(_qr_link(cert_world["cert"]), x="AAAA"))
    assert result.exit_code == 1 and "DỮ LIỆU BỊ SỬA" in result.output and "Chữ ký số" in result.output
    result = _cli(app, "CB-2026-424242")
    assert result.exit_code == 1 and "KHÔNG CÓ" in result.output
    services.revoke(SYSTEM, cert_world["cert"].id, "Cấp nhầm")
    result = _cli(app, "CB-2026-000001")
    assert result.exit_code == 1 and "ĐÃ THU HỒI" in result.output and "Cấp nhầm" in result.output


def test_verification_pages_are_rate_limited(app, client, cert_world):
    app.config["CERTIFICATE_VERIFY_LIMIT"] = "3 per minute"
    try:
        codes = [client.get(f"/verify/?number=CB-2026-00000{i}").status_code for i in range(2)]
        codes += [client.get(f"/verify/CB-2026-00000{i}").status_code for i in range(3)]  # one budget for both
    finally:
        app.config["CERTIFICATE_VERIFY_LIMIT"] = "30 per minute;300 per hour"
    assert codes[-1] == 429 and 429 not in codes[:3]


def test_open_badges_vc_jwt_verifies_with_the_published_key(client, login, cert_world):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    def unb64(text):
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    jwks = client.get("/.well-known/jwks.json").get_json()
    key = jwks["keys"][0]
    assert (key["kty"], key["crv"], key["alg"]) == ("OKP", "Ed25519", "EdDSA")
    login("anh")
    token = client.get(f"/certificates/{cert_world['cert'].id}/badge.jwt").get_data(as_text=True)
    header_b64, claims_b64, signature = token.split(".")
    header, claims = json.loads(unb64(header_b64)), json.loads(unb64(claims_b64))
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": key["kid"]}
    Ed25519PublicKey.from_public_bytes(unb64(key["x"])).verify(unb64(signature),
                                                               f"{header_b64}.{claims_b64}".encode())
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "https://www.w3.org/ns/credentials/v2" in claims["@context"]
    assert claims["jti"].endswith("/verify/CB-2026-000001") and claims["iss"] == claims["issuer"]["id"]
    assert claims["validFrom"] == "2026-03-01T08:00:00Z" and claims["nbf"] == 1772352000
    subject = claims["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == "Đặng Thị Ánh"
    assert "IU01" in subject["achievement"]["criteria"]["narrative"]
    as_json = client.get(f"/certificates/{cert_world['cert'].id}/badge.json").get_json()
    assert as_json["id"] == claims["id"]


def test_the_signing_key_is_kept_and_can_be_given_by_a_setting(app, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from tinhoc.certification import signing
    first = signing.key_id()
    signed_before = signing.sign_payload({"n": "CB-2026-000001"})
    app.extensions.pop("tinhoc_certificate_key")
    assert signing.key_id() == first   # generated once into the instance folder, then reused
    pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()).decode()
    app.config["CERTIFICATE_SIGNING_KEY"] = pem
    app.extensions.pop("tinhoc_certificate_key")
    try:
        assert signing.key_id() != first
        with pytest.raises(signing.BadSignature):   # signed with the other key
            signing.open_payload(signed_before)
        assert signing.open_payload(signing.sign_payload({"n": 1})) == {"n": 1}
    finally:
        app.config["CERTIFICATE_SIGNING_KEY"] = ""
        app.extensions.pop("tinhoc_certificate_key")


def test_qr_links_use_the_public_address_when_set(app, client, login, cert_world):
    app.config["PUBLIC_URL"] = "https://tinhoc.ankhe.gov.vn/"
    try:
        login("anh")
        page = client.get(f"/certificates/{cert_world['cert'].id}").get_data(as_text=True)
        with app.app_context():
            outside = _qr_link(cert_world["cert"])
    finally:
        app.config["PUBLIC_URL"] = ""
    assert 'href="https://tinhoc.ankhe.gov.vn/verify/CB-2026-000001?p=' in page
    assert outside.startswith("https://tinhoc.ankhe.gov.vn/verify/CB-2026-000001?p=")


@pytest.mark.parametrize("payload", ["", ".", "abc", "abc.def", "!!!.???", "Đặng.Ánh", "a" * 3000 + ".b",
                                     "eyJuIjoxfQ.AAAA", "eyJuIjoxfQ." + "A" * 86, "W10." + "A" * 86])
def test_garbage_payloads_are_refused_not_crashing(client, cert_world, payload):
    response = client.get("/verify/CB-2026-000001", query_string={"p": payload})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert ('data-status="tampered"' in text) is bool(payload), payload
