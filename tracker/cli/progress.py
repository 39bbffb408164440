"""`zw progress`: the progress method's figures, staff-accepted months."""
from __future__ import annotations
import sys
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from tracker import services
from tracker.domain import DomainError
from tracker.private_files import open_private
from tracker.terminal import echo, for_stream

from tracker.cli.common import app_db, fail, parse_date


@click.group("progress")
def progress_group():
    """The progress method (DESIGN.md) applied to an edition."""


@progress_group.command("export")
@click.option("--challenge", required=True)
@click.option("--as-of", "as_of", callback=parse_date, help="YYYY-MM-DD (default: today)")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx"]), default="csv",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="file to write (default: standard output; required for xlsx on a terminal)")
@with_appcontext
def progress_export(challenge, as_of, fmt, output):
    """One row per household and started month: the Progress CSV of DESIGN.md."""
    from dashboards.export import progress_csv, progress_json, progress_xlsx
    from tracker.progress import compute

    with app_db().session() as s:
        try:
            edition = services.get_edition(s, challenge)
        except DomainError as exc:
            fail(str(exc.message))
        result = compute(s.connection(), edition, as_of, with_streams=False)
    if fmt == "xlsx":
        data = progress_xlsx(result.households, result.cohort)
    else:
        text = (progress_csv if fmt == "csv" else progress_json)(result.households)
        data = (text if output else for_stream(text, sys.stdout)).encode("utf-8")
    if output:
        with open_private(output, "wb") as fh:  # household names and figures
            fh.write(data)
        echo(_("Wrote %(file)s (%(rows)s rows, as of %(date)s).", file=output,
               rows=len(result.households), date=result.as_of), err=True)
    elif fmt == "xlsx" and sys.stdout.isatty():
        fail(_("An xlsx file is binary: give --output FILE."))
    else:
        sys.stdout.buffer.write(data) if hasattr(sys.stdout, "buffer") else echo(
            data.decode("utf-8", "replace"), nl=False)


@progress_group.command("accept")
@click.argument("name")
@click.option("--challenge", required=True)
@click.option("--month", required=True, type=int, help="challenge month (1 = the first)")
@click.option("--reason", required=True, help="why the month is reliable (kept in the audit "
              "log)")
@with_appcontext
def progress_accept(name, challenge, month, reason):
    """Accept a household-month as reliable despite missing weeks (audited)."""
    from tracker.services import coverage

    try:
        with app_db().session() as s:
            household = services.get_household(s, services.get_edition(s, challenge), name)
            coverage.accept_month(s, household, month=month, reason=reason)
    except DomainError as exc:
        fail(_("Error: %(message)s", message=exc.message))
    echo(_("%(name)s: month %(month)s accepted as reliable.", name=name, month=month))


@progress_group.command("verify")
@click.option("--challenge", required=True)
@with_appcontext
def progress_verify(challenge):
    """Recompute the monthly aggregates from the raw weigh-ins and list any difference."""
    from sqlalchemy import func, select

    from tracker import aggregates
    from tracker.models import Household

    with app_db().session() as s:
        try:
            edition = services.get_edition(s, challenge)
        except DomainError as exc:
            fail(str(exc.message))
        total = s.scalar(select(func.count(Household.id))
                         .where(Household.edition_id == edition.id))
        with click.progressbar(length=total, label=_("Checking households"), file=sys.stderr,
                               show_pos=True) as bar:
            differences = aggregates.verify(s.connection(), edition, progress=bar.update)
    for d in differences[:50]:
        echo(_("household %(id)s, month %(month)s: stored %(stored)s, recomputed "
               "%(expected)s", id=d.household_id, month=d.month, stored=d.stored,
               expected=d.expected))
    if differences:
        fail(_("%(count)s difference(s) between the monthly aggregates and the weigh-ins.",
               count=len(differences)))
    echo(_("0 differences: the monthly aggregates match the weigh-ins (%(count)s "
           "households).", count=total))
