"""Households, their sizes over time, their absences, the months staff accepted, their
settings. Weights are integer grams (tracker.models.weighins)."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain import NewsMail
from tracker.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.accounts import Account
    from tracker.models.editions import Edition
    from tracker.models.teams import Team


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


class HouseholdSettings(Base):
    """A household's choices and the bookkeeping of what was sent to it."""

    __tablename__ = "household_settings"

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"),
                                              primary_key=True)
    reminders_enabled: Mapped[bool] = mapped_column(default=True)
    leaderboard_hidden: Mapped[bool] = mapped_column(default=False)
    team_id: Mapped[Optional[int]] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    #: The secret part of the household's calendar URL (a capability, shown again on its page).
    calendar_token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    last_reminder_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    erasure_requested_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    #: News by mail: `post` (each announcement staff send), `digest` (one mail a week with the
    #: new ones), `off` (tracker.services.news_mail).
    news_mail: Mapped[str] = mapped_column(String(8), default=NewsMail.DIGEST,
                                           server_default=NewsMail.DIGEST.value)
    news_digest_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    household: Mapped[Household] = relationship()
    team: Mapped[Optional[Team]] = relationship()
