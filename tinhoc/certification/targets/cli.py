"""`flask tinhoc snapshot-targets [--date yyyy-mm-dd]`: the day's figures of every unit and metric,
for the dashboard's trend (run daily from cron or a systemd timer; running it twice a day replaces)."""
from __future__ import annotations

from datetime import date

import click

from ...cli import tinhoc_cli


@tinhoc_cli.command("snapshot-targets")
@click.option("--date", "day", default=None, help="Ngày chụp số liệu (yyyy-mm-dd); mặc định hôm nay.")
def snapshot_targets(day):
    """Write the day's snapshot of every metric for every unit (idempotent per day)."""
    from . import services
    try:
        on = date.fromisoformat(day) if day else services.today()
    except ValueError:
        raise click.BadParameter("yyyy-mm-dd", param_hint="--date") from None
    written = services.write_snapshot(on)
    click.echo(f"{on.isoformat()}: {written} dòng số liệu")
