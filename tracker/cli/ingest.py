"""`zw ingest`: the MQTT ingestion service, its health report."""
from __future__ import annotations
import sys
import click
from flask.cli import with_appcontext
from tracker.terminal import echo, safe_json

from tracker.cli.common import app_db, app_config


@click.command("ingest")
@click.option("--status", "show_status", is_flag=True,
              help="Print the running ingest's health report and exit (1 when unhealthy).")
@click.option("--json", "as_json", is_flag=True, help="With --status: the report as JSON.")
@click.option("--retire", is_flag=True,
              help="This worker leaves its shared-subscription group for good: store what its "
                   "session holds, unsubscribe, clear the session (docs/scaling.md).")
@with_appcontext
def ingest_command(show_status, as_json, retire):
    """Run the MQTT ingestion service (scales' readings into the database)."""
    from ingest.status import format_status, healthy, read_status, status_path

    cfg = app_config()
    if show_status:
        report = read_status(status_path(cfg))
        echo(safe_json(report, indent=2) if as_json else format_status(report))
        sys.exit(0 if healthy(report) else 1)
    from ingest.service import run_ingest

    app_db().dispose()  # the ingest opens its own connections in its storing process
    sys.exit(run_ingest(cfg, retire=retire))
