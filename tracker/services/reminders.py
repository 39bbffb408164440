"""Weekly reminders to households gone silent: no weigh-in for 14 days (local dates); and a
reminder for a week of the month (DESIGN.md "Coverage and absences") still without a counted
weigh-in two days before it ends.

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
from tracker.models import HouseholdSettings
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


#: The week reminder goes on the week block's last-but-one date: two days left to weigh.
WEEK_REMINDER_DAYS_LEFT = 2
WEEK_REMINDER = "week_reminder"


@dataclass(frozen=True)
class OpenWeek:
    household: Household
    week_start: dt.date
    week_end: dt.date  # exclusive


def uncovered_weeks(session: Session, now: dt.datetime | None = None) -> list[OpenWeek]:
    """Households whose current week block is not covered (no counted weigh-in, not half
    away) on its last-but-one date. Same opt-out as the silence reminder; at most one per
    week, none when a silence reminder already went out during this week."""
    from tracker.models import OutgoingMail
    from tracker.progress import edition_params, load_frames
    from dashboards.method import week_coverage

    now = now or clock.now()
    due = []
    for edition in session.scalars(select(Edition)):
        if edition_phase(edition, now) != "running":
            continue
        zone = ZoneInfo(edition.timezone)
        today = now.astimezone(zone).date()
        frames = load_frames(session.connection(), edition.id)
        weeks = week_coverage(frames.weighins, frames.sizes, frames.households,
                              edition_params(edition), today, absences=frames.absences)
        ending = weeks[(weeks["week_end"] == today + dt.timedelta(WEEK_REMINDER_DAYS_LEFT))
                       & ~weeks["covered"]]
        for hid, start, end in zip(ending["household_id"], ending["week_start"],
                                   ending["week_end"]):
            household = session.get(Household, int(hid))
            prefs = session.get(HouseholdSettings, household.id)
            if prefs is not None and (not prefs.reminders_enabled or prefs.erasure_requested_at):
                continue
            since = dt.datetime.combine(start, dt.time(), zone)
            if prefs is not None and prefs.last_reminder_at and prefs.last_reminder_at >= since:
                continue  # the silence reminder of this week said it already
            sent = session.scalar(select(OutgoingMail.id).where(
                OutgoingMail.household_id == household.id, OutgoingMail.kind == WEEK_REMINDER,
                OutgoingMail.created_at >= since).limit(1))
            if sent is None:
                due.append(OpenWeek(household, start, end))
    return due
