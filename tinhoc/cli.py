"""`flask tinhoc ...` commands: demo data, first admin, staff import."""
from __future__ import annotations

import getpass

import click
from flask.cli import AppGroup

tinhoc_cli = AppGroup("tinhoc", help="tinhoc administration commands.")


@tinhoc_cli.command("seed-demo")
@click.option("--scale", type=click.Choice(["small", "large"]), default="small",
              help="large: 100,000 staff (for benchmarks).")
def seed_demo(scale):
    """Create the demo province, one account per role and the training catalogue (idempotent)."""
    from .demo import seed_demo as run, DEMO_PASSWORD, DEMO_USERS
    summary = run(scale)
    click.echo(f"Demo province ready: {summary['organisations']} organisations, {summary['staff']} staff.")
    click.echo(f"Demo logins (password '{DEMO_PASSWORD}'): " + ", ".join(DEMO_USERS))
    click.echo("Demo certificates (open /verify/NUMBER): " + ", ".join(summary["certificates"]))
    click.echo(f"Demo contest: /contests/{summary['contest_id']} (board: /api/contests/{summary['contest_id']}/scoreboard)")
    click.echo("Demo jury (division D1 creative products): juror, juror2 grade at /contests/jury/; grader chairs")


@tinhoc_cli.command("create-admin")
@click.argument("username")
@click.option("--full-name", default=None, help="Full name (defaults to the username).")
@click.option("--password", default=None, help="Password (asked for when omitted).")
def create_admin(username, full_name, password):
    """Create an administrator account."""
    from .access import SYSTEM
    from .accounts import services
    if password is None:
        password = getpass.getpass("Password: ")
    try:
        user = services.create_user(SYSTEM, username=username, full_name=full_name or username,
                                    password=password, roles=["admin"], must_change_password=False)
    except services.AccountError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Created admin {user.username}.")
