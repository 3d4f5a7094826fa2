"""Excel uploads that lie about themselves are refused, or read quickly, with a clear message."""
from __future__ import annotations

import io
import re
import time
import zipfile

from sqlalchemy import func, select

from tests.helpers import build_xlsx

ROW = ("CB001", "Nguyễn Văn An", "05/09/1985", None, "SO-TT", "Công chức", None)


def _upload(client, data: bytes):
    return client.post("/orgs/staff/import", data={"file": (io.BytesIO(data), "can-bo.xlsx")},
                       content_type="multipart/form-data")


def _rewrite(data: bytes, member: str, change) -> bytes:
    """Copy an .xlsx, passing one member's text through `change`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == member:
                body = change(body.decode()).encode()
            dst.writestr(info.filename, body)
    return out.getvalue()


def _whole_columns_formatted() -> bytes:
    """What HR files whose whole columns were formatted look like: a few KB claiming A1:XFD1048576,
    one formatted (empty) cell in the sheet's last row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Mã cán bộ", "Họ và tên", "Ngày sinh", "Email", "Mã đơn vị", "Vị trí việc làm", "Chức danh"])
    sheet.append(list(ROW))
    sheet.cell(row=1048576, column=16384).font = Font(bold=True)
    out = io.BytesIO()
    workbook.save(out)
    return _rewrite(out.getvalue(), "xl/worksheets/sheet1.xml",
                    lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml))


def test_a_sheet_claiming_a_million_rows_is_refused_in_seconds(client, login, staff_setup):
    data = _whole_columns_formatted()
    assert len(data) < 10_000
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert 'ref="A1:XFD1048576"' in zf.read("xl/worksheets/sheet1.xml").decode()
    login("admin")
    started = time.monotonic()
    response = _upload(client, data)
    assert time.monotonic() - started < 10
    assert response.status_code == 422
    assert "Tệp có hơn 50000 dòng; hãy chia nhỏ." in response.get_data(as_text=True)


def test_the_cli_refuses_it_quickly_too(app, staff_setup, tmp_path):
    path = tmp_path / "hr.xlsx"
    path.write_bytes(_whole_columns_formatted())
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["tinhoc", "import-staff", str(path)])
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert "hơn 50000 dòng" in result.output


def test_a_claimed_dimension_is_not_trusted_when_the_rows_are_few(client, login, db, staff_setup):
    """The same lie without the far formatted cell: read as the rows stored, not 16,384 columns each."""
    from tinhoc.orgs.models import Person
    data = _rewrite(build_xlsx([ROW]), "xl/worksheets/sheet1.xml",
                    lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml))
    login("admin")
    started = time.monotonic()
    page = _upload(client, data).get_data(as_text=True)
    assert time.monotonic() - started < 5
    assert "Mới: 1" in page and "Lỗi: 0" in page
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_a_zip_bomb_is_refused_before_it_is_unpacked(client, login, staff_setup):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(build_xlsx([ROW]))) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr("xl/media/padding.bin", b"\0" * (80 << 20))  # 80 MB of zeros packs to ~80 KB
    data = out.getvalue()
    assert len(data) < 1 << 20
    login("admin")
    response = _upload(client, data)
    assert response.status_code == 422
    assert "Tệp Excel giải nén ra quá lớn" in response.get_data(as_text=True)


def test_blank_rows_count_towards_the_row_limit(client, login, staff_setup, monkeypatch):
    from tinhoc.orgs import staff_import
    monkeypatch.setattr(staff_import, "MAX_ROWS", 5)
    login("admin")
    rows = [ROW] + [(None,) * 7] * 6 + [("CB002", "Trần Thị Bình", None, None, "SO-TT", "Công chức", None)]
    page = _upload(client, build_xlsx(rows)).get_data(as_text=True)
    assert "Tệp có hơn 5 dòng; hãy chia nhỏ." in page
    ok = _upload(client, build_xlsx([ROW] * 1)).get_data(as_text=True)
    assert "Mới: 1" in ok


def test_the_judge_package_loader_shares_the_size_check(tmp_path):
    """The stated unpacked size is checked before extracting (the same helper as the Excel reader)."""
    import pytest

    from tinhoc.judge.packages.base import PackageError, extract_zip
    from tinhoc.judge.ziplimits import ZipLimitExceeded, check_zip
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("tests/1.in", b"\0" * (4 << 20))
    with zipfile.ZipFile(bomb) as zf, pytest.raises(ZipLimitExceeded):
        check_zip(zf, max_bytes=1 << 20, max_files=10)
    with pytest.raises(PackageError, match="expands past"):
        extract_zip(bomb, tmp_path / "out", max_bytes=1 << 20)
    assert not (tmp_path / "out" / "tests" / "1.in").exists()  # refused before anything was written
