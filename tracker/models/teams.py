"""Teams of households."""
from __future__ import annotations


from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base


class Team(Base):
    """A group of households of one edition (optional, for a friendly leaderboard)."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("edition_id", "name", name="uq_team_name"),)
