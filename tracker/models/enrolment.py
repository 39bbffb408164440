"""Requests to join an edition."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

from sqlalchemy import (CheckConstraint, ForeignKey, Index,
                        Integer, String)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain import EnrolmentStatus
from tracker.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.editions import Edition


class Enrolment(Base):
    """A household's request to join an edition, waiting for staff (declined ones are deleted)."""

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    household_name: Mapped[str] = mapped_column(String(200))
    persons: Mapped[int] = mapped_column(Integer)
    commune: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254))
    consent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=EnrolmentStatus.PENDING)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    household_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"))

    edition: Mapped[Edition] = relationship()

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved')", name="enrolment_status_known"),
        Index("ix_enrolments_edition_status", "edition_id", "status"),
    )
