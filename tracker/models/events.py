"""Workshops and remote meetings, and households' registrations."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

from sqlalchemy import (CheckConstraint, ForeignKey, Index,
                        Integer, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.editions import Edition
    from tracker.models.households import Household


class Event(Base):
    """A workshop or a remote meeting of an edition."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[Optional[int]] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    edition: Mapped[Edition] = relationship()
    registrations: Mapped[list["EventRegistration"]] = relationship(
        back_populates="event", order_by="EventRegistration.id", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        CheckConstraint("ends_at > starts_at", name="event_ends_after_start"),
        Index("ix_events_edition_start", "edition_id", "starts_at"),
    )


class EventRegistration(Base):
    """A household on an event: `confirmed`, or `waiting` in the order of sign-up."""

    __tablename__ = "event_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="registrations")
    household: Mapped[Household] = relationship()

    __table_args__ = (
        UniqueConstraint("event_id", "household_id", name="uq_registration"),
        CheckConstraint("status IN ('confirmed', 'waiting')", name="registration_status_known"),
    )
