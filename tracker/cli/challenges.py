"""`zw challenges`: create and list editions."""
from __future__ import annotations
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from tracker import services
from tracker.domain import DomainError
from tracker.terminal import echo, safe

from tracker.cli.common import app_db, fail, parse_date


@click.group("challenges")
def challenges_group():
    """Editions of the challenge."""


@challenges_group.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--start", required=True, callback=parse_date, help="YYYY-MM-DD")
@click.option("--months", default=8, show_default=True, type=int)
@click.option("--baseline-months", default=1, show_default=True, type=int)
@click.option("--target", default=20.0, show_default=True, type=float, help="% reduction")
@click.option("--streams", default="residual,packaging,glass", show_default=True,
              help="counted streams, comma separated")
@click.option("--timezone", default="Europe/Paris", show_default=True)
@with_appcontext
def challenges_create(slug, name, start, months, baseline_months, target, streams, timezone):
    """Create a new edition."""
    counted = [s.strip() for s in streams.split(",") if s.strip()]
    try:
        with app_db().session() as s:
            edition = services.create_edition(
                s, slug=slug, name=name, start=start, months=months,
                baseline_months=baseline_months, target_pct=target, counted_streams=counted,
                timezone=timezone)
            echo(_("Created edition %(slug)s: %(name)s, from %(start)s for %(months)s "
                   "months, target -%(target)s %%, counted: %(counted)s.",
                   slug=edition.slug, name=edition.name, start=start, months=months,
                   target=f"{target:g}", counted=", ".join(counted)))
    except DomainError as exc:
        fail(_("Error (%(field)s): %(message)s", field=exc.field, message=exc.message))


@challenges_group.command("list")
@with_appcontext
def challenges_list():
    """List the editions."""
    from sqlalchemy import select

    from tracker.models import Edition

    with app_db().session() as s:
        for e in s.scalars(select(Edition).order_by(Edition.start_date)):
            echo("\t".join((safe(e.slug), str(e.start_date),
                            _("%(months)s months", months=e.months),
                            _("%(count)s households", count=len(e.households)), safe(e.name))))
