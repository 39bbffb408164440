"""Invitations into a household, by one of its members or by staff: who gets which mail.

A member's invitation must not tell whether the address has an account (the page answers the
same, and as quickly, whatever the address), so:
- a new address gets an account in the household and an invitation (a one-time sign-in link);
- an address whose account is elsewhere (another household, staff) keeps it, and its owner gets
  a notice that someone tried to invite them, without a link;
- an address already in the household gets nothing (the members list shows it).
Staff may be told that an address is taken: their invitation raises `EmailTaken`, and is
audited (`enrolment.invite_member`).

Nothing here sends or renders a mail: the web layer queues the `Invitation` returned.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tracker.models import Account, Household
from tracker.services import enrolment, links

#: Mail templates (templates/mail/<locale>/<name>.txt).
INVITATION = "invitation"
REFUSED = "invitation_refused"


@dataclass(frozen=True)
class Invitation:
    """A mail to queue: `INVITATION` (with its link's token) or `REFUSED` (no token)."""

    template: str
    account: Account
    household: Household
    token: str | None = None
    inviter: str | None = None  # how the inviting member is named (None: staff invited)


def by_member(session: Session, household: Household, inviter: Account,
              email: str) -> Invitation | None:
    """A member invites `email` (already checked by `enrolment.invitation_address`)."""
    name = inviter.display_name or inviter.email
    try:
        account, token = enrolment.invite_member(session, household, email, inviter)
    except enrolment.EmailTaken:  # raised before anything is written
        account = links.account_by_email(session, email)
        if account is None or account.household_id == household.id:
            return None
        return Invitation(REFUSED, account, household, inviter=name)
    return Invitation(INVITATION, account, household, token, name)


def by_staff(session: Session, household: Household, actor: Account,
             email: str) -> Invitation:
    """Staff invite `email` into the household; a DomainError says why not (taken, invalid)."""
    account, token = enrolment.invite_member(session, household, email, actor)
    return Invitation(INVITATION, account, household, token)
