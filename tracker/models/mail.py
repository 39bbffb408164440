"""Mail waiting to go out."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import (ForeignKey, Index,
                        Integer, String, Text)
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, UTCDateTime, utcnow


class OutgoingMail(Base):
    """An email to send, written in the same transaction as what it announces.

    Delivered after the commit (SMTP, or an .eml file in the instance outbox when no SMTP is
    configured); the body is blanked once delivered so sign-in links do not linger here.
    """

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(32), default="")
    household_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    outbox_file: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (Index("ix_outgoing_mail_pending", "sent_at", "id"),)
