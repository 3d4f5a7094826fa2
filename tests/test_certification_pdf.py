"""The printable certificate: it renders, embeds its font, and its text (read back with pypdf) shows the
Vietnamese holder name, the modules with dates and scores, the hours, the number and the issuer."""
from __future__ import annotations

import io
import unicodedata

from pypdf import PdfReader

from tests.certification_helpers import cert_world  # noqa: F401


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert unicodedata.is_normalized("NFC", text)   # "Ánh" comes back as one character, as stored
    return text


def test_pdf_shows_the_vietnamese_name_and_what_was_earned(client, login, cert_world):
    login("anh")
    response = client.get(f"/certificates/{cert_world['cert'].id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename=CB-2026-000001.pdf' in response.headers["Content-Disposition"]
    data = response.data
    text = _text(data)
    for shown in ("Đặng Thị Ánh", "CHỨNG CHỈ ỨNG DỤNG CNTT CƠ BẢN", "UBND xã Tân Lập", "Cơ bản", "IU06",
                  "Sử dụng Internet cơ bản", "16/02/2026", "10", "120", "CB-2026-000001", "01/03/2026",
                  "Sở Thông tin và Truyền thông", "Quét để xác minh"):
        assert shown in text, shown
    fonts = _fonts(data)   # DejaVu Sans embedded (a subset), not a reference to a system font
    dejavu = [f for f in fonts if "DejaVuSans" in str(f["/BaseFont"])]
    assert len(dejavu) == 2, fonts
    assert all("/FontFile2" in f["/FontDescriptor"].get_object() for f in dejavu)


def _fonts(data: bytes):
    page = PdfReader(io.BytesIO(data)).pages[0]
    return [f.get_object() for f in page["/Resources"]["/Font"].values()]


def test_pdf_is_vietnamese_for_an_english_reader_and_marks_revocation(client, login, cert_world):
    from tinhoc.access import SYSTEM
    from tinhoc.certification import services
    services.revoke(SYSTEM, cert_world["cert"].id, "Cấp nhầm")
    login("anh")
    client.get("/lang/en")
    text = _text(client.get(f"/certificates/{cert_world['cert'].id}/certificate.pdf").data)
    assert "CHỨNG CHỈ ỨNG DỤNG CNTT CƠ BẢN" in text and "ĐÃ THU HỒI" in text


def test_pdf_of_a_contest_award(app, cert_world):
    from tinhoc.access import SYSTEM
    from tinhoc.certification import pdf, services
    cert = services.issue("contest_award", cert_world["other_person"],
                          {"title": "Hội thi Tin học trẻ tỉnh lần thứ XX", "division": "Bảng B",
                           "award": "Giải Nhất", "score": 92.5}, actor=SYSTEM, source="contest:1")
    text = _text(pdf.render(cert, "Tỉnh đoàn"))
    for shown in ("GT-2026-000001", "Giải Nhất", "Bảng B", "Hội thi Tin học trẻ tỉnh lần thứ XX", "92.5"):
        assert shown in text, shown
