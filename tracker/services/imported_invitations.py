"""Invite the households that have an address but no account yet (imported from a CSV file).

A household imported by staff (`zw households import`, the staff upload) has contact addresses
and no account: staff cannot remind it or write to it. Inviting it does what the other
invitations do (`enrolment.invite_member`, an enrolment's approval): an account without a
password attached to the household for each of its addresses, and a one-time invitation link
(`links.INVITE`, valid 7 days); following the link signs the member in and offers a password.

Who is invited: every household of the edition with at least one address, no member who has
joined yet (a password, or a link used), no erasure asked, and no invitation link issued to any
of its accounts in the last `INVITE_AGAIN_AFTER` — the lifetime of the link, so that a household
gets a new invitation only once its last one has expired unused. The invitation links are the
record: no new table. An address that already has an account elsewhere (another household, or
staff) is left out, and counted: an account belongs to one household; a household whose every
address is such is listed apart (`Outlook.blocked`), for staff to correct its address.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tracker import clock
from tracker.domain import DomainError
from tracker.models import Account, Edition, Household, HouseholdSettings, LoginToken
from tracker.services import links
from tracker.services.enrolment import invite_member

#: A household is invited again only when its last invitation has expired unused.
INVITE_AGAIN_AFTER = links.LIFETIME[links.INVITE]


@dataclass
class Invitation:
    """One mail to send: the account (new or waiting), its household and its link's token."""

    household: Household
    account: Account
    token: str


@dataclass
class Outlook:
    """The edition's households without an account, as the staff page counts them."""

    due: list[Household] = field(default_factory=list)  # would be invited now
    waiting: list[Household] = field(default_factory=list)  # invited < INVITE_AGAIN_AFTER ago
    without: list[Household] = field(default_factory=list)  # every one no member has joined
    #: Households whose every address already has an account in another household: an
    #: invitation cannot reach them until staff correct the address.
    blocked: list[Household] = field(default_factory=list)


@dataclass
class Report:
    """What an invitation round did."""

    invitations: list[Invitation] = field(default_factory=list)
    waiting: int = 0  # households invited less than INVITE_AGAIN_AFTER ago: nothing sent
    taken: int = 0  # addresses left out: they already have an account elsewhere

    @property
    def households(self) -> int:
        return len({i.household.id for i in self.invitations})


def addresses(household: Household) -> list[str]:
    """The household's contact addresses (`,` or `;` between them), then those of its
    accounts not among them, lower-cased, once each, in order."""
    seen: list[str] = []
    for email in [*re.split(r"[,;]", household.emails or ""),
                  *(a.email for a in household.accounts)]:
        email = email.strip().lower()
        if email and email not in seen:
            seen.append(email)
    return seen


def joined_account_ids(session: Session, edition: Edition) -> set[int]:
    """Accounts of the edition's households that have joined: a password, or a link used."""
    used_link = select(LoginToken.id).where(LoginToken.account_id == Account.id,
                                            LoginToken.used_at.is_not(None)).exists()
    return set(session.scalars(select(Account.id).join(Household).where(
        Household.edition_id == edition.id, Account.password_hash.is_not(None) | used_link)))


def households_without_account(session: Session, edition: Edition) -> list[Household]:
    """The edition's households that no member has joined (no account, or only invitations
    unanswered), by name: what the reminder and the group mail cannot reach by a family's
    own account."""
    joined = joined_account_ids(session, edition)
    return [h for h in session.scalars(
        select(Household).where(Household.edition_id == edition.id)
        .options(selectinload(Household.accounts)).order_by(Household.name))
        if not any(a.id in joined for a in h.accounts)]


def outlook(session: Session, edition: Edition, now: dt.datetime | None = None) -> Outlook:
    """Which households an invitation round would invite now, and which wait for an answer."""
    now = now or clock.now()
    erasing = set(session.scalars(select(HouseholdSettings.household_id).where(
        HouseholdSettings.erasure_requested_at.is_not(None))))
    recent = set(session.scalars(
        select(Account.household_id).join(LoginToken, LoginToken.account_id == Account.id)
        .join(Household, Household.id == Account.household_id)
        .where(Household.edition_id == edition.id, LoginToken.purpose == links.INVITE,
               LoginToken.created_at > now - INVITE_AGAIN_AFTER)))
    found = Outlook(without=households_without_account(session, edition))
    candidates = [h for h in found.without if h.id not in erasing and addresses(h)]
    wanted = {e for h in candidates for e in addresses(h)}
    owner = dict(session.execute(select(func.lower(Account.email), Account.household_id)
                                 .where(func.lower(Account.email).in_(wanted or [""]))).all())
    for household in candidates:
        if all(e in owner and owner[e] != household.id for e in addresses(household)):
            found.blocked.append(household)
        elif household.id in recent:
            found.waiting.append(household)
        else:
            found.due.append(household)
    return found


def invite_households(session: Session, edition: Edition, now: dt.datetime | None = None,
                      progress=None) -> Report:
    """Create the accounts and links of every household due (`outlook`); the caller queues one
    mail per invitation and commits. `progress(1)` is called after each household."""
    now = now or clock.now()
    plan = outlook(session, edition, now)
    report = Report(waiting=len(plan.waiting),
                    taken=sum(len(addresses(h)) for h in plan.blocked))
    for household in plan.due:
        waiting = {a.email.lower(): a for a in household.accounts}
        for email in addresses(household):
            account = waiting.get(email)
            if account is not None:  # invited before, never answered: a new link
                token = links.issue_link(session, account, links.INVITE, now)
            else:
                try:
                    account, token = invite_member(session, household, email, None, now)
                except DomainError:  # an account elsewhere (EmailTaken), checked before adding
                    report.taken += 1
                    continue
            report.invitations.append(Invitation(household, account, token))
        if progress:
            progress(1)
    return report
