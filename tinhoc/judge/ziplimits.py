"""Size and count caps for zip archives, checked before anything is unpacked.

Shared by the judge's package loader and the Excel readers (an .xlsx is a zip): a zip states each
member's unpacked size, and Python's zipfile never unpacks more than that stated size (it stops and
fails the CRC check), so adding the stated sizes bounds the work without unpacking anything.
Pure standard library: the judge runs without Flask.
"""
from __future__ import annotations

import zipfile


class ZipLimitExceeded(ValueError):
    """The archive unpacks to more than allowed; `kind` is "files" or "bytes", `limit` the cap."""

    def __init__(self, kind: str, found: int, limit: int):
        super().__init__(f"zip holds {found} {'entries' if kind == 'files' else 'bytes unpacked'}, "
                         f"more than the {limit} allowed")
        self.kind, self.found, self.limit = kind, found, limit


def check_zip(zf: zipfile.ZipFile, *, max_bytes: int, max_files: int) -> int:
    """Raise ZipLimitExceeded when the members or their stated unpacked sizes exceed the caps;
    return the total unpacked size."""
    infos = zf.infolist()
    if len(infos) > max_files:
        raise ZipLimitExceeded("files", len(infos), max_files)
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise ZipLimitExceeded("bytes", total, max_bytes)
    return total
