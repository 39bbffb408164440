"""Mail staff send from the web: a reminder to one silent household, a message to a group.

Nothing here talks to an SMTP server: the web layer composes the text and queues it
(`tracker.services.mail.queue_mail` through `tracker.web.mailer.send`), in the request's
transaction; delivery is the outbox's job, after the commit.

Limits, so a double click or an eager afternoon does not flood a family:
- a staff reminder goes to a household at most once every `REMIND_EVERY` (3 days), counting
  the weekly automatic reminder too (both set `last_reminder_at`); never to a household whose
  reminders are off or that asked for erasure;
- a group message goes once to each address, whatever the number of households sharing it;
  households that asked for erasure get nothing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker import clock
from tracker.domain import DomainError, _l
from tracker.models import Account, Edition, Household
from tracker.models import HouseholdSettings, Team
from tracker.services.preferences import household_settings

#: At most one reminder (staff or weekly) to a household in this time.
REMIND_EVERY = dt.timedelta(days=3)
#: Kind of the queued reminder mails (the outbox page and the limit read it).
STAFF_REMINDER = "staff_reminder"
BROADCAST = "staff_message"
SUBJECT_MAX = 200
BODY_MAX = 5000


def check_can_remind(session: Session, household: Household,
                     now: dt.datetime | None = None) -> None:
    """DomainError (French reason) when the household must not get a reminder now."""
    now = now or clock.now()
    prefs = session.get(HouseholdSettings, household.id)
    if prefs is not None and prefs.erasure_requested_at:
        raise DomainError(_l("This household asked for its data to be erased: no reminder."))
    if prefs is not None and not prefs.reminders_enabled:
        raise DomainError(_l("Reminders are switched off for this household."))
    if not household.accounts:
        raise DomainError(_l("%(name)s cannot be reminded: the household has no account yet. "
                             "Invite it from the Households page first.", name=household.name))
    last = prefs.last_reminder_at if prefs is not None else None
    if last is not None and now - last < REMIND_EVERY:
        raise DomainError(_l("This household was reminded less than %(days)s days ago "
                             "(on %(date)s): one reminder is enough for now.",
                             days=REMIND_EVERY.days,
                             date=last.astimezone(dt.timezone.utc).strftime("%d/%m/%Y")))


def mark_reminded(session: Session, household: Household, now: dt.datetime | None = None) -> None:
    """The reminder is queued: the weekly one and the next staff one wait from now."""
    household_settings(session, household).last_reminder_at = now or clock.now()
    session.flush()


#: Groups a message can go to: everyone, the households of a team or of a commune, the silent.
GROUP_KINDS = ("all", "team", "commune", "silent")


@dataclass(frozen=True)
class Group:
    kind: str
    value: str = ""  # the team's id or the commune's name


def parse_group(raw: str) -> Group:
    """`all`, `silent`, `team:<id>` or `commune:<name>` (the form's choice) as a Group."""
    kind, _sep, value = (raw or "").partition(":")
    if kind not in GROUP_KINDS or (kind in ("team", "commune")) != bool(value):
        raise DomainError(_l("Choose who gets the message."), "group")
    return Group(kind, value)


def group_choices(session: Session, edition: Edition) -> tuple[list[Team], list[str]]:
    """The edition's teams and communes, for the form."""
    teams = list(session.scalars(select(Team).where(Team.edition_id == edition.id)
                                 .order_by(Team.name)))
    communes = sorted({c for c in session.scalars(
        select(Household.commune).where(Household.edition_id == edition.id)) if c},
        key=str.casefold)
    return teams, communes


def _group_households(session: Session, edition: Edition, group: Group,
                      silent_ids=()) -> list[Household]:
    """The group's households by name, with their accounts; those that asked for erasure
    left out."""
    query = (select(Household).where(Household.edition_id == edition.id)
             .options(selectinload(Household.accounts)).order_by(Household.name))
    if group.kind == "commune":
        query = query.where(Household.commune == group.value)
    elif group.kind == "silent":
        query = query.where(Household.id.in_(list(silent_ids) or [-1]))
    elif group.kind == "team":
        try:
            team_id = int(group.value)
        except ValueError:
            raise DomainError(_l("Choose who gets the message."), "group") from None
        query = query.join(HouseholdSettings, HouseholdSettings.household_id == Household.id) \
            .where(HouseholdSettings.team_id == team_id)
    erasing = set(session.scalars(select(HouseholdSettings.household_id).where(
        HouseholdSettings.erasure_requested_at.is_not(None))))
    return [h for h in session.scalars(query) if h.id not in erasing]


def recipients(session: Session, edition: Edition, group: Group, silent_ids=()
               ) -> list[tuple[Account, Household]]:
    """(account, household) for each address of the group, once per address; households
    that asked for erasure left out. `silent_ids`: the silent households (the page knows)."""
    seen: set[str] = set()
    found = []
    for household in _group_households(session, edition, group, silent_ids):
        for account in household.accounts:
            if account.email.casefold() not in seen:
                seen.add(account.email.casefold())
                found.append((account, household))
    return found


def unreachable(session: Session, edition: Edition, group: Group, silent_ids=()
                ) -> list[Household]:
    """The group's households that no mail can reach: no account yet (imported with an
    address, or without one), to be invited first (tracker.services.imported_invitations)."""
    return [h for h in _group_households(session, edition, group, silent_ids)
            if not h.accounts]


def _without_account(edition: Edition):
    has_account = select(Account.id).where(Account.household_id == Household.id).exists()
    return select(Household.id).where(Household.edition_id == edition.id, ~has_account)


def without_account_ids(session: Session, edition: Edition) -> set[int]:
    """The edition's households that have no account at all: no reminder reaches them."""
    return set(session.scalars(_without_account(edition)))


def without_account_array(session: Session, edition: Edition) -> np.ndarray:
    """`without_account_ids` as an int64 array, read in bulk (the cohort page: an edition of
    10,000 households imported without accounts gave 10,000 ORM rows a request)."""
    from tracker.progress import read_columns

    return read_columns(session.connection(), _without_account(edition),
                        {"id": "int64"})["id"]


def check_message(subject: str, body: str) -> tuple[str, str]:
    """The message's subject and text, trimmed; DomainError when one is empty or too long."""
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or len(subject) > SUBJECT_MAX or "\n" in subject or "\r" in subject:
        raise DomainError(_l("Write a subject of one line (%(max)s characters at most).",
                             max=SUBJECT_MAX), "subject")
    if not body or len(body) > BODY_MAX:
        raise DomainError(_l("Write the message (%(max)s characters at most).", max=BODY_MAX),
                          "body")
    return subject, body
