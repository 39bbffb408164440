"""End-of-challenge reports: a household's journey, and the edition's cohort results.

Both read the normative progress tables (`tracker.progress.compute`). Definitions added here
(see docs/challenge-life.md):
- kg avoided in month k = (baseline rate − rate_k) × person_days_k / 7 / 1000: the waste the
  household did not produce compared with its own reference, over the same person-days; summed
  over the months after the baseline that have data (negative when it produced more).
- per-bin reduction of the cohort in month k: the cohort formula of DESIGN.md applied to one
  bin's rates, over the households with that bin's data in the baseline and in month k.
- participation in month k: households with at least one accepted counted weigh-in / households.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from dashboards.reading import cohort_as_read, household_as_read, too_early_months
from tracker import progress
from tracker.models import Edition, Household


def _num(value):
    """A float, or None for NaN/NA (templates show a dash)."""
    if value is None or value is pd.NA:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _avoided_kg(rows: pd.DataFrame, baseline_months: int) -> pd.Series:
    after = rows["month"] > baseline_months
    grams = (rows["baseline_g_per_person_week"] - rows["g_per_person_week"]) \
        * rows["person_days"] / 7.0
    return (grams / 1000.0).where(after & rows["g_per_person_week"].notna()
                                  & rows["baseline_g_per_person_week"].notna())


@dataclass
class HouseholdReport:
    household: Household
    as_of: dt.date
    months: list[dict]
    avoided_kg: float | None
    last_reduction_pct: float | None
    best_reduction_pct: float | None
    months_on_track: int
    weighins: int
    diverted_kg: float
    progress: pd.DataFrame = field(repr=False)
    streams: pd.DataFrame = field(repr=False)


def household_report(session: Session, household: Household,
                     as_of: dt.date | None = None) -> HouseholdReport:
    """The household's month-by-month journey and what it avoided."""
    edition = household.edition
    result = progress.compute(session.connection(), edition, as_of,
                              household_ids=[household.id])
    # a month too early to tell: no percentage and no verdict (dashboards/reading.py)
    rows = household_as_read(result.households.sort_values("month"))
    rows["avoided_kg"] = _avoided_kg(rows, edition.baseline_months)
    months = [{k: (_num(v) if isinstance(v, (float, np.floating)) else v)
               for k, v in row.items()} for row in rows.to_dict("records")]
    after = rows[(rows["month"] > edition.baseline_months) & rows["reduction_pct"].notna()]
    avoided = rows["avoided_kg"].dropna()
    return HouseholdReport(
        household=household, as_of=result.as_of, months=months,
        avoided_kg=_num(avoided.sum()) if len(avoided) else None,
        last_reduction_pct=_num(after["reduction_pct"].iloc[-1]) if len(after) else None,
        best_reduction_pct=_num(after["reduction_pct"].max()) if len(after) else None,
        months_on_track=int(after["on_track"].fillna(False).astype(bool).sum()),
        weighins=int(rows["weighins"].sum()),
        diverted_kg=float(rows["diverted_kg"].fillna(0).sum()),
        progress=result.households, streams=result.streams)


@dataclass
class CohortReport:
    edition: Edition
    as_of: dt.date
    month: int | None                  # the month the headline figures are about
    month_complete: bool
    reduction_pct: float | None
    median_reduction_pct: float | None
    households_at_target: int
    households_with_data: int
    households: int
    avoided_kg: float | None
    participation: list[dict]          # per month: month, reporting, households, share
    bins: list[dict]                   # per counted bin: stream, baseline, rate, reduction
    cohort: pd.DataFrame = field(repr=False)
    target_pct: float | None = None    # the edition's goal when computed (frozen when published)

    @property
    def step_pct(self) -> float | None:
        """The month's step on the target path for the headline month."""
        if self.month is None or not len(self.cohort):
            return None
        rows = self.cohort[self.cohort["month"] == self.month]
        return _num(rows["target_pct"].iloc[0]) if len(rows) else None


def _bin_reductions(streams: pd.DataFrame, persons: pd.DataFrame, edition: Edition,
                    month: int) -> list[dict]:
    counted = streams[streams["counted"]]
    base_rows = counted[counted["month"] <= edition.baseline_months]
    base = base_rows.assign(grams=base_rows["kg"] * 1000.0).groupby(
        ["household_id", "stream"]).agg(grams=("grams", "sum"), days=("person_days", "sum"),
                                        n=("weighins", "sum"))
    base["baseline"] = np.where((base["n"] > 0) & (base["days"] > 0),
                                base["grams"] / base["days"] * 7.0, np.nan)
    now = counted[counted["month"] == month].set_index(["household_id", "stream"])
    joined = now[["g_per_person_week"]].join(base[["baseline"]], how="inner")
    joined = joined.join(persons, on="household_id")
    out = []
    for stream in edition.counted_streams:
        if stream not in joined.index.get_level_values("stream"):
            continue
        part = joined.xs(stream, level="stream")
        both = part["g_per_person_week"].notna() & part["baseline"].notna() \
            & part["persons"].notna()
        part = part[both]
        den = float((part["baseline"] * part["persons"]).sum())
        num = float((part["g_per_person_week"] * part["persons"]).sum())
        weight = float(part["persons"].sum())
        out.append({"stream": stream, "households": int(len(part)),
                    "baseline_g": den / weight if weight else None,   # g/person/week
                    "rate_g": num / weight if weight else None,
                    "reduction_pct": 100.0 * (1 - num / den) if den > 0 else None})
    return out


def cohort_report(session: Session, edition: Edition,
                  as_of: dt.date | None = None) -> CohortReport:
    """The edition's results: reduction overall and per bin, at target, kg avoided, participation."""
    result = progress.compute(session.connection(), edition, as_of)
    households = result.households
    cohort = cohort_as_read(result.cohort, too_early_months(households))
    n_households = int(households["household_id"].nunique()) if len(households) else 0
    complete = cohort[cohort["complete"] & (cohort["month"] > edition.baseline_months)]
    started = cohort[cohort["month"] > edition.baseline_months]
    head = complete.iloc[-1] if len(complete) else (started.iloc[-1] if len(started) else None)
    month = int(head["month"]) if head is not None else None
    avoided = _avoided_kg(households, edition.baseline_months).dropna() if len(households) \
        else pd.Series(dtype=float)
    participation = [{"month": int(r.month), "month_start": r.month_start,
                      "complete": bool(r.complete), "reporting": int(r.n_reporting),
                      "households": int(r.n_households),
                      "share": (r.n_reporting / r.n_households) if r.n_households else None}
                     for r in cohort.itertuples()]
    bins = []
    if month is not None and len(result.streams):
        persons = households[households["month"] == month].set_index("household_id")[["persons"]]
        bins = _bin_reductions(result.streams, persons, edition, month)
    return CohortReport(
        edition=edition, as_of=result.as_of, month=month,
        month_complete=bool(head["complete"]) if head is not None else False,
        reduction_pct=_num(head["reduction_pct"]) if head is not None else None,
        median_reduction_pct=_num(head["median_reduction_pct"]) if head is not None else None,
        households_at_target=int(head["n_at_target"]) if head is not None else 0,
        households_with_data=int(head["n_with_data"]) if head is not None else 0,
        households=n_households, avoided_kg=_num(avoided.sum()) if len(avoided) else None,
        participation=participation, bins=bins, cohort=cohort, target_pct=edition.target_pct)
