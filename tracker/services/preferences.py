"""Per-edition and per-household settings of the challenge's life, created on first use."""
from __future__ import annotations

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from tracker import clock
from tracker.domain import TalkMail, add_months
from tracker.models import Edition, Household
from tracker.models import Account, EditionSettings, HouseholdSettings
from tracker.services import audit


def edition_settings(session: Session, edition: Edition) -> EditionSettings:
    """The edition's settings row (a default one is added when missing)."""
    settings = session.get(EditionSettings, edition.id)
    if settings is None:
        settings = EditionSettings(edition_id=edition.id, enrolment_open=False,
                                   teams_enabled=False, description="")
        session.add(settings)
        session.flush()
    return settings


def household_settings(session: Session, household: Household) -> HouseholdSettings:
    """The household's settings row (a default one is added when missing)."""
    settings = session.get(HouseholdSettings, household.id)
    if settings is None:
        settings = HouseholdSettings(household_id=household.id, reminders_enabled=True,
                                     leaderboard_hidden=False)
        session.add(settings)
        session.flush()
    return settings


def set_reminders(session: Session, household: Household, enabled: bool,
                  actor: Account | None = None) -> None:
    """Switch the household's weekly reminder on or off; a change made by staff is audited."""
    settings = household_settings(session, household)
    if settings.reminders_enabled != enabled and actor is not None and actor.is_staff:
        audit.record(session, actor, "household.reminders", edition_id=household.edition_id,
                     household_id=household.id, enabled=enabled)
    settings.reminders_enabled = enabled
    session.flush()


def calendar_token(session: Session, household: Household, *, renew: bool = False) -> str:
    """The secret token of the household's calendar URL (a new one replaces the old on renew)."""
    settings = household_settings(session, household)
    if settings.calendar_token is None or renew:
        settings.calendar_token = secrets.token_urlsafe(24)
        session.flush()
    return settings.calendar_token


def edition_end(edition: Edition) -> dt.date:
    """The first local date after the edition."""
    return add_months(edition.start_date, edition.months)


def edition_today(edition: Edition, now: dt.datetime | None = None) -> dt.date:
    """Today's date in the edition's time zone."""
    return (now or clock.now()).astimezone(ZoneInfo(edition.timezone)).date()


def edition_phase(edition: Edition, now: dt.datetime | None = None) -> str:
    """`upcoming`, `running` or `past`."""
    today = edition_today(edition, now)
    if today < edition.start_date:
        return "upcoming"
    return "past" if today >= edition_end(edition) else "running"


def talk_mail_choice(session: Session, household: Household) -> str:
    """How discussions reach the household by mail: `each`, `digest` or `never` (default each)."""
    from tracker.models import TalkPreference

    pref = session.get(TalkPreference, household.id)
    return pref.mail if pref is not None else TalkMail.EACH


def set_talk_mail_choice(session: Session, household: Household, choice: str) -> None:
    """Change the household's choice (an unknown one is refused)."""
    from tracker.domain import DomainError, _l
    from tracker.models.talk import MAIL_CHOICES, TalkPreference

    if choice not in MAIL_CHOICES:
        raise DomainError(_l("Choose each message, a digest or no mail."), "mail")
    pref = session.get(TalkPreference, household.id)
    if pref is None:
        pref = TalkPreference(household_id=household.id, digest_until=clock.now())
        session.add(pref)
    if choice == TalkMail.DIGEST and pref.mail != TalkMail.DIGEST:
        pref.digest_until = clock.now()  # a first digest tells only what comes next
    pref.mail = choice
    session.flush()
