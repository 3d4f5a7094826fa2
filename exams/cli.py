"""`flask tinhoc import-questions FILE --format …`: the web import's report on the command line."""
from __future__ import annotations

import json
import sys

import click

from tinhoc.cli import tinhoc_cli

from .importers import FORMATS
from .importers.common import MAX_BYTES


@tinhoc_cli.command("import-questions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="The file's format.")
@click.option("--category", default="", help="Category path the items go under, e.g. IU01/Phần cứng.")
@click.option("--dry-run", is_flag=True, help="Check and report only; write nothing.")
@click.option("--json", "as_json", is_flag=True, help='Print {"items": [...], "errors": [...], "unsupported": [...]}.')
def import_questions(file, fmt, category, dry_run, as_json):
    """Import questions into the bank (all items or none; unsupported items are listed)."""
    from tinhoc.access import SYSTEM

    from . import importing
    with open(file, "rb") as stream:
        data = stream.read(MAX_BYTES + 1)  # a bigger file is refused by its size, never read whole
    plan = importing.plan(data, fmt, category=category)
    if as_json:
        click.echo(json.dumps(plan.as_json(), ensure_ascii=False, indent=2))
    else:
        for item in plan.parsed.items:
            click.echo(f"Dòng {item['line']}: {item['type']:<11} {item['name']}")
        for entry in plan.parsed.unsupported:
            click.echo(f"Dòng {entry['line']}: KHÔNG HỖ TRỢ: {entry['reason']}", err=True)
        for entry in plan.parsed.errors:
            click.echo(f"Dòng {entry['line']}: LỖI: {entry['reason']}", err=True)
        click.echo(f"Tổng: {len(plan.parsed.items)} câu hỏi, {len(plan.parsed.errors)} lỗi, "
                   f"{len(plan.parsed.unsupported)} không hỗ trợ.", err=as_json)
    if not plan.ok:
        click.echo("Không có câu hỏi nào được nhập: hãy sửa các lỗi trên.", err=True)
        sys.exit(1)
    if dry_run:
        click.echo("Chạy thử (--dry-run): không ghi gì.", err=as_json)
        return
    try:
        importing.apply(SYSTEM, plan, source=file)
    except importing.ImportRefused as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo("Đã nhập xong.", err=as_json)
