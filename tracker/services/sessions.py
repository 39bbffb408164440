"""Browser sessions that can be revoked: one per account (generation), one per browser (sign-in).

Flask-Login signs `Account.get_id()` into the session cookie and the remember-me cookie:
`<account id>:<session generation>:<sign-in key>`. A cookie signs in only while

- the account's generation is the same: rotating it (sign-out everywhere, a password change or
  reset) signs every browser out at its next request, whatever copies of cookies exist; and
- its browser's sign-in row exists: a plain sign-out deletes that row alone, so a copy of the old
  remember-me cookie no longer signs in while the household's other phone stays signed in.

Only the SHA-256 of a sign-in key is stored. An erased or deleted account takes its rows with
it, and a new account that reuses its id has another generation.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from tracker import clock
from tracker.models import Account, Household, SignIn, new_generation

#: A sign-in older than this is forgotten (the remember-me cookie's own lifetime, 365 days).
SIGN_IN_LIFETIME = dt.timedelta(days=365)
#: Sign-ins kept per account: a browser that never signs out (no "remember me", closed) leaves
#: its row behind; beyond this many, the oldest are signed out.
MAX_SIGN_INS = 20


_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
            ("Windows", "Windows"), ("Mac OS X", "Mac"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser", "Samsung Internet"),
             ("Firefox/", "Firefox"), ("FxiOS", "Firefox"), ("CriOS", "Chrome"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"))


def device_label(user_agent: str) -> str:
    """A short name for a browser from its User-Agent ("Firefox, Android"), for the list of
    signed-in devices; empty when nothing is recognised."""
    user_agent = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    return ", ".join(part for part in (browser, system) if part)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open_sign_in(session: Session, account: Account, label: str = "") -> str:
    """Record a browser's sign-in; returns its key (kept in the account's get_id) once."""
    newest = (select(SignIn.id).where(SignIn.account_id == account.id)
              .order_by(SignIn.created_at.desc(), SignIn.id.desc())
              .limit(MAX_SIGN_INS - 1).scalar_subquery())
    session.execute(delete(SignIn).where(
        SignIn.account_id == account.id,
        (SignIn.created_at < clock.now() - SIGN_IN_LIFETIME) | SignIn.id.not_in(newest))
        .execution_options(synchronize_session=False))
    key = secrets.token_urlsafe(16)
    session.add(SignIn(account_id=account.id, key_hash=_key_hash(key), label=label[:200],
                       created_at=clock.now()))
    session.flush()
    account.session_key = key
    return key


def account_for_session(session: Session, user_id: str) -> Account | None:
    """The active account whose generation and open sign-in match a cookie's id, or None."""
    try:
        account_id, generation, key = (user_id or "").split(":")
        account_id = int(account_id)
    except ValueError:  # an id of the old form ("5") or a forged one
        return None
    if not generation or not key:
        return None
    account = session.scalar(
        select(Account).join(SignIn, SignIn.account_id == Account.id)
        .where(Account.id == account_id, Account.session_generation == generation,
               SignIn.key_hash == _key_hash(key))
        .options(joinedload(Account.household).joinedload(Household.edition)))
    if account is None or not account.active:
        return None
    account.session_key = key
    return account


def end_sign_in(session: Session, account: Account) -> None:
    """Sign this browser out: its sign-in row goes, other browsers stay signed in."""
    if account.session_key:
        session.execute(delete(SignIn).where(SignIn.account_id == account.id,
                                             SignIn.key_hash == _key_hash(account.session_key)))
    account.session_key = None


def revoke_sessions(session: Session, account: Account, *, keep_current: bool = False) -> None:
    """Sign every browser of the account out (new generation, sign-ins deleted); with
    keep_current, the browser of `account.session_key` keeps its sign-in (it must then be
    given cookies with the new generation: tracker.web.common.auth.renew_session)."""
    account.session_generation = new_generation()
    query = delete(SignIn).where(SignIn.account_id == account.id)
    if keep_current and account.session_key:
        query = query.where(SignIn.key_hash != _key_hash(account.session_key))
    else:
        account.session_key = None
    session.execute(query)
    session.flush()


def sign_ins(session: Session, account: Account) -> list[SignIn]:
    """The account's signed-in browsers, newest first."""
    return list(session.scalars(select(SignIn).where(SignIn.account_id == account.id)
                                .order_by(SignIn.created_at.desc(), SignIn.id.desc())))


def is_current(sign_in: SignIn, account: Account) -> bool:
    """True for the sign-in of the browser that asks."""
    return bool(account.session_key) and sign_in.key_hash == _key_hash(account.session_key)
