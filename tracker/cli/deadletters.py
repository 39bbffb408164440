"""`zw deadletters`: the messages the ingest refused."""
from __future__ import annotations
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from tracker.terminal import echo, safe, safe_json
from tracker.services.ingest import list_dead_letters

from tracker.cli.common import app_db, iso


@click.group("deadletters")
def deadletters_group():
    """MQTT messages the ingest refused, with the reason."""


@deadletters_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--limit", default=100, show_default=True, type=int, help="0: all")
@click.option("--device", "device_id", default=None, help="only this scale's")
@with_appcontext
def deadletters_list(fmt, limit, device_id):
    """The most recent refused messages, newest first."""
    with app_db().session() as s:
        rows = [{"id": d.id, "received_at": iso(d.received_at), "topic": d.topic,
                 "device_id": d.device_id, "reason": d.reason, "reason_code": d.reason_code,
                 "reason_params": d.reason_params, "payload_size": d.payload_size,
                 "payload": d.payload}
                for d in list_dead_letters(s, limit=limit or None, device_id=device_id)]
    if fmt == "json":
        echo(safe_json(rows, indent=2))
        return
    if not rows:
        echo(_("No dead letters."))
    for r in rows:
        payload = safe(r["payload"][:80])
        more = "…" if r["payload_size"] > 80 else ""
        echo(f"{r['received_at']}  {safe(r['topic'])}  {safe(r['reason'])}\n    "
             f"{payload}{more}")
