"""Weekly reminders to households gone silent: no weigh-in for 14 days (local dates).

Only running editions; never a household whose reminders staff switched off, nor one that asked
for erasure; at most one reminder a week while the silence lasts. A household that has never
weighed is silent 14 days after the later of the edition's start and its own enrolment.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tracker import clock
from tracker.models import Edition, Household, WeighIn
from tracker.models_life import HouseholdSettings
from tracker.services.preferences import edition_phase, household_settings

SILENCE = dt.timedelta(days=14)
EVERY = dt.timedelta(days=7)


@dataclass(frozen=True)
class Silent:
    household: Household
    last_weighin: dt.datetime | None
    days: int


def silent_households(session: Session, now: dt.datetime | None = None) -> list[Silent]:
    """Households to remind now."""
    now = now or clock.now()
    editions = [e for e in session.scalars(select(Edition)) if edition_phase(e, now) == "running"]
    if not editions:
        return []
    last = dict(session.execute(select(WeighIn.household_id, func.max(WeighIn.measured_at))
                                .group_by(WeighIn.household_id)).all())
    settings = {s.household_id: s for s in session.scalars(select(HouseholdSettings))}
    due = []
    for edition in editions:
        zone = ZoneInfo(edition.timezone)
        today = now.astimezone(zone).date()

        def day(moment: dt.datetime) -> dt.date:
            return moment.astimezone(zone).date()

        households = session.scalars(select(Household).where(Household.edition_id == edition.id)
                                     .options(selectinload(Household.accounts))).all()
        for household in households:
            prefs = settings.get(household.id)
            if prefs is not None and (not prefs.reminders_enabled or prefs.erasure_requested_at):
                continue
            if prefs is not None and prefs.last_reminder_at and \
                    (today - day(prefs.last_reminder_at)) < EVERY:
                continue
            latest = last.get(household.id)
            if isinstance(latest, dt.datetime) and latest.tzinfo is None:  # SQLite aggregate
                latest = latest.replace(tzinfo=dt.timezone.utc)
            since = day(latest) if latest else max(edition.start_date,
                                                   day(household.created_at))
            if today - since >= SILENCE:
                due.append(Silent(household, latest, (today - since).days))
    return due


def mark_reminded(session: Session, household: Household, now: dt.datetime) -> None:
    household_settings(session, household).last_reminder_at = now
    session.flush()
