"""`zw run`: everything a newcomer needs on one machine, started in order and stopped together."""
from __future__ import annotations

import logging

import click
from flask import Flask
from sqlalchemy import func, select

from tracker.migrate import needs_upgrade, upgrade
from tracker.models import Edition

log = logging.getLogger(__name__)


def prepare_database(app: Flask, demo: bool = True) -> dict | None:
    """Migrate a new or old database; seed the demo edition when there is no edition at all."""
    database = app.extensions["zw_db"]
    if needs_upgrade(database.url):
        click.echo("Applying database migrations...")
        upgrade(database.url)
    if not demo:
        return None
    with database.session() as s:
        if s.scalar(select(func.count(Edition.id))):
            return None
        from tracker.demo import seed_demo

        click.echo("New database: adding the demo edition...")
        return seed_demo(s)


def run_stack(app: Flask, host: str | None = None, port: int | None = None,
              demo: bool = True) -> None:
    """Prepare the database, then serve the web app until Ctrl-C."""
    from werkzeug.serving import run_simple

    cfg = app.config["ZW"]
    host = host or cfg.web_host
    port = port or cfg.web_port
    seeded = prepare_database(app, demo)
    click.secho(f"\nZero-waste tracker on http://{host}:{port}/", fg="green", bold=True)
    if seeded:
        click.echo(f"  family sign-in: {seeded['family']} / {seeded['password']}")
        click.echo(f"  staff sign-in:  {seeded['staff']} / {seeded['password']}")
    click.echo("  Ctrl-C stops everything.\n")
    run_simple(host, port, app, threaded=True, use_reloader=False)
