"""Enrolment: a household asks to join an open edition, staff approve or decline, members join.

Approval creates the household and a family account without a password, and returns an
invitation token to send by email. A request from an address that already has an account, or a
second request from the same address, adds nothing (the page answers the same way, so the form
does not tell who takes part). Declined requests are deleted: nothing personal is kept for them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import clock, services
from tracker.domain import DomainError, EnrolmentStatus, NotFound, _l
from tracker.models import Account, Edition, Household
from tracker.models import Enrolment, LoginToken
from tracker.services import audit, links
from tracker.services.accounts import _normalize_email
from tracker.services.households import MAX_PERSONS
from tracker.services.preferences import edition_phase, edition_settings


@dataclass
class Submitted:
    """What a sign-up did: a new request, a repeated one, or an address already enrolled."""

    enrolment: Enrolment | None
    outcome: str  # "new" | "duplicate" | "has_account"
    account: Account | None = None


def open_editions(session: Session, now: dt.datetime | None = None) -> list[Edition]:
    """Editions taking sign-ups: enrolment switched on by staff and not over."""
    from tracker.models import EditionSettings

    editions = session.scalars(select(Edition).join(EditionSettings,
                                                    EditionSettings.edition_id == Edition.id)
                               .where(EditionSettings.enrolment_open.is_(True))
                               .order_by(Edition.start_date)).all()
    return [e for e in editions if edition_phase(e, now) != "past"]


def submit_enrolment(session: Session, edition: Edition, *, household_name: str, persons: int,
                     commune: str, email: str, consent: bool,
                     now: dt.datetime | None = None) -> Submitted:
    """Record a sign-up request for an open edition (consent to the data use is required)."""
    now = now or clock.now()
    if not edition_settings(session, edition).enrolment_open or \
            edition_phase(edition, now) == "past":
        raise DomainError(_l("Sign-ups for this edition are closed."), "edition")
    household_name = (household_name or "").strip()
    if not household_name or len(household_name) > 200:
        raise DomainError(_l("Give a name for your household (200 characters at most)."),
                          "household_name")
    if not isinstance(persons, int) or not 1 <= persons <= MAX_PERSONS:
        raise DomainError(_l("A household has 1 to %(n)s persons.", n=MAX_PERSONS), "persons")
    email = _normalize_email(email)
    if not consent:
        raise DomainError(_l("Please accept the use of your data to take part."), "consent")
    existing = links.account_by_email(session, email)
    if existing is not None:
        return Submitted(None, "has_account", existing)
    pending = session.scalar(select(Enrolment).where(
        Enrolment.edition_id == edition.id, func.lower(Enrolment.email) == email,
        Enrolment.status == EnrolmentStatus.PENDING))
    if pending is not None:
        return Submitted(pending, "duplicate")
    enrolment = Enrolment(edition_id=edition.id, household_name=household_name, persons=persons,
                          commune=(commune or "").strip()[:200], email=email, consent_at=now,
                          status=EnrolmentStatus.PENDING, created_at=now)
    session.add(enrolment)
    session.flush()
    return Submitted(enrolment, "new")


def pending_enrolments(session: Session, edition: Edition | None = None) -> list[Enrolment]:
    """Requests waiting for staff, oldest first."""
    query = select(Enrolment).where(Enrolment.status == EnrolmentStatus.PENDING).order_by(
        Enrolment.created_at, Enrolment.id)
    if edition is not None:
        query = query.where(Enrolment.edition_id == edition.id)
    return list(session.scalars(query))


def get_enrolment(session: Session, enrolment_id: int) -> Enrolment:
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound()
    return enrolment


def approve_enrolment(session: Session, enrolment: Enrolment, actor: Account, *,
                      household_name: str | None = None,
                      now: dt.datetime | None = None) -> tuple[Household, Account, str]:
    """Create the household and its first account; returns them and an invitation token."""
    now = now or clock.now()
    if enrolment.status != EnrolmentStatus.PENDING:
        raise DomainError(_l("This request has already been handled."), "enrolment")
    edition = enrolment.edition
    if session.scalar(select(Account.id).where(func.lower(Account.email) == enrolment.email)):
        raise DomainError(_l("An account with this email already exists."), "email")
    household = services.create_household(
        session, edition, name=household_name or enrolment.household_name,
        persons=enrolment.persons, commune=enrolment.commune, emails=enrolment.email)
    account = services.create_account(session, email=enrolment.email, password=None,
                                      household=household)
    enrolment.status, enrolment.decided_at = EnrolmentStatus.APPROVED, now
    enrolment.household_id = household.id
    token = links.issue_link(session, account, links.INVITE, now)
    audit.record(session, actor, "enrolment.approve", edition_id=edition.id,
                 household_id=household.id, enrolment=enrolment.id)
    return household, account, token


def decline_enrolment(session: Session, enrolment: Enrolment, actor: Account) -> None:
    """Refuse a request: it is deleted with its personal data; the log keeps only its number."""
    if enrolment.status != EnrolmentStatus.PENDING:
        raise DomainError(_l("This request has already been handled."), "enrolment")
    audit.record(session, actor, "enrolment.decline", edition_id=enrolment.edition_id,
                 enrolment=enrolment.id)
    session.delete(enrolment)
    session.flush()


class EmailTaken(DomainError):
    """The address already has an account (staff may be told; a family's form must not)."""


def invitation_address(email: str) -> str:
    """The address to invite, normalised; a DomainError when it is not an address at all."""
    return _normalize_email(email)


def invite_member(session: Session, household: Household, email: str,
                  actor: Account | None = None,
                  now: dt.datetime | None = None) -> tuple[Account, str]:
    """Add another member's account to a household; returns it and an invitation token."""
    email = _normalize_email(email)
    if session.scalar(select(Account.id).where(func.lower(Account.email) == email)):
        raise EmailTaken(_l("An account with this email already exists."), "email")
    account = services.create_account(session, email=email, password=None, household=household)
    known = [e.strip() for e in (household.emails or "").split(",") if e.strip()]
    if email not in known:
        household.emails = ", ".join([*known, email])
    token = links.issue_link(session, account, links.INVITE, now)
    if actor is not None and actor.is_staff:
        audit.record(session, actor, "household.invite_member",
                     edition_id=household.edition_id, household_id=household.id)
    return account, token


def members(session: Session, household: Household) -> list[Account]:
    """The household's accounts, oldest first."""
    return list(session.scalars(select(Account).where(Account.household_id == household.id)
                                .order_by(Account.id)))


def joined_members(session: Session, household: Household) -> list[Account]:
    """The accounts that have joined the household (a password, or a link used), oldest first.

    What the family sees: an invitation still unanswered is not listed, so that the list does
    not tell an invitation to a new address from one to an address that already has an account
    (which is never added)."""
    used_link = select(LoginToken.id).where(LoginToken.account_id == Account.id,
                                            LoginToken.used_at.is_not(None)).exists()
    return list(session.scalars(select(Account).where(
        Account.household_id == household.id,
        Account.password_hash.is_not(None) | used_link).order_by(Account.id)))
