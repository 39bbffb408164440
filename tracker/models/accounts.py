"""Accounts, their sign-ins (one per browser), API tokens and one-time sign-in links."""
from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain import STAFF_ROLES, Role
from tracker.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.households import Household


def new_generation() -> str:
    """A fresh session generation (random: cookies signed with the old one stop working)."""
    return secrets.token_urlsafe(12)


class Account(Base):
    """Someone who signs in: a family member, staff or an admin."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.FAMILY)
    household_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"))
    #: Part of every session and remember-me cookie (get_id): a new one signs every browser
    #: out (sign-out everywhere, password change). Random, so a reused id never matches.
    session_generation: Mapped[str] = mapped_column(String(32), default=new_generation)
    locale: Mapped[Optional[str]] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Optional[Household]] = relationship(back_populates="accounts")

    __table_args__ = (
        CheckConstraint("role IN ('family', 'staff', 'admin')", name="role_known"),
    )

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    # flask-login's user protocol, without importing Flask into the models.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    #: The key of the browser sign-in this instance serves (not stored: set by the user loader
    #: and at sign-in), the third part of get_id, so that one browser is signed out alone.
    session_key = None  # str | None; no annotation: not a mapped column

    def get_id(self) -> str:
        """Flask-Login's alternative id: `<id>:<generation>:<sign-in key>` (see SignIn)."""
        return f"{self.id}:{self.session_generation}:{self.session_key or ''}"


@event.listens_for(Account.active, "set", active_history=True)
def _disabled_signs_out(account, value, oldvalue, _initiator) -> None:
    """Disabling an account, by whatever path, also retires its cookies: re-enabled later, its
    old sessions and remember-me cookies stay dead."""
    if oldvalue is True and not value:
        account.session_generation = new_generation()


class SignIn(Base):
    """One browser's sign-in. Its key is in that browser's session and remember-me cookies (via
    Account.get_id); only the key's SHA-256 is kept. Signing out deletes the row, so a copy of
    the old cookies no longer signs in, while the household's other phones stay signed in."""

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A named API token of an account; only its SHA-256 is kept (the secret is shown once)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()


class LoginToken(Base):
    """A one-time link (sign-in or invitation): only the SHA-256 of the token is kept."""

    __tablename__ = "login_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()
