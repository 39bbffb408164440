"""Mails that pages of several audiences send alike."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from tracker.extensions import db
from tracker.web.common import mailer


def notify_promoted(promoted) -> None:
    """Tell the households moved from an event's waiting list that they have a place (a family
    cancelled, staff enlarged or changed the event, or a household was erased)."""
    for registration in promoted:
        household, event = registration.household, registration.event
        for account in household.accounts:
            mailer.send(db(), "event_promoted", account.email, locale=account.locale,
                        household_id=household.id, event=event, household=household,
                        zone=ZoneInfo(household.edition.timezone),
                        url=mailer.absolute_url("family_events.index"))
