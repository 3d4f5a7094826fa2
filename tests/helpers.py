"""Helpers shared by unit and browser tests."""
from __future__ import annotations

STAFF_HEADER = ("Mã cán bộ", "Họ và tên", "Ngày sinh", "Email", "Mã đơn vị", "Vị trí việc làm", "Chức danh")


def build_xlsx(rows, header=STAFF_HEADER) -> bytes:
    """An .xlsx file (first sheet) with `header` then `rows`, as a user would fill the template."""
    import io

    from openpyxl import Workbook
    workbook = Workbook()
    sheet = workbook.active
    if header is not None:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
