"""The monthly aggregates of weigh-ins that the progress pages read (issue 19).

One row per household × segment, where a segment is a challenge month (1..months), 0 for
everything dated before the edition's start, and months + 1 for everything dated from its end
on. A row holds what the progress method needs of that cell's weigh-ins: for the counted bins
(the edition's ``counted_streams``) the accepted grams and accepted weigh-ins per week block,
for the other bins the accepted grams and weigh-ins, the flagged and rejected counts and the
latest time. The method then never reads the edition's millions of raw rows for a month that
is over. Why not one row per bin as well: it was 4× the rows, and reading them cost 0.1× the
raw load at 10,000 households (docs/scaling.md); per-bin figures are only drawn for one
household at a time, from its raw rows. `tracker.aggregates` keeps the rows in step with every write, in the same transaction,
and says why (a table kept in step rather than a grouped query: docs/scaling.md).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, UTCDateTime


class MonthlyAggregate(Base):
    """What one household weighed during one challenge month (or before/after the edition)."""

    __tablename__ = "monthly_aggregates"

    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True)
    #: 1..months: the challenge month; 0: dated before the start; months + 1: from the end on
    month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: Σ weight_g of the accepted weigh-ins of counted bins
    grams: Mapped[int] = mapped_column(BigInteger)
    #: accepted weigh-ins of counted bins in week blocks 1..4 (days 1-7, 8-14, 15-21, 22-end)
    w1: Mapped[int] = mapped_column(Integer)
    w2: Mapped[int] = mapped_column(Integer)
    w3: Mapped[int] = mapped_column(Integer)
    w4: Mapped[int] = mapped_column(Integer)
    #: Σ weight_g and number of the accepted weigh-ins of the other bins (diverted)
    diverted_grams: Mapped[int] = mapped_column(BigInteger)
    diverted: Mapped[int] = mapped_column(Integer)
    flagged: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    #: the latest measured_at of the cell, any bin and status ("gone silent" on the cohort page)
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

from tracker import aggregates  # noqa: E402  (installs the session hooks that keep it in step)

aggregates.install()
