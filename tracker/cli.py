"""The `zw` command's tracker sub-commands (a Flask CLI group; see tracker.entry for `zw`)."""
from __future__ import annotations

import datetime as dt
import secrets
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from tracker import services
from tracker.services import audit
from tracker.csvio import CsvFormatError, open_rows, write_csv
from tracker.domain import DomainError, STREAMS
from tracker.private_files import open_private
from tracker.terminal import echo, for_stream, safe, safe_json, secho


def _db():
    return current_app.extensions["zw_db"]


def _fail(message: str, code: int = 1):
    secho(message, fg="red", err=True)
    sys.exit(code)


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(_("use YYYY-MM-DD")) from None


# ---------------------------------------------------------------- db
@click.group("db")
def db_group():
    """The database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision):
    """Apply the migrations up to REVISION."""
    from tracker.migrate import upgrade

    upgrade(_db().url, revision)
    echo(_("Database up to date."))


# ---------------------------------------------------------------- challenges
@click.group("challenges")
def challenges_group():
    """Editions of the challenge."""


@challenges_group.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--start", required=True, callback=_date, help="YYYY-MM-DD")
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
        with _db().session() as s:
            edition = services.create_edition(
                s, slug=slug, name=name, start=start, months=months,
                baseline_months=baseline_months, target_pct=target, counted_streams=counted,
                timezone=timezone)
            echo(_("Created edition %(slug)s: %(name)s, from %(start)s for %(months)s "
                   "months, target -%(target)s %%, counted: %(counted)s.",
                   slug=edition.slug, name=edition.name, start=start, months=months,
                   target=f"{target:g}", counted=", ".join(counted)))
    except DomainError as exc:
        _fail(_("Error (%(field)s): %(message)s", field=exc.field, message=exc.message))


@challenges_group.command("list")
@with_appcontext
def challenges_list():
    """List the editions."""
    from sqlalchemy import select

    from tracker.models import Edition

    with _db().session() as s:
        for e in s.scalars(select(Edition).order_by(Edition.start_date)):
            echo("\t".join((safe(e.slug), str(e.start_date),
                            _("%(months)s months", months=e.months),
                            _("%(count)s households", count=len(e.households)), safe(e.name))))


# ---------------------------------------------------------------- households
@click.group("households")
def households_group():
    """Households of an edition."""


def _report(report, noun: str) -> None:
    if report.errors:
        secho(_("Nothing imported: %(bad)s bad row(s) out of %(rows)s.",
                bad=len(report.errors), rows=report.rows), fg="red", err=True)
        for line, reason in report.errors:
            echo("  " + _("line %(line)s: %(reason)s", line=line, reason=safe(reason)),
                 err=True)
        sys.exit(1)
    echo(_("Imported %(added)s %(noun)s; %(present)s already present; %(rows)s rows "
           "read.", added=report.added, noun=noun, present=report.already_present,
           rows=report.rows))


@households_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--challenge", required=True, help="edition slug")
@with_appcontext
def households_import(file, challenge):
    """Import households from CSV: household,persons,email,commune."""
    from tracker.services.imports import import_households

    _import(file, challenge, ("household", "persons"), import_households, "households.import",
            _("household(s)"))


def _import(file, challenge, required, importer, action, noun, bar_label=None) -> None:
    """A CSV import in one transaction: the rows streamed from the file, all or nothing."""
    try:
        table = open_rows(file, required)
    except CsvFormatError as exc:
        _fail(_("Cannot read %(file)s: %(error)s", file=file, error=exc))
    with table, _db().session() as s:
        try:
            edition = services.get_edition(s, challenge)
        except DomainError as exc:
            _fail(str(exc.message))
        try:
            if bar_label:
                # redrawn every 0.5 % at most: a terminal drawing 100,000 updates is slow
                with click.progressbar(length=table.lines, label=bar_label, file=sys.stderr,
                                       show_pos=True,
                                       update_min_steps=max(1, table.lines // 200)) as bar:
                    report = importer(s, edition, table, progress=bar.update)
            else:
                report = importer(s, edition, table)
        except CsvFormatError as exc:  # met while reading the rows: nothing is kept
            s.rollback()
            _fail(_("Cannot read %(file)s: %(error)s", file=file, error=exc))
        if not report.ok:
            s.rollback()
        elif report.added:
            audit.record_command(s, action, edition_id=edition.id, added=report.added)
    _report(report, noun)


@households_group.command("set-size")
@click.argument("name")
@click.option("--challenge", required=True)
@click.option("--persons", required=True, type=int)
@click.option("--from", "valid_from", required=True, callback=_date, help="YYYY-MM-DD")
@with_appcontext
def households_set_size(name, challenge, persons, valid_from):
    """Record a change of household size from a date on."""
    try:
        with _db().session() as s:
            household = services.get_household(s, services.get_edition(s, challenge), name)
            services.set_household_size(s, household, persons=persons, valid_from=valid_from)
            history = ", ".join(_("%(persons)s from %(date)s", persons=z.persons,
                                  date=z.valid_from) for z in household.sizes)
    except DomainError as exc:
        _fail(_("Error: %(message)s", message=exc.message))
    echo(f"{name}: {history}.")


@households_group.command("absence")
@click.argument("name")
@click.option("--challenge", required=True)
@click.option("--from", "date_from", required=True, callback=_date, help="YYYY-MM-DD")
@click.option("--to", "date_to", required=True, callback=_date, help="YYYY-MM-DD (included)")
@with_appcontext
def households_absence(name, challenge, date_from, date_to):
    """The whole household away from --from to --to (both included): 0 person-days."""
    from tracker.services import coverage

    try:
        with _db().session() as s:
            household = services.get_household(s, services.get_edition(s, challenge), name)
            coverage.declare_absence(s, household, date_from=date_from, date_to=date_to)
            days = (date_to - date_from).days + 1
    except DomainError as exc:
        _fail(_("Error: %(message)s", message=exc.message))
    echo(_("%(name)s: away from %(start)s to %(end)s (%(days)s day(s)).", name=name,
           start=date_from.isoformat(), end=date_to.isoformat(), days=days))


# ---------------------------------------------------------------- accounts
@click.group("accounts")
def accounts_group():
    """Sign-in accounts (families and staff)."""


@accounts_group.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["family", "staff", "admin"]), default="family",
              show_default=True)
@click.option("--household", help="household name (family accounts)")
@click.option("--challenge", help="edition slug (family accounts)")
@click.option("--password", help="default: a random one, printed once")
@with_appcontext
def accounts_create(email, role, household, challenge, password):
    """Create an account; a family account belongs to a household of an edition."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        with _db().session() as s:
            home = None
            if role == "family":
                if not household or not challenge:
                    _fail(_("A family account needs --household and --challenge."))
                home = services.get_household(s, services.get_edition(s, challenge), household)
            account = services.create_account(s, email=email, password=password, role=role,
                                              household=home)
            audit.record_command(s, "account.create", household_id=home.id if home else None,
                                 account=account.id, role=role)
    except DomainError as exc:
        _fail(_("Error: %(message)s", message=exc.message))
    echo(_("Account %(email)s (%(role)s) created.", email=email, role=role))
    if generated:
        echo(_("Password (shown once): %(password)s", password=password))


# ---------------------------------------------------------------- weighins
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

    _import(file, challenge, ("household", "date", "stream", "weight_kg"), import_weighins,
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

    with _db().session() as s:
        try:
            edition = services.get_edition(s, challenge)
        except DomainError as exc:
            _fail(str(exc.message))
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


# ---------------------------------------------------------------- progress
@click.group("progress")
def progress_group():
    """The progress method (DESIGN.md) applied to an edition."""


@progress_group.command("export")
@click.option("--challenge", required=True)
@click.option("--as-of", "as_of", callback=_date, help="YYYY-MM-DD (default: today)")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx"]), default="csv",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="file to write (default: standard output; required for xlsx on a terminal)")
@with_appcontext
def progress_export(challenge, as_of, fmt, output):
    """One row per household and started month: the Progress CSV of DESIGN.md."""
    from dashboards.export import progress_csv, progress_json, progress_xlsx
    from tracker.progress import compute

    with _db().session() as s:
        try:
            edition = services.get_edition(s, challenge)
        except DomainError as exc:
            _fail(str(exc.message))
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
        _fail(_("An xlsx file is binary: give --output FILE."))
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
        with _db().session() as s:
            household = services.get_household(s, services.get_edition(s, challenge), name)
            coverage.accept_month(s, household, month=month, reason=reason)
    except DomainError as exc:
        _fail(_("Error: %(message)s", message=exc.message))
    echo(_("%(name)s: month %(month)s accepted as reliable.", name=name, month=month))


# ---------------------------------------------------------------- run
@click.command("run")
@click.option("--host", default=None, help="default: ZW_WEB_HOST (127.0.0.1)")
@click.option("--port", default=None, type=int, help="default: ZW_WEB_PORT (5000)")
@click.option("--no-demo", is_flag=True, help="no demo edition on an empty database, no demo "
              "scale")
@click.option("--no-mqtt", is_flag=True, help="web app only: no broker, ingest or demo scale")
@click.option("--demo-rate", type=float, default=None,
              help="readings per second of the demo scale (default: one every 4 minutes, "
              "under the ingest's hourly limit)")
@with_appcontext
def run_command(host, port, no_demo, no_mqtt, demo_rate):
    """The whole stack on this machine: web app, broker from mosquitto.conf, ingest, SQLite."""
    from tracker.run import DEMO_SCALE_RATE, run_stack

    run_stack(current_app._get_current_object(), host=host, port=port, demo=not no_demo,
              mqtt=not no_mqtt, demo_rate=demo_rate or DEMO_SCALE_RATE)


def register_commands(app: Flask) -> None:
    """Attach every `zw` sub-command to the app's CLI group."""
    for command in (db_group, challenges_group, households_group, accounts_group,
                    weighins_group, progress_group, run_command):
        app.cli.add_command(command)
    from tracker.cli_ingest import register as register_ingest

    register_ingest(app)
    from tracker.cli_life import register as register_life  # mail, reminders (issue 6)
    register_life(app)
    from tracker.cli_talk import register as register_talk  # discussions' digest (issue 18)
    register_talk(app)


__all__ = ["register_commands", "STREAMS"]
