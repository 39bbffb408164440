"""Accounts: create, sign in by password, change it, API tokens (only their hashes are kept).

A password change (or reset) signs every other browser out and revokes every API token: whoever
had the old password, a copied cookie or a token, loses access (tracker.services.sessions).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import lru_cache

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import clock
from tracker.domain import ROLES, DomainError, Role, _l
from tracker.models import Account, ApiToken, Household
from tracker.services.sessions import revoke_sessions

MIN_PASSWORD = 8
#: Open API tokens per account; issuing one more revokes the least recently used.
MAX_API_TOKENS = 10
#: A token's "last used" is written at most this often (not one write per API call).
LAST_USED_PRECISION = dt.timedelta(minutes=5)
#: An account with its household and edition, loaded in the same query.
_WITH_HOUSEHOLD = joinedload(Account.household).joinedload(Household.edition)
# Checked against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def _normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254 or " " in email:
        raise DomainError(_l("This email address is not valid."), "email")
    return email


def create_account(session: Session, *, email: str, password: str | None, role: str = Role.FAMILY,
                   household: Household | None = None, display_name: str = "") -> Account:
    """Create an account; a family account belongs to a household, staff accounts to none."""
    email = _normalize_email(email)
    if role not in ROLES:
        raise DomainError(f"unknown role {role!r}", "role")
    if role == Role.FAMILY and household is None:
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
    """Change an account's password: every other browser is signed out and every API token
    revoked (the browser of `account.session_key`, if any, stays signed in)."""
    _set_password(account, password)
    revoke_sessions(session, account, keep_current=True)
    revoke_api_tokens(session, account)
    session.flush()


def change_password(session: Session, account: Account, *, current: str, new: str,
                    reset: bool = False) -> None:
    """Change the password after checking the current one; `reset` (a sign-in by email link
    just proved the mailbox) and an account without a password skip that check."""
    if account.password_hash and not reset:
        if not current:
            raise DomainError(_l("Enter your current password."), "current_password")
        if not check_password_hash(account.password_hash, current):
            raise DomainError(_l("The current password is not right."), "current_password")
    set_password(session, account, new)


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


def issue_api_token(session: Session, account: Account, name: str = "") -> str:
    """A new named API token for the account, returned once (only its hash is kept); beyond
    MAX_API_TOKENS the least recently used one is revoked."""
    token = "zw_" + secrets.token_urlsafe(32)
    session.add(ApiToken(account_id=account.id, name=(name or "").strip()[:100] or "API",
                         token_hash=_token_hash(token), created_at=clock.now()))
    session.flush()
    tokens = api_tokens(session, account)
    for extra in sorted(tokens, key=lambda t: (t.last_used_at or t.created_at, t.id))[
            :max(0, len(tokens) - MAX_API_TOKENS)]:
        session.delete(extra)
    session.flush()
    return token


#: set in the session's `info` when `account_for_token` noted a token's use (to commit)
TOKEN_USED = "zw_token_used"


@lru_cache(maxsize=1)
def _token_query():
    """The token's account, household and edition, and the token's id and last use: one
    query, as every API call needs them (built once: building it cost more than running it
    from SQLAlchemy's cache). The token is read as two columns, not an object: loading it was
    a fifth of an API call's look-up."""
    return (select(Account, ApiToken.id, ApiToken.last_used_at)
            .join(ApiToken, ApiToken.account_id == Account.id)
            .where(ApiToken.token_hash == bindparam("token_hash")).options(_WITH_HOUSEHOLD))


def account_for_token(session: Session, token: str) -> Account | None:
    """The active account holding this API token, or None; notes when the token was used."""
    if not token or len(token) > 200:
        return None
    found = session.execute(_token_query(), {"token_hash": _token_hash(token)}).first()
    if found is None or not found.Account.active:
        return None
    account, token_id, last_used = found
    now = clock.now()
    if last_used is None or last_used < now - LAST_USED_PRECISION:  # saved if the caller commits
        session.execute(update(ApiToken).where(ApiToken.id == token_id)
                        .values(last_used_at=now).execution_options(synchronize_session=False))
        session.info[TOKEN_USED] = True
    return account


def api_tokens(session: Session, account: Account) -> list[ApiToken]:
    """The account's API tokens, newest first (names and dates: the secrets are not kept)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.account_id == account.id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_api_token(session: Session, account: Account, token_id: int) -> bool:
    """Revoke one of the account's tokens; False when it has no such token."""
    done = session.execute(delete(ApiToken).where(ApiToken.id == token_id,
                                                  ApiToken.account_id == account.id))
    return bool(done.rowcount)


def revoke_api_tokens(session: Session, account: Account) -> None:
    """Revoke every API token of the account."""
    session.execute(delete(ApiToken).where(ApiToken.account_id == account.id))
