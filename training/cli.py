"""`flask tinhoc seed-catalogue`: the training catalogue from training/catalogue.yaml."""
from __future__ import annotations

import click

from tinhoc.cli import tinhoc_cli


@tinhoc_cli.command("seed-catalogue")
@click.option("--file", "path", default=None, help="Another catalogue file (default: training/catalogue.yaml).")
def seed_catalogue(path):
    """Create the missing courses, sections and tracks of the catalogue (idempotent)."""
    from .catalogue import seed_catalogue as run
    added = run(path)
    click.echo(f"Catalogue: {added['courses']} courses and {added['tracks']} tracks added.")
