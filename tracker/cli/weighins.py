"""`zw weighins`: import and export weigh-ins."""
from __future__ import annotations
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from tracker import services
from tracker.csvio import write_csv
from tracker.domain import DomainError
from tracker.terminal import for_stream, safe_json

from tracker.cli.common import app_db, fail, import_csv


@click.group("weighins")
def weighins_group():
    """Weigh-ins: import and export."""


@weighins_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--challenge", required=True, help="edition slug")
@with_appcontext
def weighins_import(file, challenge):
    """Import weigh-ins from CSV: household,date,stream,weight_kg[,time][,note]."""
    from tracker.services.imports import import_weighins

    import_csv(file, challenge, ("household", "date", "stream", "weight_kg"), import_weighins,
            "weighins.import", _("weigh-in(s)"), bar_label=_("Checking rows"))


EXPORT_COLUMNS = ["id", "household", "date", "time", "stream", "weight_kg", "source", "status",
                  "device", "seq", "note", "measured_at"]


@weighins_group.command("export")
@click.option("--challenge", required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--output", "-o", type=click.File("w"), default="-")
@with_appcontext
def weighins_export(challenge, fmt, output):
    """Every weigh-in of the edition with source, device, seq and status."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from tracker.models import Household, WeighIn

    with app_db().session() as s:
        try:
            edition = services.get_edition(s, challenge)
        except DomainError as exc:
            fail(str(exc.message))
        zone = ZoneInfo(edition.timezone)
        query = (select(WeighIn, Household.name).join(Household)
                 .where(Household.edition_id == edition.id)
                 .order_by(WeighIn.measured_at, WeighIn.id))
        rows = []
        for w, name in s.execute(query):
            local = w.measured_at.astimezone(zone)
            rows.append({"id": w.id, "household": name, "date": local.date().isoformat(),
                         "time": local.strftime("%H:%M:%S"), "stream": w.stream,
                         "weight_kg": f"{w.weight_g / 1000:.3f}", "source": w.source,
                         "status": w.status, "device": w.device_id, "seq": w.seq,
                         "note": w.note, "measured_at": local.isoformat()})
    if fmt == "json":
        for row in rows:
            row["weight_kg"] = float(row["weight_kg"])
        output.write(for_stream(safe_json(rows, indent=1) + "\n", output))
    else:
        output.write(for_stream(write_csv(EXPORT_COLUMNS, rows, numeric=("weight_kg",)),
                                output))
