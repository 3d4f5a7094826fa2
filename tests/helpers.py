"""Helpers shared by unit and browser tests. Imports only the standard library at module level: the
judge's suites import it too, in the judge-only venv of .ci/judge-unprivileged (no SQLAlchemy)."""
from __future__ import annotations

from contextlib import contextmanager

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


def stable_zip(entries, compression: int | None = None) -> bytes:
    """A zip of (name, text or bytes) entries with the same bytes on every call: each entry gets a
    fixed date (writestr with a bare name stamps the current time, so a test comparing an upload
    with a second call failed whenever the two straddled a 2-second tick)."""
    import io
    import zipfile

    compression = zipfile.ZIP_STORED if compression is None else compression
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, body in entries:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 3, 1, 8, 0, 0)), body, compress_type=compression)
    return out.getvalue()


def sandbox_missing() -> str | None:
    """Why the judge's sandbox cannot run here (None when it can): the skip reason for judge tests."""
    import shutil
    if shutil.which("bwrap") is None:
        return "bubblewrap is missing"
    try:
        from tinhoc.judge import languages, sandbox  # noqa: F401
    except ImportError as exc:
        return f"sandbox or languages not importable: {exc}"
    return None


def needs_sandbox():
    """Marks for a test (or a module's pytestmark) that runs programs in the sandbox."""
    import pytest
    why = sandbox_missing()
    return [pytest.mark.sandbox, pytest.mark.skipif(why is not None, reason=why or "")]


def assert_prompt_in_wall_time(out, cpu: float) -> None:
    """On a quiet machine the program has a core to itself, so the CPU limit is also reached
    within a tenth of a second of wall time. On a loaded one (other suites running on the same
    two cores) the program gets less than a core and wall time says nothing about the watchdog:
    the CPU overshoot, asserted by the caller, still does."""
    import os
    if os.getloadavg()[0] < 1.5:
        assert out.wall_time < cpu + 0.1, out


@contextmanager
def recorded_statements(engine):
    """The SQL statements `engine` runs inside the block, in order (a list filled as they run)."""
    statements: list[str] = []

    def log(conn, cursor, statement, *args):
        statements.append(statement)
    from sqlalchemy import event
    event.listen(engine, "before_cursor_execute", log)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", log)


def page_query_count(db, client, url: str) -> int:
    """How many statements a GET of `url` runs (the page must answer 200)."""
    with recorded_statements(db.engine) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)
