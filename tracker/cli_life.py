"""`zw mail ...`, `zw reminders ...`, `zw life ...`: the challenge-life jobs and demo content.

    zw mail send          deliver queued mail (retries what failed earlier)
    zw reminders send     event reminders (the day before) and the weekly silence reminders,
                          then deliver; run it once a day, e.g. `0 9 * * * zw reminders send`
    zw life seed-demo     workshops, news, tips and teams in the demo edition
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from tracker import clock
from tracker.services import events as event_service
from tracker.terminal import echo


def _db():
    return current_app.extensions["zw_db"]


@click.group("mail")
def mail_group():
    """Outgoing mail (SMTP from ZW_SMTP_*, else the instance outbox folder)."""


@mail_group.command("send")
@with_appcontext
def mail_send():
    """Deliver the queued messages."""
    from tracker.web.common import mailer

    session = _db().sessionmaker()
    try:
        sent, failed = mailer.deliver(session)
    finally:
        session.close()
    echo(_("%(sent)s sent, %(failed)s failed.", sent=sent, failed=failed))


def send_event_reminders(session, now: dt.datetime) -> int:
    """Queue the reminders of tomorrow's events; returns how many households were reminded."""
    from tracker.web.common import mailer

    count = 0
    for registration in event_service.due_reminders(session, now):
        household, event = registration.household, registration.event
        for account in household.accounts:
            mailer.send(session, "event_reminder", account.email, locale=account.locale,
                        household_id=household.id, household=household, event=event,
                        url=mailer.absolute_url("family_events.index"))
        registration.reminded_at = now
        count += 1
    session.flush()
    return count


@click.group("reminders")
def reminders_group():
    """Reminder emails to households."""


@reminders_group.command("send")
@click.option("--dry-run", is_flag=True, help="Count what would be sent, send nothing.")
@with_appcontext
def reminders_send(dry_run):
    """Event reminders (the day before) and reminders to households silent for 14 days."""
    from tracker.web.common import mailer

    now = clock.now()
    session = _db().sessionmaker()
    try:
        events = send_event_reminders(session, now)
        silent = _send_silence_reminders(session, now)
        weeks = _send_week_reminders(session, now)
        if dry_run:
            session.rollback()
            echo(_("Would remind %(events)s event registrations and %(silent)s "
                   "silent households.", events=events, silent=silent))
            echo(_("Would remind %(n)s household(s) of a week without weigh-ins.", n=weeks))
            return
        session.commit()
        sent, failed = mailer.deliver(session)
    finally:
        session.close()
    echo(_("Reminded %(events)s event registrations and %(silent)s silent households "
           "(%(sent)s mails sent, %(failed)s failed).", events=events, silent=silent,
           sent=sent, failed=failed))
    echo(_("Reminded %(n)s household(s) of a week without weigh-ins.", n=weeks))


def _send_week_reminders(session, now: dt.datetime) -> int:
    """Queue the reminders of a week still without weigh-ins; returns how many households."""
    from tracker.services import reminders
    from tracker.web.common import mailer

    due = reminders.uncovered_weeks(session, now)
    for item in due:
        household = item.household
        last = item.week_end - dt.timedelta(days=1)
        for account in household.accounts:
            mailer.send(session, reminders.WEEK_REMINDER, account.email,
                        locale=account.locale, household_id=household.id, household=household,
                        start=item.week_start, last=last,
                        url=mailer.absolute_url("family.weigh"),
                        away_url=mailer.absolute_url("family_absences.index"))
    return len(due)


def _send_silence_reminders(session, now: dt.datetime) -> int:
    """Queue the weekly reminders of silent households; returns how many households."""
    from tracker.services import reminders
    from tracker.web.common import mailer

    silent = reminders.silent_households(session, now)
    for item in silent:
        household = item.household
        for account in household.accounts:
            mailer.send(session, "silence_reminder", account.email, locale=account.locale,
                        household_id=household.id, household=household, days=item.days,
                        last=item.last_weighin, url=mailer.absolute_url("family.weigh"))
        reminders.mark_reminded(session, household, now)
    return len(silent)


@click.group("life")
def life_group():
    """Challenge-life content (workshops, news, teams)."""


DEMO_TIPS = [
    ("Composter en appartement", "Un lombricomposteur tient sous l'évier et ne sent pas.",
     "compost, cuisine"),
    ("Faire ses courses en vrac", "Des bocaux, des sacs en tissu, et la liste avant de partir.",
     "courses"),
    ("Le stop-pub sur la boîte aux lettres", "Jusqu'à 30 kg de papier en moins par an.",
     "papier"),
    ("Réparer plutôt que jeter", "Les repair cafés du territoire, une fois par mois.",
     "réemploi"),
]


@life_group.command("seed-demo")
@click.option("--challenge", "slug", default="demo", show_default=True)
@with_appcontext
def life_seed_demo(slug):
    """Open sign-up and add workshops, news, tips and two teams to an edition (for a demo)."""
    from sqlalchemy import select

    from tracker import services
    from tracker.models import Household
    from tracker.services import news, teams
    from tracker.services.preferences import edition_settings

    now = clock.now()
    with _db().session() as s:
        edition = services.get_edition(s, slug)
        settings = edition_settings(s, edition)
        settings.enrolment_open = settings.teams_enabled = True
        settings.description = "Huit mois pour réduire nos déchets, accompagnés par le syndicat."
        zone = ZoneInfo(edition.timezone)
        day = now.astimezone(zone).date()
        for days, title, place, url, capacity in (
                (1, "Atelier lombricompostage", "Maison de l'environnement", "", 2),
                (6, "Réunion en ligne : bilan du mois", "", "https://visio.example.org/defi", None),
                (13, "Atelier produits ménagers maison", "Médiathèque", "", 12)):
            start = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(18, 30), zone)
            event_service.create_event(s, edition, None, title=title, place=place,
                                       meeting_url=url, capacity=capacity, starts_at=start,
                                       ends_at=start + dt.timedelta(hours=1, minutes=30),
                                       description="Gratuit, pour les foyers du défi.")
        news.save_post(s, None, None, kind="news", edition_id=edition.id,
                       title="Bienvenue dans le défi !",
                       body="Pesez chaque poubelle avant de la sortir : quelques secondes suffisent.")
        for title, body, tags in DEMO_TIPS:
            news.save_post(s, None, None, kind="tip", title=title, body=body, tags=tags)
        households = s.scalars(select(Household).where(Household.edition_id == edition.id)
                               .order_by(Household.id)).all()
        squads = [teams.create_team(s, edition, name) for name in ("Les Colibris",
                                                                   "Les Hérissons")]
        for index, household in enumerate(households):
            teams.assign(s, household, squads[index % 2])
    echo(_("Edition %(slug)s: sign-up open, 3 workshops, news, %(tips)s tips, 2 teams "
           "of %(households)s households.", slug=slug, tips=len(DEMO_TIPS),
           households=len(households)))


def register(app: Flask) -> None:
    """Attach the challenge-life command groups to the app's CLI."""
    for group in (mail_group, reminders_group, life_group):
        app.cli.add_command(group)


__all__ = ["register", "send_event_reminders"]
