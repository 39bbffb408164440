"""Accounts: create, sign in by password, API tokens (only their hashes are kept)."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.domain import DomainError, _l
from tracker.models import Account, Household

ROLES = ("family", "staff", "admin")
MIN_PASSWORD = 8
#: An account with its household and edition, loaded in the same query.
_WITH_HOUSEHOLD = joinedload(Account.household).joinedload(Household.edition)
# Checked against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def _normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254 or " " in email:
        raise DomainError(_l("This email address is not valid."), "email")
    return email


def create_account(session: Session, *, email: str, password: str | None, role: str = "family",
                   household: Household | None = None, display_name: str = "") -> Account:
    """Create an account; a family account belongs to a household, staff accounts to none."""
    email = _normalize_email(email)
    if role not in ROLES:
        raise DomainError(f"unknown role {role!r}", "role")
    if role == "family" and household is None:
        raise DomainError(_l("A family account needs a household."), "household")
    if session.scalar(select(Account.id).where(func.lower(Account.email) == email)):
        raise DomainError(_l("An account with this email already exists."), "email")
    if password is not None:
        _check_password(password)  # before the account is attached to the household
    account = Account(email=email, role=role, household=household, display_name=display_name)
    if password is not None:
        _set_password(account, password)
    session.add(account)
    session.flush()
    return account


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise DomainError(_l("The password needs at least %(n)s characters.", n=MIN_PASSWORD),
                          "password")


def _set_password(account: Account, password: str) -> None:
    _check_password(password)
    account.password_hash = generate_password_hash(password)


def set_password(session: Session, account: Account, password: str) -> None:
    """Change an account's password."""
    _set_password(account, password)
    session.flush()


def authenticate(session: Session, email: str, password: str) -> Account | None:
    """The active account with this email and password, or None (same time either way)."""
    account = session.scalar(select(Account).where(
        func.lower(Account.email) == (email or "").strip().lower()))
    hashed = account.password_hash if account and account.password_hash else _DUMMY_HASH
    ok = check_password_hash(hashed, password or "")
    if account is None or not account.active or not account.password_hash or not ok:
        return None
    return account


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(session: Session, account: Account) -> str:
    """A new API token for the account, returned once; the previous one stops working."""
    token = "zw_" + secrets.token_urlsafe(32)
    account.api_token_hash = _token_hash(token)
    session.flush()
    return token


def account_for_token(session: Session, token: str) -> Account | None:
    """The active account holding this API token, or None."""
    if not token:
        return None
    account = session.scalar(select(Account).where(Account.api_token_hash == _token_hash(token))
                             .options(_WITH_HOUSEHOLD))  # one query: every API call needs them
    return account if account is not None and account.active else None
