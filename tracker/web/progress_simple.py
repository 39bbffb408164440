"""A simple, self-contained progress summary for the family page (this month vs the reference).

It follows DESIGN.md's progress method for one household and two periods only: the reference
(the edition's baseline months) and the current challenge month. The full method, for every
month and the whole cohort, lives in `dashboards/`; this helper is meant to be replaced by it.
A period without any accepted weigh-in of a counted bin has no data: None, never 0.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.domain import add_months, edition_bounds
from tracker.models import Household, WeighIn


@dataclass(frozen=True)
class Period:
    """Grams per person per week over a span of local dates, per counted bin and in total."""

    start: dt.date
    end: dt.date  # exclusive
    person_days: int
    grams: dict[str, int]  # counted bins that have at least one accepted weigh-in
    weighins: int

    @property
    def has_data(self) -> bool:
        return bool(self.grams)

    def rate(self, stream: str | None = None) -> float | None:
        """g/person/week of one bin (None: total); None when there is no data."""
        if not self.person_days:
            return None
        if stream is None:
            return 7 * sum(self.grams.values()) / self.person_days if self.grams else None
        grams = self.grams.get(stream)
        return None if grams is None else 7 * grams / self.person_days


@dataclass(frozen=True)
class Row:
    """One line of the table: a counted bin, or the total (stream None)."""

    stream: str | None
    reference: float | None
    current: float | None

    @property
    def change_pct(self) -> float | None:
        """Change vs the reference in % (negative: less waste); None without both rates."""
        if self.reference is None or self.current is None or self.reference == 0:
            return None
        return 100 * (self.current / self.reference - 1)


@dataclass(frozen=True)
class Progress:
    month: int | None  # current challenge month (None before the start)
    months: int
    baseline_months: int
    target_pct: float
    reference: Period | None
    current: Period | None
    rows: list[Row] = field(default_factory=list)
    diverted_g: dict[str, int] = field(default_factory=dict)  # not counted (compost...)

    @property
    def in_reference(self) -> bool:
        return self.month is not None and self.month <= self.baseline_months

    @property
    def target_now(self) -> float | None:
        """The target path for the current month, in % of reduction (floored at 0)."""
        if self.month is None:
            return None
        span = self.months - self.baseline_months
        return max(0.0, self.target_pct * (self.month - self.baseline_months) / span)

    @property
    def reduction(self) -> float | None:
        """100 × (1 − rate / reference) for the total; None without data in both periods."""
        total = self.rows[-1] if self.rows else None
        change = total.change_pct if total else None
        return None if change is None else -change

    @property
    def on_track(self) -> bool | None:
        if self.reduction is None or self.target_now is None:
            return None
        return self.reduction >= self.target_now


def current_month(start: dt.date, months: int, today: dt.date) -> int | None:
    """The challenge month (1..months) that contains `today`; the last one after the end."""
    if today < start:
        return None
    for k in range(1, months + 1):
        if today < add_months(start, k):
            return k
    return months


def _period(household: Household, rows, counted, first: dt.date, end: dt.date, zone) -> Period:
    grams: dict[str, int] = {}
    count = 0
    for stream, weight_g, measured_at in rows:
        day = measured_at.astimezone(zone).date()
        if stream in counted and first <= day < end:
            grams[stream] = grams.get(stream, 0) + weight_g
            count += 1
    days = (end - first).days
    person_days = sum(household.persons_on(first + dt.timedelta(days=i)) for i in range(days))
    return Period(first, end, person_days, grams, count)


def household_progress(session: Session, household: Household, now: dt.datetime) -> Progress:
    """The household's reference and current-month rates as of `now` (an aware datetime)."""
    edition = household.edition
    zone = ZoneInfo(edition.timezone)
    today = now.astimezone(zone).date()
    month = current_month(edition.start_date, edition.months, today)
    base = Progress(month, edition.months, edition.baseline_months, edition.target_pct,
                    None, None)
    if month is None:
        return base
    start, end = edition_bounds(edition.start_date, edition.months, edition.timezone)
    rows = session.execute(
        select(WeighIn.stream, WeighIn.weight_g, WeighIn.measured_at)
        .where(WeighIn.household_id == household.id, WeighIn.status == "accepted",
               WeighIn.measured_at >= start, WeighIn.measured_at < end)).all()
    counted = set(edition.counted_streams)
    ref_end = add_months(edition.start_date, edition.baseline_months)
    month_start = add_months(edition.start_date, month - 1)
    month_end = add_months(edition.start_date, month)
    # The current month counts only the days elapsed so far (today included).
    cur_end = min(month_end, today + dt.timedelta(days=1))
    reference = _period(household, rows, counted, edition.start_date,
                        min(ref_end, cur_end), zone)
    current = _period(household, rows, counted, month_start, cur_end, zone)
    streams = [s for s in edition.streams if s in counted]
    table = [Row(s, reference.rate(s), current.rate(s)) for s in streams]
    table.append(Row(None, reference.rate(), current.rate()))
    diverted: dict[str, int] = {}
    for stream, weight_g, measured_at in rows:
        day = measured_at.astimezone(zone).date()
        if stream not in counted and month_start <= day < cur_end:
            diverted[stream] = diverted.get(stream, 0) + weight_g
    return Progress(month, edition.months, edition.baseline_months, edition.target_pct,
                    reference, current, table, diverted)
