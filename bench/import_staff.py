"""Staff import speed: a generated 10,000-row .xlsx through the whole check + write path.

Floor: reading the same file's cells with openpyxl in read-only mode and nothing else, measured in
the same run, so the ratio shows what checking and writing add to parsing. Goal: the 10k rows in at
most 10 s. Runs on SQLite in a temporary file, or on DATABASE_URL when --database-url is given.

    python bench/import_staff.py [--quick] [--rows N] [--database-url URL]
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_SECONDS_10K = 10.0


def generate(rows: int, org_codes: list[str], positions: list[str], *, variant: int = 0) -> bytes:
    from openpyxl import Workbook
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Cán bộ")
    sheet.append(["Mã cán bộ", "Họ và tên", "Ngày sinh", "Email", "Mã đơn vị", "Vị trí việc làm", "Chức danh"])
    for i in range(rows):
        title = "Chuyên viên chính" if variant and i % 10 == 0 else "Chuyên viên"
        sheet.append([f"NV{i:06d}", f"Nguyễn Văn Thử {i}", f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1960 + i % 40}",
                      f"nv{i:06d}@ankhe.gov.vn", org_codes[i % len(org_codes)], positions[i % len(positions)], title])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def floor_read(data: bytes) -> float:
    from openpyxl import load_workbook
    started = time.perf_counter()
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    for _ in workbook.worksheets[0].iter_rows(values_only=True):
        pass
    workbook.close()
    return time.perf_counter() - started


def timed_import(data: bytes) -> tuple[float, dict]:
    from tinhoc.access import SYSTEM
    from tinhoc.orgs import staff_import
    started = time.perf_counter()
    report = staff_import.plan_import(io.BytesIO(data), SYSTEM)
    assert report.ok, [(r.row, [e.message for e in r.errors]) for r in report.error_rows[:5]] + report.file_errors
    counts = staff_import.apply_import(SYSTEM, report, source="bench")
    return time.perf_counter() - started, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,500 rows, for CI")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    rows = args.rows or (2500 if args.quick else 10_000)
    os.environ.setdefault("SECRET_KEY", "bench")

    from sqlalchemy import func, select

    from tinhoc import create_app
    from tinhoc.demo import seed_demo
    from tinhoc.extensions import db
    from tinhoc.orgs.models import JobPosition, Organisation, Person

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1"})
        with app.app_context():
            db.drop_all()  # a database URL given here is a scratch database
            db.create_all()
            seed_demo()
            org_codes = list(db.session.scalars(select(Organisation.code).order_by(Organisation.id)))
            positions = list(db.session.scalars(select(JobPosition.name).order_by(JobPosition.sort_order)))
            first = generate(rows, org_codes, positions)
            second = generate(rows, org_codes, positions, variant=1)
            floor = min(floor_read(first) for _ in range(2))
            print(f"{rows} rows, {len(first) / 1e6:.1f} MB, database {url.split(':')[0]}")
            print(f"floor (openpyxl read-only, cells only): {floor:.2f} s, {rows / floor:,.0f} rows/s")
            for label, data in (("all new", first), ("10% updated", second), ("all unchanged", second)):
                seconds, counts = timed_import(data)
                print(f"import {label:14s}: {seconds:6.2f} s, {rows / seconds:8,.0f} rows/s, "
                      f"ratio {seconds / floor:4.1f}x floor  {counts}")
                if label == "all new":
                    per_10k = seconds * 10_000 / rows
                    verdict = "meets" if per_10k <= GOAL_SECONDS_10K else "MISSES"
                    print(f"  -> 10,000 rows in {per_10k:.1f} s ({verdict} the {GOAL_SECONDS_10K:.0f} s goal)")
            staff = db.session.scalar(select(func.count(Person.id)))
            assert staff >= rows, staff
            db.session.remove()
            if args.database_url:
                db.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
