"""`flask tinhoc import-staff FILE [--dry-run]`: the web import's report on the command line."""
from __future__ import annotations

import sys

import click

from ..cli import tinhoc_cli

ACTIONS = {"new": "mới", "updated": "cập nhật", "unchanged": "không đổi", "error": "LỖI"}


def print_report(report, echo=click.echo) -> None:
    for message in report.file_errors:
        echo(f"Tệp: {message}", err=True)
    if report.sheet:
        echo(f"Đã đọc trang “{report.sheet}”, dòng tiêu đề là dòng {report.header_row}.")
    for row in report.rows:
        line = f"Dòng {row.row}: {ACTIONS[row.action]:<10} {row.employee_code} {row.full_name}".rstrip()
        if row.changes:
            line += f"  ({', '.join(row.changes)})"
        echo(line)
        for error in row.errors:
            echo(f"Dòng {row.row}, {error.column}: {error.message}", err=True)
    counts = report.counts()
    echo(f"Tổng: {counts['new']} mới, {counts['updated']} cập nhật, {counts['unchanged']} không đổi, "
         f"{counts['error']} dòng lỗi.")


@tinhoc_cli.command("import-staff")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and report only; write nothing.")
def import_staff(file, dry_run):
    """Import staff from an .xlsx file (upsert by employee code; all rows or none)."""
    from ..access import SYSTEM
    from . import staff_import
    with open(file, "rb") as stream:
        report = staff_import.plan_import(stream, SYSTEM)  # the shell acts on the whole province
    print_report(report)
    if not report.ok:
        click.echo("Không có thay đổi nào được ghi: hãy sửa các lỗi trên.", err=True)
        sys.exit(1)
    if dry_run:
        click.echo("Chạy thử (--dry-run): không ghi gì.")
        return
    try:
        staff_import.apply_import(SYSTEM, report, source=file)
    except staff_import.ImportRefused as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo("Đã nhập xong.")
