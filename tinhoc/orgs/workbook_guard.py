"""Opening an uploaded .xlsx without trusting what it says about itself.

HR files often claim a used range of A1:XFD1048576 (whole columns formatted) or hide a zip bomb;
openpyxl would then pad every row to 16,384 cells and walk a million rows, or unpack gigabytes,
holding a web worker for minutes. Here the zip's stated sizes are capped first (the judge's
package loader shares the check), the claimed dimensions are dropped and at most MAX_COLUMNS
columns are read, and readers stop at the first row number past their row limit.
Every import (staff now; questions and contestants later) opens its workbook here.
"""
from __future__ import annotations

import zipfile
from typing import IO

from flask_babel import gettext as _
from openpyxl import load_workbook

from ..judge.ziplimits import ZipLimitExceeded, check_zip

MAX_UNPACKED_BYTES = 64 * 1024 * 1024   # a 50,000-row staff sheet unpacks to about 15 MB
MAX_MEMBERS = 2000
MAX_COLUMNS = 64                        # headers are looked for in the first 64 columns only


class WorkbookRefused(ValueError):
    """The file is not a readable, reasonably sized .xlsx; `str(exc)` is the message for the user."""


def open_workbook(stream: IO[bytes]):
    """A read-only openpyxl workbook (values only), or WorkbookRefused with a clear message."""
    try:
        with zipfile.ZipFile(stream) as zf:
            check_zip(zf, max_bytes=MAX_UNPACKED_BYTES, max_files=MAX_MEMBERS)
    except ZipLimitExceeded as exc:
        raise WorkbookRefused(_("Tệp Excel giải nén ra quá lớn (hơn %(n)d MB); hãy chỉ giữ lại trang cán bộ "
                                "và chia nhỏ tệp.", n=MAX_UNPACKED_BYTES >> 20)) from None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookRefused(_("Tệp không đọc được như một bảng tính Excel .xlsx (%(e)s).",
                                e=type(exc).__name__)) from None
    stream.seek(0)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise WorkbookRefused(_("Tệp không đọc được như một bảng tính Excel .xlsx (%(e)s).",
                                e=type(exc).__name__)) from None
    for sheet in workbook.worksheets:
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # the claimed used range is not trusted: rows are read as stored
    return workbook


def iter_values(sheet):
    """Rows of cell values, numbered from 1 as Excel shows them, at most MAX_COLUMNS wide."""
    return enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1)
