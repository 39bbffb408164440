"""SQLAlchemy 2 typed models: editions, households and their sizes, accounts, devices, weigh-ins.

Weights are integer grams; every timestamp is stored in UTC and read back time zone-aware.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Optional

from sqlalchemy import (JSON, BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String,
                        Text, TypeDecorator, UniqueConstraint, event, func)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tracker.domain import DEFAULT_COUNTED, DEFAULT_STREAMS


class UTCDateTime(TypeDecorator):
    """A time zone-aware datetime stored as UTC (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    pass


class Edition(Base):
    """One run of the défi (a challenge)."""

    __tablename__ = "editions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[dt.date] = mapped_column(Date)
    months: Mapped[int] = mapped_column(Integer, default=8)
    baseline_months: Mapped[int] = mapped_column(Integer, default=1)
    target_pct: Mapped[float] = mapped_column(default=20.0)
    streams: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_STREAMS))
    counted_streams: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_COUNTED))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    households: Mapped[list["Household"]] = relationship(back_populates="edition")

    __table_args__ = (
        CheckConstraint("months >= 1", name="months_positive"),
        CheckConstraint("baseline_months >= 1 AND baseline_months < months", name="baseline_range"),
    )


class Household(Base):
    """A family taking part in one edition (foyer)."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    commune: Mapped[str] = mapped_column(String(200), default="")
    emails: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    edition: Mapped[Edition] = relationship(back_populates="households")
    sizes: Mapped[list["HouseholdSize"]] = relationship(
        back_populates="household", order_by="HouseholdSize.valid_from",
        cascade="all, delete-orphan")
    accounts: Mapped[list["Account"]] = relationship(back_populates="household")

    __table_args__ = (UniqueConstraint("edition_id", "name", name="uq_household_name"),)

    def persons_on(self, day: dt.date) -> int:
        """The household's number of persons on a local date (first entry before any entry)."""
        current = self.sizes[0].persons if self.sizes else 1
        for size in self.sizes:
            if size.valid_from <= day:
                current = size.persons
        return current


class HouseholdSize(Base):
    """The number of persons in a household from a date on."""

    __tablename__ = "household_sizes"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    persons: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[dt.date] = mapped_column(Date)

    household: Mapped[Household] = relationship(back_populates="sizes")

    __table_args__ = (
        UniqueConstraint("household_id", "valid_from", name="uq_size_from"),
        CheckConstraint("persons >= 1 AND persons <= 30", name="persons_range"),
    )


def new_generation() -> str:
    """A fresh session generation (random: cookies signed with the old one stop working)."""
    return secrets.token_urlsafe(12)


class Absence(Base):
    """Dates when the whole household is away (both included): 0 person-days (DESIGN.md)."""

    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"),
                                              index=True)
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    # who declared it: the account (family or staff), or "zw (<user>)" for the command
    created_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("date_to >= date_from", name="absence_order"),)


class AcceptedMonth(Base):
    """A household-month staff accepted as reliable despite missing weeks, and why."""

    __tablename__ = "accepted_months"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    month: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    accepted_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"))
    accepted_by: Mapped[str] = mapped_column(String(254), default="")
    accepted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("household_id", "month", name="uq_accepted_month"),)


class Account(Base):
    """Someone who signs in: a family member, staff or an admin."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="family")
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
        return self.role in ("staff", "admin")

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


class Device(Base):
    """A scale paired with a household, with its own MQTT credentials."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(32), default="residual")
    firmware: Mapped[str] = mapped_column(String(32), default="canonical")
    secret_hash: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    last_seen: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    battery_pct: Mapped[Optional[int]] = mapped_column(Integer)
    online: Mapped[Optional[bool]] = mapped_column()

    household: Mapped[Household] = relationship()


class WeighIn(Base):
    """One weighing of one stream at one moment (pesée)."""

    __tablename__ = "weighins"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(32))
    weight_g: Mapped[int] = mapped_column(Integer)
    measured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="accepted")
    device_id: Mapped[Optional[str]] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"))
    seq: Mapped[Optional[int]] = mapped_column(BigInteger)
    import_key: Mapped[Optional[str]] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    #: the English sentence (logs, API, exports); the pages read the code and its params
    #: (tracker.reasons): "" and None when the weigh-in is not flagged
    flag_reason: Mapped[str] = mapped_column(String(200), default="")
    flag_code: Mapped[str] = mapped_column(String(32), default="", server_default="")
    flag_params: Mapped[Optional[dict]] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime, onupdate=utcnow)
    client_uuid: Mapped[Optional[str]] = mapped_column(String(36), unique=True, index=True)

    household: Mapped[Household] = relationship()

    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_weighin_device_seq"),
        UniqueConstraint("household_id", "import_key", name="uq_weighin_import_key"),
        CheckConstraint("weight_g > 0 AND weight_g <= 50000", name="weight_range"),
        CheckConstraint("source IN ('web', 'api', 'import', 'scale')", name="source_known"),
        CheckConstraint("status IN ('accepted', 'flagged', 'rejected')", name="status_known"),
        Index("ix_weighins_household_time", "household_id", "measured_at"),
    )


class DeviceRate(Base):
    """How many readings a scale has stored per hour of their time (`ts`), kept by the ingest
    in the transaction that stores them: its plausibility limit
    (ZW_INGEST_MAX_READINGS_PER_HOUR) then holds across batches, storing processes, workers
    and restarts without counting rows again."""

    __tablename__ = "device_rates"

    device_id: Mapped[str] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    #: hours since 1970-01-01 00:00 UTC of the readings' time
    hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    readings: Mapped[int] = mapped_column(Integer, default=0)


class DeadLetter(Base):
    """An MQTT message the ingest refused, kept with the reason so nothing is lost from view."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    topic: Mapped[str] = mapped_column(String(512))
    payload: Mapped[str] = mapped_column(Text)
    payload_size: Mapped[int] = mapped_column(Integer, default=0)
    #: the English sentence (logs, `zw deadletters list`); the pages read the code and its
    #: params (tracker.reasons)
    reason: Mapped[str] = mapped_column(String(500))
    reason_code: Mapped[str] = mapped_column(String(32), default="legacy",
                                             server_default="legacy")
    reason_params: Mapped[Optional[dict]] = mapped_column(JSON(none_as_null=True))
    device_id: Mapped[Optional[str]] = mapped_column(String(64))
    #: SHA-256 of topic and whole payload: a redelivered refusal already kept is recognised.
    fingerprint: Mapped[Optional[str]] = mapped_column(String(64))

    __table_args__ = (Index("ix_dead_letters_received", "received_at"),
                      Index("ix_dead_letters_fingerprint", "fingerprint"))


# func is re-exported for services that count rows.
__all__ = ["Base", "Edition", "Household", "HouseholdSize", "Account", "SignIn", "ApiToken",
           "Device", "WeighIn", "DeadLetter", "UTCDateTime", "utcnow", "func"]

from tracker import models_life  # noqa: E402,F401  (challenge-life tables)
