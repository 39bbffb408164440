"""News and tips."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import (CheckConstraint, ForeignKey, Index,
                        String, Text)
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, UTCDateTime, utcnow


class Post(Base):
    """An announcement (`news`) or an entry of the tips and resources library (`tip`)."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"))  # None: every edition
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    tags: Mapped[str] = mapped_column(String(300), default="")
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"))
    #: When staff sent the announcement by mail to the families who chose `post` (once).
    mailed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("kind IN ('news', 'tip')", name="post_kind_known"),
        Index("ix_posts_kind_published", "kind", "published_at"),
    )
