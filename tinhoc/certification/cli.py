"""`flask tinhoc verify-certificate CODE-or-PAYLOAD`: the public page's check on the command line."""
from __future__ import annotations

import sys
from urllib.parse import parse_qs, unquote, urlsplit

import click

from ..cli import tinhoc_cli

STATUS = {"valid": "CÒN HIỆU LỰC (valid)", "revoked": "ĐÃ THU HỒI (revoked)",
          "tampered": "DỮ LIỆU BỊ SỬA (tampered)", "unknown": "KHÔNG CÓ CHỨNG CHỈ NÀY (unknown)"}


def parse_argument(text: str) -> tuple[str | None, str | None]:
    """(number, payload) from a verification URL (as in the QR code), a bare payload or a number."""
    text = (text or "").strip()
    if "://" in text or text.startswith("/verify/"):
        parts = urlsplit(text)
        number = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) or None
        return number, (parse_qs(parts.query).get("p") or [None])[0]
    if "." in text:
        return None, text
    return text, None


@tinhoc_cli.command("verify-certificate")
@click.argument("code")
def verify_certificate(code):
    """Check a certificate by number, by its QR link or by the signed payload (exit 1 unless valid)."""
    from . import services
    number, payload = parse_argument(code)
    result = services.verify(number, payload)
    cert = result.certificate
    click.echo(f"Trạng thái: {STATUS[result.status]}")
    if cert is not None:
        click.echo(f"Số: {cert.number} · {services.kinds.describe(cert.kind).label} · {cert.holder_name}"
                   f" · cấp ngày {services.local_date(cert.issued_at):%d/%m/%Y}")
        if cert.is_revoked:
            click.echo(f"Thu hồi ngày {services.local_date(cert.revoked_at):%d/%m/%Y}: {cert.revoked_reason}")
    for problem in result.problems:
        click.echo(f"Sai lệch: {problem}", err=True)
    if result.payload_given and not result.problems:
        click.echo("Chữ ký số hợp lệ, dữ liệu trong mã QR khớp dữ liệu đã lưu.")
    if not result.ok:
        sys.exit(1)
