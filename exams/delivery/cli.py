"""`flask tinhoc close-expired-attempts`: close every open attempt past its deadline (for a cron job or
a systemd timer; attempts are also closed lazily whenever they are touched)."""
from __future__ import annotations

import click

from tinhoc.cli import tinhoc_cli


@tinhoc_cli.command("close-expired-attempts")
def close_expired_attempts():
    """Close and auto-mark every open exam attempt whose deadline has passed."""
    from .services import close_expired
    click.echo(f"closed {close_expired()} attempt(s)")
