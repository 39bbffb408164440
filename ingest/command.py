"""`zw ingest`: the MQTT ingestion service, its health report.

The command of this entry point, registered by the app factory (tracker/app.py, the composition
root), so `tracker.cli` does not import the ingest sideways. Flask and click are loaded only
here, by the `zw` command: the service itself (ingest.service) runs without them.
"""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.terminal import echo, safe_json


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

    cfg = current_app.config["ZW"]
    if show_status:
        report = read_status(status_path(cfg))
        echo(safe_json(report, indent=2) if as_json else format_status(report))
        sys.exit(0 if healthy(report) else 1)
    from ingest.service import run_ingest

    # the ingest opens its own connections in its storing process
    current_app.extensions["zw_db"].dispose()
    sys.exit(run_ingest(cfg, retire=retire))
