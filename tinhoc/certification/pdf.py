"""The printable certificate (reportlab): A4 landscape, Vietnamese with an English line under each label.

DejaVu Sans (shipped under static/fonts/ with its licence) is embedded, so Vietnamese renders without
any system font. The QR code (segno) points at the public verification page with the signed payload;
its modules are drawn as vector squares, so no image library is needed.
"""
from __future__ import annotations

import io
from pathlib import Path

import segno
from flask_babel import force_locale
from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .. import ROOT
from . import kinds, services
from .models import Certificate

FONT_DIR = Path(ROOT) / "static" / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
NAVY = Color(0.05, 0.2, 0.45)
RED = Color(0.75, 0.1, 0.1)
GREY = Color(0.35, 0.35, 0.35)


def _fonts() -> None:
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))


def _day(iso_or_date) -> str:
    if not iso_or_date:
        return ""
    text = iso_or_date if isinstance(iso_or_date, str) else iso_or_date.isoformat()
    year, month, day = text[:10].split("-")
    return f"{day}/{month}/{year}"


def _fit(c: Canvas, text: str, font: str, size: float, width: float) -> float:
    while size > 7 and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _centre(c: Canvas, text: str, y: float, font: str, size: float, colour=black, width: float = 700) -> None:
    c.setFillColor(colour)
    c.setFont(font, _fit(c, text, font, size, width))
    c.drawCentredString(A4[1] / 2, y, text)


def _qr(c: Canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code as filled squares (quiet zone included) with its lower-left corner at (x, y)."""
    matrix = segno.make(data, error="m").matrix
    border = 2
    cell = size / (len(matrix) + 2 * border)
    c.setFillColor(white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(black)
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            if dark:
                c.rect(x + (col + border) * cell, y + size - (row + border + 1) * cell, cell, cell, stroke=0, fill=1)


def _modules(c: Canvas, modules: list[dict], top: float) -> float:
    """The table of modules (code, name, completion date, score); returns the y below it."""
    left, widths = 150, (70, 300, 120, 60)
    heads = (("Mã", "Code"), ("Học phần", "Module"), ("Ngày hoàn thành", "Completed"), ("Điểm", "Score"))
    y = top
    c.setFillColor(NAVY)
    x = left
    for (vi, en), w in zip(heads, widths):
        c.setFont(BOLD, 9)
        c.drawString(x, y, vi)
        c.setFont(REGULAR, 7)
        c.drawString(x, y - 9, en)
        x += w
    y -= 13
    c.setStrokeColor(NAVY)
    c.line(left, y, left + sum(widths), y)
    c.setFillColor(black)
    for module in modules:
        y -= 13
        cells = (module["code"], module.get("name", ""), _day(module.get("completed_on")),
                 "" if module.get("score") is None else f"{module['score']:g}")
        x = left
        for text, w in zip(cells, widths):
            c.setFont(REGULAR, _fit(c, text, REGULAR, 9.5, w - 6))
            c.drawString(x, y, text)
            x += w
    return y - 16


def render(cert: Certificate, issuer_name: str) -> bytes:
    """The certificate as PDF bytes: a Vietnamese document whatever the reader's interface language."""
    with force_locale("vi"):
        return _render(cert, issuer_name)


def _render(cert: Certificate, issuer_name: str) -> bytes:
    _fonts()
    kind = kinds.describe(cert.kind)
    details = cert.details or {}
    width, height = landscape(A4)
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    c.setTitle(f"{kind.label} {cert.number}")
    c.setAuthor(issuer_name)
    c.setStrokeColor(NAVY)
    c.setLineWidth(3)
    c.rect(18, 18, width - 36, height - 36)
    c.setLineWidth(0.8)
    c.rect(26, 26, width - 52, height - 52)

    _centre(c, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", height - 60, BOLD, 12)
    _centre(c, "Độc lập - Tự do - Hạnh phúc", height - 76, BOLD, 11)
    _centre(c, issuer_name.upper(), height - 104, BOLD, 12, NAVY)
    _centre(c, str(kind.label).upper(), height - 140, BOLD, 22, NAVY)
    _centre(c, "Cấp cho · Awarded to", height - 170, REGULAR, 10, GREY)
    _centre(c, cert.holder_name, height - 200, BOLD, 26)
    y = height - 222
    if cert.unit_name:
        _centre(c, f"Đơn vị: {cert.unit_name}", y, REGULAR, 11)
        y -= 18
    facts = []
    if kind.level:
        facts.append(f"Trình độ (level): {kind.level}")
    for key, label in (("title", ""), ("division", "Bảng: "), ("award", "Giải: ")):
        if value := details.get(key):  # "Giải Nhất" needs no "Giải:" before it
            facts.append(value if value.lower().startswith(label[:-2].lower()) else f"{label}{value}")
    if details.get("score") is not None:
        facts.append(f"Điểm (score): {details['score']:g}")
    if details.get("hours"):
        facts.append(f"Số giờ học (hours): {details['hours']}")
    for fact in facts:
        _centre(c, fact, y, REGULAR, 11)
        y -= 16
    if details.get("modules"):
        _modules(c, details["modules"], y - 6)

    c.setFillColor(black)
    c.setFont(REGULAR, 10)
    c.drawString(60, 92, f"Số (No.): {cert.number}")
    c.drawString(60, 76, f"Ngày cấp (issued): {_day(services.local_date(cert.issued_at))}")
    c.drawString(60, 60, f"Đơn vị cấp (issuer): {issuer_name}")
    if cert.is_revoked:
        c.setFillColor(RED)
        c.setFont(BOLD, 16)
        c.drawString(60, 116, f"ĐÃ THU HỒI (REVOKED) {_day(services.local_date(cert.revoked_at))}")
    url = services.verify_url(cert)
    _qr(c, url, width - 160, 46, 110)
    c.setFillColor(GREY)
    c.setFont(REGULAR, 7)
    c.drawCentredString(width - 105, 38, "Quét để xác minh · Scan to verify")
    c.drawRightString(width - 175, 48, services.public_url("certification.verify", number=cert.number))
    c.showPage()
    c.save()
    return buffer.getvalue()
