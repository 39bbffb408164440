"""Editions (a run of the défi) and their settings."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain import DEFAULT_COUNTED, DEFAULT_STREAMS, REFERENCE_KG_YEAR
from tracker.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.households import Household


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
    #: residual waste, kg per inhabitant per year, that families compare with (None: no
    #: comparison); default: ADEME's national figure (docs/dashboards.md)
    reference_kg_year: Mapped[Optional[float]] = mapped_column(
        default=REFERENCE_KG_YEAR, server_default=str(int(REFERENCE_KG_YEAR)))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    households: Mapped[list["Household"]] = relationship(back_populates="edition")

    __table_args__ = (
        CheckConstraint("months >= 1", name="months_positive"),
        CheckConstraint("baseline_months >= 1 AND baseline_months < months", name="baseline_range"),
    )


class EditionSettings(Base):
    """What staff switch on for an edition: public enrolment, teams, the published report."""

    __tablename__ = "edition_settings"

    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"),
                                            primary_key=True)
    enrolment_open: Mapped[bool] = mapped_column(default=False)
    teams_enabled: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    report_published_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    #: The published figures, frozen at publication (tracker.services.published).
    report_figures: Mapped[Optional[dict]] = mapped_column(JSON)

    edition: Mapped[Edition] = relationship()
