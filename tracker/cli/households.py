"""`zw households`: import, sizes over time, absences."""
from __future__ import annotations
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from tracker import services
from tracker.domain import DomainError
from tracker.terminal import echo

from tracker.cli.common import app_db, fail, parse_date, import_csv


@click.group("households")
def households_group():
    """Households of an edition."""


@households_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--challenge", required=True, help="edition slug")
@with_appcontext
def households_import(file, challenge):
    """Import households from CSV: household,persons,email,commune."""
    from tracker.services.imports import import_households

    import_csv(file, challenge, ("household", "persons"), import_households, "households.import",
            _("household(s)"))


@households_group.command("set-size")
@click.argument("name")
@click.option("--challenge", required=True)
@click.option("--persons", required=True, type=int)
@click.option("--from", "valid_from", required=True, callback=parse_date, help="YYYY-MM-DD")
@with_appcontext
def households_set_size(name, challenge, persons, valid_from):
    """Record a change of household size from a date on."""
    try:
        with app_db().session() as s:
            household = services.get_household(s, services.get_edition(s, challenge), name)
            services.set_household_size(s, household, persons=persons, valid_from=valid_from)
            history = ", ".join(_("%(persons)s from %(date)s", persons=z.persons,
                                  date=z.valid_from) for z in household.sizes)
    except DomainError as exc:
        fail(_("Error: %(message)s", message=exc.message))
    echo(f"{name}: {history}.")


@households_group.command("absence")
@click.argument("name")
@click.option("--challenge", required=True)
@click.option("--from", "date_from", required=True, callback=parse_date, help="YYYY-MM-DD")
@click.option("--to", "date_to", required=True, callback=parse_date, help="YYYY-MM-DD (included)")
@with_appcontext
def households_absence(name, challenge, date_from, date_to):
    """The whole household away from --from to --to (both included): 0 person-days."""
    from tracker.services import coverage

    try:
        with app_db().session() as s:
            household = services.get_household(s, services.get_edition(s, challenge), name)
            coverage.declare_absence(s, household, date_from=date_from, date_to=date_to)
            days = (date_to - date_from).days + 1
    except DomainError as exc:
        fail(_("Error: %(message)s", message=exc.message))
    echo(_("%(name)s: away from %(start)s to %(end)s (%(days)s day(s)).", name=name,
           start=date_from.isoformat(), end=date_to.isoformat(), days=days))


#: Households due from which the invitation round shows a progress bar (on stderr).
BAR_FROM = 50


@households_group.command("invite")
@click.option("--challenge", required=True, help="edition slug")
@click.option("--dry-run", is_flag=True, help="Count who would be invited, send nothing.")
@with_appcontext
def households_invite(challenge, dry_run):
    """Invite by mail the households that have an address and no account yet (not those
    invited in the last 7 days), then send the mails."""
    import sys

    from flask import current_app

    from tracker.adapters import mailer
    from tracker.adapters.invitation_mail import queue_invitations
    from tracker.services import audit, imported_invitations as invitations

    with app_db().session() as s:
        try:
            edition = services.get_edition(s, challenge)
        except DomainError as exc:
            fail(str(exc.message))
        due = len(invitations.outlook(s, edition).due)
        if due >= BAR_FROM and not dry_run:
            with click.progressbar(length=due, label=_("Inviting households"), file=sys.stderr,
                                   show_pos=True) as bar:
                report = invitations.invite_households(s, edition, progress=bar.update)
        else:
            report = invitations.invite_households(s, edition)
        mails, households = queue_invitations(s, report), report.households
        if dry_run:
            s.rollback()
        elif mails:
            audit.record_command(s, "households.invite", edition_id=edition.id,
                                 households=households, mails=mails)
    days = invitations.INVITE_AGAIN_AFTER.days
    if dry_run:
        echo(_("Would invite %(n)s household(s) (%(mails)s mail(s)).", n=households,
               mails=mails))
    else:
        sent, failed = mailer.deliver(current_app._get_current_object()) if mails else (0, 0)
        echo(_("Invited %(n)s household(s): %(mails)s mail(s) queued (%(sent)s sent, "
               "%(failed)s failed).", n=households, mails=mails, sent=sent,
               failed=failed))
    if report.waiting:
        echo(_("%(n)s household(s) invited less than %(days)s days ago: not invited again.",
               n=report.waiting, days=days))
    if report.taken:
        echo(_("%(n)s address(es) left out: they already have an account in another "
               "household.", n=report.taken))
