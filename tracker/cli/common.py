"""What every `zw` command module uses: the app's database and settings, a failure, the
options' parsers, the CSV import in one transaction. Written once here."""
from __future__ import annotations
import datetime as dt
import sys
import click
from flask import current_app
from flask_babel import gettext as _
from tracker import services
from tracker.services import audit
from tracker.csvio import CsvFormatError, open_rows
from tracker.domain import DomainError
from tracker.terminal import echo, safe, secho


def app_db():
    return current_app.extensions["zw_db"]


def app_config():
    return current_app.config["ZW"]


def fail(message: str, code: int = 1):
    secho(message, fg="red", err=True)
    sys.exit(code)


def parse_date(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(_("use YYYY-MM-DD")) from None


def iso(value):
    return value.isoformat(timespec="seconds") if value else ""


def import_report(report, noun: str) -> None:
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


def import_csv(file, challenge, required, importer, action, noun, bar_label=None) -> None:
    """A CSV import in one transaction: the rows streamed from the file, all or nothing."""
    try:
        table = open_rows(file, required)
    except CsvFormatError as exc:
        fail(_("Cannot read %(file)s: %(error)s", file=file, error=exc))
    with table, app_db().session() as s:
        try:
            edition = services.get_edition(s, challenge)
        except DomainError as exc:
            fail(str(exc.message))
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
            fail(_("Cannot read %(file)s: %(error)s", file=file, error=exc))
        if not report.ok:
            s.rollback()
        elif report.added:
            audit.record_command(s, action, edition_id=edition.id, added=report.added)
    import_report(report, noun)
