"""The audit log of staff actions on household data."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import (JSON, ForeignKey, Index,
                        Integer, String)
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """A staff action on household data: who, when, what, on which household id (no names)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(64))
    edition_id: Mapped[Optional[int]] = mapped_column(Integer)
    household_id: Mapped[Optional[int]] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_audit_log_at", "at"),)
