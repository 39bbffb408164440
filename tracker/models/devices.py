"""Scales paired with households, and their message rate."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain import Stream
from tracker.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.households import Household


class Device(Base):
    """A scale paired with a household, with its own MQTT credentials."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(32), default=Stream.RESIDUAL)
    firmware: Mapped[str] = mapped_column(String(32), default="canonical")
    secret_hash: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    last_seen: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    battery_pct: Mapped[Optional[int]] = mapped_column(Integer)
    online: Mapped[Optional[bool]] = mapped_column()

    household: Mapped[Household] = relationship()


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
