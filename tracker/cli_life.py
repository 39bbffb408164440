"""`zw mail ...` and `zw reminders ...`: the challenge-life jobs to run from cron.

    zw mail send          deliver queued mail (retries what failed earlier)
    zw reminders send     event reminders (the day before) and the weekly silence reminders,
                          then deliver; run it once a day, e.g. `0 9 * * * zw reminders send`
"""
from __future__ import annotations

import datetime as dt

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from tracker import clock
from tracker.services import events as event_service


def _db():
    return current_app.extensions["zw_db"]


@click.group("mail")
def mail_group():
    """Outgoing mail (SMTP from ZW_SMTP_*, else the instance outbox folder)."""


@mail_group.command("send")
@with_appcontext
def mail_send():
    """Deliver the queued messages."""
    from tracker.web import mailer

    session = _db().sessionmaker()
    try:
        sent, failed = mailer.deliver(session)
    finally:
        session.close()
    click.echo(f"{sent} sent, {failed} failed.")


def send_event_reminders(session, now: dt.datetime) -> int:
    """Queue the reminders of tomorrow's events; returns how many households were reminded."""
    from tracker.web import mailer

    count = 0
    for registration in event_service.due_reminders(session, now):
        household, event = registration.household, registration.event
        for account in household.accounts:
            mailer.send(session, "event_reminder", account.email, locale=account.locale,
                        household_id=household.id, household=household, event=event,
                        url=mailer.absolute_url("life_events.index"))
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
    from tracker.web import mailer

    now = clock.now()
    session = _db().sessionmaker()
    try:
        events = send_event_reminders(session, now)
        silent = _send_silence_reminders(session, now)
        if dry_run:
            session.rollback()
            click.echo(f"Would remind {events} event registrations and {silent} silent "
                       "households.")
            return
        session.commit()
        sent, failed = mailer.deliver(session)
    finally:
        session.close()
    click.echo(f"Reminded {events} event registrations and {silent} silent households "
               f"({sent} mails sent, {failed} failed).")


def _send_silence_reminders(session, now: dt.datetime) -> int:
    """Queue the weekly reminders of silent households; returns how many households."""
    from tracker.services import reminders
    from tracker.web import mailer

    silent = reminders.silent_households(session, now)
    for item in silent:
        household = item.household
        for account in household.accounts:
            mailer.send(session, "silence_reminder", account.email, locale=account.locale,
                        household_id=household.id, household=household, days=item.days,
                        last=item.last_weighin, url=mailer.absolute_url("family.weigh"))
        reminders.mark_reminded(session, household, now)
    return len(silent)


def register(app: Flask) -> None:
    """Attach the challenge-life command groups to the app's CLI."""
    for group in (mail_group, reminders_group):
        app.cli.add_command(group)


__all__ = ["register", "send_event_reminders"]
