"""`zw reminders`: event, weekly and silence reminders."""
from __future__ import annotations
import datetime as dt
import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from tracker.terminal import echo
from tracker import clock
from tracker.services import events as event_service

from tracker.cli.common import app_db


def send_event_reminders(session, now: dt.datetime) -> int:
    """Queue the reminders of tomorrow's events; returns how many households were reminded."""
    from tracker.adapters import mailer

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
    from tracker.adapters import mailer

    now = clock.now()
    session = app_db().sessionmaker()
    try:
        events = send_event_reminders(session, now)
        silent = _send_silence_reminders(session, now)
        weeks = _send_week_reminders(session, now)
        digests = _send_news_digests(session, now)
        if dry_run:
            session.rollback()
            echo(_("Would remind %(events)s event registrations and %(silent)s "
                   "silent households.", events=events, silent=silent))
            echo(_("Would remind %(n)s household(s) of a week without weigh-ins.", n=weeks))
            echo(_("Would send the news digest to %(n)s household(s).", n=digests))
            return
        session.commit()
    finally:
        session.close()
    sent, failed = mailer.deliver(current_app._get_current_object())
    echo(_("Reminded %(events)s event registrations and %(silent)s silent households "
           "(%(sent)s mails sent, %(failed)s failed).", events=events, silent=silent,
           sent=sent, failed=failed))
    echo(_("Reminded %(n)s household(s) of a week without weigh-ins.", n=weeks))
    echo(_("Sent the news digest to %(n)s household(s).", n=digests))


def _send_news_digests(session, now: dt.datetime) -> int:
    """Queue the weekly news digests that are due; returns how many households."""
    from tracker.adapters import mailer
    from tracker.services import news_mail

    due = news_mail.due_digests(session, now)
    for household, posts in due:
        for account in household.accounts:
            mailer.send(session, "news_digest", account.email, locale=account.locale,
                        household_id=household.id, posts=posts,
                        url=mailer.absolute_url("family_news.index"),
                        choice_url=mailer.absolute_url("news_mail.choose"))
        news_mail.mark_digest_sent(session, household, now)
    return len(due)


def _send_week_reminders(session, now: dt.datetime) -> int:
    """Queue the reminders of a week still without weigh-ins; returns how many households."""
    from tracker.services import reminders
    from tracker.adapters import mailer

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
    from tracker.adapters import mailer

    silent = reminders.silent_households(session, now)
    for item in silent:
        household = item.household
        for account in household.accounts:
            mailer.send(session, "silence_reminder", account.email, locale=account.locale,
                        household_id=household.id, household=household, days=item.days,
                        last=item.last_weighin, url=mailer.absolute_url("family.weigh"))
        reminders.mark_reminded(session, household, now)
    return len(silent)
