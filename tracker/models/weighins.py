"""Weigh-ins (integer grams) and the dead letters (messages the ingest refused)."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

from sqlalchemy import (JSON, BigInteger, CheckConstraint, ForeignKey, Index,
                        Integer, String, Text, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain import WeighInStatus
from tracker.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.households import Household


class WeighIn(Base):
    """One weighing of one stream at one moment (pesée)."""

    __tablename__ = "weighins"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(32))
    weight_g: Mapped[int] = mapped_column(Integer)
    measured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=WeighInStatus.ACCEPTED)
    device_id: Mapped[Optional[str]] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"))
    seq: Mapped[Optional[int]] = mapped_column(BigInteger)
    import_key: Mapped[Optional[str]] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    flag_reason: Mapped[str] = mapped_column(String(200), default="")
    #: the English sentence (logs, API, exports); the pages read the code and its params
    #: (tracker.domain.reasons): "" and None when the weigh-in is not flagged
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
        CheckConstraint("source IN ('web', 'api', 'import', 'scale', 'staff')",
                        name="source_known"),
        CheckConstraint("status IN ('accepted', 'flagged', 'rejected')", name="status_known"),
        Index("ix_weighins_household_time", "household_id", "measured_at"),
        # stream_median: the last accepted rows of one bin, however many flagged (0150)
        Index("ix_weighins_accepted_median", "household_id", "stream", "measured_at",
              postgresql_where=text("status = 'accepted'"),
              sqlite_where=text("status = 'accepted'")),
    )


class DeadLetter(Base):
    """An MQTT message the ingest refused, kept with the reason so nothing is lost from view."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    topic: Mapped[str] = mapped_column(String(512))
    payload: Mapped[str] = mapped_column(Text)
    payload_size: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(500))
    #: the English sentence (logs, `zw deadletters list`); the pages read the code and its
    #: params (tracker.domain.reasons)
    reason_code: Mapped[str] = mapped_column(String(32), default="legacy",
                                             server_default="legacy")
    reason_params: Mapped[Optional[dict]] = mapped_column(JSON(none_as_null=True))
    device_id: Mapped[Optional[str]] = mapped_column(String(64))
    #: SHA-256 of topic and whole payload: a redelivered refusal already kept is recognised.
    fingerprint: Mapped[Optional[str]] = mapped_column(String(64))

    __table_args__ = (Index("ix_dead_letters_received", "received_at"),
                      Index("ix_dead_letters_fingerprint", "fingerprint"))
