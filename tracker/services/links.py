"""One-time links by email: sign-in links and invitations (passwords stay optional).

A link carries a random token; only its SHA-256 is stored, with an expiry and the moment it was
used. Redeeming marks it used (single use) and retires the account's other open links of the
same kind, so an old email cannot be replayed after a newer one was used.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tracker import clock
from tracker.domain import DomainError, LinkPurpose, _l
from tracker.models import Account
from tracker.models import LoginToken

SIGNIN, INVITE = LinkPurpose.SIGNIN, LinkPurpose.INVITE
RESET = LinkPurpose.RESET  # a password reset (tracker.web.password_reset): sets a new password once
LIFETIME = {SIGNIN: dt.timedelta(minutes=30), INVITE: dt.timedelta(days=7),
            RESET: dt.timedelta(minutes=30)}
#: How long an invitation's link works, in hours (what the invitation mails say).
INVITE_HOURS = int(LIFETIME[INVITE].total_seconds() // 3600)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(session: Session, account: Account, purpose: str,
               now: dt.datetime | None = None) -> str:
    """A new token for the account, returned once (only its hash is kept)."""
    if purpose not in LIFETIME:
        raise ValueError(f"unknown link purpose {purpose!r}")
    now = now or clock.now()
    token = secrets.token_urlsafe(32)
    session.add(LoginToken(account_id=account.id, token_hash=token_hash(token), purpose=purpose,
                           created_at=now, expires_at=now + LIFETIME[purpose]))
    session.flush()
    return token


def find_link(session: Session, token: str) -> LoginToken | None:
    """The stored link of a token, used or not (None when unknown)."""
    if not token or len(token) > 200:
        return None
    return session.scalar(select(LoginToken).where(LoginToken.token_hash == token_hash(token)))


def check_link(link: LoginToken | None, now: dt.datetime | None = None) -> None:
    """Refuse an unknown, used or expired link, or one of a closed account."""
    now = now or clock.now()
    if link is None or not link.account.active:
        raise DomainError(_l("This link is not valid. Ask for a new one."), "token")
    if link.used_at is not None:
        raise DomainError(_l("This link has already been used. Ask for a new one."), "token")
    if link.expires_at <= now:
        raise DomainError(_l("This link has expired. Ask for a new one."), "token")


def redeem_link(session: Session, token: str, now: dt.datetime | None = None) -> Account:
    """Use a link once: returns its account; a second use, or a late one, is refused."""
    now = now or clock.now()
    link = find_link(session, token)
    check_link(link, now)
    # A conditional update: of two simultaneous clicks, only one finds used_at empty.
    done = session.execute(update(LoginToken).where(LoginToken.id == link.id,
                                                    LoginToken.used_at.is_(None))
                           .values(used_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise DomainError(_l("This link has already been used. Ask for a new one."), "token")
    session.execute(update(LoginToken).where(LoginToken.account_id == link.account_id,
                                             LoginToken.purpose == link.purpose,
                                             LoginToken.used_at.is_(None))
                    .values(used_at=now).execution_options(synchronize_session=False))
    session.expire(link)
    return link.account


def account_by_email(session: Session, email: str) -> Account | None:
    """The active account with this email (case-insensitive), or None."""
    email = (email or "").strip().lower()
    if not email:
        return None
    account = session.scalar(select(Account).where(func.lower(Account.email) == email))
    return account if account is not None and account.active else None


def purge_expired(session: Session, now: dt.datetime | None = None,
                  keep: dt.timedelta = dt.timedelta(days=30)) -> int:
    """Delete links expired for more than `keep`; returns how many."""
    from sqlalchemy import delete

    result = session.execute(delete(LoginToken).where(
        LoginToken.expires_at < (now or clock.now()) - keep))
    return result.rowcount or 0
