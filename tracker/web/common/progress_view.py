"""What the progress pages show, from the frames of the dashboards method (read side only).

`tracker.progress.compute` gives the method's tables; the functions here pick the month a
page looks at, add what the method does not know (the last weigh-in of each household, from
the database) and turn rows into plain values for templates: `None` where the method has no
data (never 0), so a template can say "no data" rather than print a zero.

Documented choices (DESIGN.md is silent):
* The month a page shows by default is the latest started month at the date looked at (the
  month in progress while the edition runs, the last month once it is over).
* A household has **gone silent** when none of its weigh-ins (any bin, any status: a flagged
  reading still shows the family is weighing) is dated within the last 14 days up to the date
  looked at (capped at the edition's last day). A household that never weighed is counted
  from the edition's start: silent from the 14th day.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from dashboards import glance
from dashboards.figures import ChartLabels, household_figure_spec
from dashboards.household import Columns
from dashboards.method import WEEKS_PER_YEAR, weeks_needed
from dashboards.outlook import outlook
from dashboards.sentences import month_sentence
from tracker import aggregates
from tracker.domain import add_months
from tracker.models import Edition, Household
from tracker.progress import SMALL_READ, household_tables
from tracker.progress import today as progress_today
from tracker.services import bin_tips
from tracker.web.common.charts import HEIGHT_SMALL, chart_labels, embed
from tracker.web.common.figure_words import reference_source

SILENT_DAYS = 14
SORTS = ("progres", "nom", "silence", "reference")
FILTERS = ("tous", "objectif", "retard", "sans-donnees", "silencieux", "sans-reference")


def value(x):
    """A frame cell as a template value: None for NaN/NA, plain int/float/bool otherwise."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return None
    if hasattr(x, "item"):
        return x.item()
    return x


def parse_as_of(raw: str | None) -> dt.date | None:
    """A ``YYYY-MM-DD`` query argument as a date (None when absent or not a date)."""
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def last_day(edition: Edition) -> dt.date:
    """The edition's last local date."""
    return add_months(edition.start_date, edition.months) - dt.timedelta(days=1)


def last_weighins(session: Session, edition: Edition, as_of: dt.date,
                  household_ids: list[int] | None = None) -> dict[int, dt.date]:
    """Household id → local date of its latest weigh-in dated up to `as_of` (any status)."""
    bulk = household_ids is None or len(household_ids) > SMALL_READ
    days = last_weighin_days(session, edition, as_of, household_ids, bulk)
    return dict(zip(days.index.tolist(), (d.date() for d in days)))


def last_weighin_days(session: Session, edition: Edition, as_of: dt.date,
                      household_ids: list[int] | None = None, bulk: bool = True) -> pd.Series:
    """`last_weighins` as a Series indexed by household id: local dates as naive midnight
    Timestamps, converted at once (the cohort page's 10,000 households)."""
    latest = aggregates.last_weighin_times(session.connection(), edition, as_of,
                                           household_ids, bulk)
    return latest.dt.tz_convert(edition.timezone).dt.tz_localize(None).dt.normalize()


def days_without_weighin(edition: Edition, as_of: dt.date, last: dt.date | None) -> int:
    """Days with no weigh-in up to `as_of` (capped at the edition's end), 0 before the start."""
    ref = min(as_of, last_day(edition))
    since = last if last is not None else edition.start_date - dt.timedelta(days=1)
    return max(0, (ref - since).days)


def shown_month(households: pd.DataFrame, wanted: int | None = None) -> int | None:
    """The month a page shows: `wanted` if it has started, else the latest started month."""
    if households.empty:
        return None
    months = set(households["month"].unique().tolist())
    if wanted in months:
        return wanted
    return int(max(months))


# ------------------------------------------------------------------ staff: the cohort


@dataclass
class HouseholdLine:
    """One household in the cohort table, for the month shown."""

    id: int
    name: str
    persons: float | None
    baseline: float | None
    rate: float | None
    reduction: float | None
    target: float | None
    on_track: bool | None
    last_weighin: dt.date | None
    days_silent: int
    silent: bool
    no_baseline: bool
    too_early: bool = False

    @property
    def state(self) -> str:
        """``no-baseline``, ``too-early``, ``no-data``, ``unreliable`` (weeks missing: no
        verdict), ``on-track`` or ``behind``."""
        if self.no_baseline:
            return "no-baseline"
        if self.too_early:
            return "too-early"
        if self.reduction is None:
            return "no-data"
        if self.on_track is None:
            return "unreliable"
        return "on-track" if self.on_track else "behind"


def cohort_frame(households: pd.DataFrame, month: int, last: pd.Series | dict,
                 edition: Edition, as_of: dt.date) -> pd.DataFrame:
    """One row per household for `month`, with its last weigh-in (`last_weighin_days`; a
    dict of dates also does) and silence (vectorised)."""
    p = households[households["month"] == month].copy()
    last_ts = pd.to_datetime(p["household_id"].map(last))
    p["last_weighin"] = last_ts  # local dates (NaT: never weighed); lines turn them to dates
    ref = min(as_of, last_day(edition))
    fallback = pd.Timestamp(edition.start_date - dt.timedelta(days=1))
    days = (pd.Timestamp(ref) - last_ts.fillna(fallback)).dt.days.clip(lower=0)
    p["days_silent"] = days.astype(int) if len(p) else days
    p["silent"] = p["days_silent"] >= SILENT_DAYS
    p["no_baseline"] = p["baseline_g_per_person_week"].isna()
    # The first days of a month in progress: no percentage and no verdict on any page
    # (dashboards/method.py, "Too early to tell"); the rate so far stays.
    early = (p["too_early"].fillna(False).astype(bool) if "too_early" in p.columns
             else pd.Series(False, index=p.index))
    p["too_early"] = early
    p.loc[early, "reduction_pct"] = math.nan
    p["on_track"] = p["on_track"].astype("boolean")
    p.loc[early, "on_track"] = pd.NA
    return p


def filter_frame(p: pd.DataFrame, which: str) -> pd.DataFrame:
    """The rows of one filter of the cohort table (see FILTERS)."""
    has = p["reduction_pct"].notna()
    track = p["on_track"].fillna(False).astype(bool)
    behind = ~p["on_track"].fillna(True).astype(bool)  # judged and short: not the unreliable
    masks = {"objectif": has & track, "retard": has & behind,
             "sans-donnees": ~has & ~p["no_baseline"] & ~p["too_early"],
             "silencieux": p["silent"],
             "sans-reference": p["no_baseline"]}
    return p[masks[which]] if which in masks else p


def sort_frame(p: pd.DataFrame, key: str, descending: bool) -> pd.DataFrame:
    """Sorted rows; households without a value always come last, names break ties."""
    column = {"progres": "reduction_pct", "silence": "days_silent",
              "reference": "baseline_g_per_person_week"}.get(key)
    if column is None:
        return p.sort_values("household", key=lambda s: s.str.casefold(),
                             ascending=not descending, kind="stable")
    p = p.sort_values("household", key=lambda s: s.str.casefold(), kind="stable")
    return p.sort_values(column, ascending=not descending, na_position="last", kind="stable")


def household_lines(p: pd.DataFrame) -> list[HouseholdLine]:
    """Template rows of a (small: one page of) cohort frame."""
    return [HouseholdLine(
        id=int(r.household_id), name=r.household, persons=value(r.persons),
        baseline=value(r.baseline_g_per_person_week), rate=value(r.g_per_person_week),
        reduction=value(r.reduction_pct), target=value(r.target_pct),
        on_track=value(r.on_track), last_weighin=_date(r.last_weighin),
        days_silent=int(r.days_silent), silent=bool(r.silent), no_baseline=bool(r.no_baseline),
        too_early=bool(r.too_early))
        for r in p.itertuples(index=False)]


def _date(x) -> dt.date | None:
    """A date cell (Timestamp, date, NaT/NaN/None) as a date or None."""
    if x is None or x is pd.NaT or (isinstance(x, float) and math.isnan(x)):
        return None
    return x.date() if isinstance(x, pd.Timestamp) else x


def counts(p: pd.DataFrame) -> dict[str, int]:
    """How many households each filter of the cohort table holds."""
    return {name: int(len(filter_frame(p, name))) for name in FILTERS}


def records(df: pd.DataFrame) -> list[dict]:
    """A frame as a list of dicts of template values (None where there is no data).

    Column by column (`tolist` gives Python scalars): a few times faster than
    ``to_dict("records")`` on the small frames of a page. Datetime columns keep Timestamps.
    """
    names = [str(c) for c in df.columns]
    columns = [list(df[c]) if df[c].dtype.kind == "M" else df[c].tolist() for c in df.columns]
    return [{k: value(v) for k, v in zip(names, row)} for row in zip(*columns)]


# ------------------------------------------------------------------ a household's bins


@dataclass
class BinLine:
    """One bin of a household: its reference rate and the month's, in g/person/week."""

    stream: str | None  # None: the total of the counted bins
    reference: float | None
    current: float | None
    counted: bool = True

    @property
    def change_pct(self) -> float | None:
        """Change vs the reference in % (negative: less waste); None without both rates."""
        if self.reference is None or self.current is None or self.reference <= 0:
            return None
        return 100.0 * (self.current / self.reference - 1.0)


def bin_lines(households: pd.DataFrame, streams: pd.DataFrame, month: int,
              baseline_months: int) -> list[BinLine]:
    """Per counted bin: the reference (pooled baseline months with data) and `month`, + total.

    One household's rows, a few dozen: plain lists, cheaper than frame filtering here.
    """
    h = {c: households[c].tolist() for c in (
        "month", "weighins", "person_days", "baseline_g_per_person_week", "g_per_person_week")}
    base_months = {m for m, n in zip(h["month"], h["weighins"]) if m <= baseline_months and n > 0}
    pdays = float(sum(d for m, d in zip(h["month"], h["person_days"]) if m in base_months))
    per_stream: dict[str, dict] = {}  # first-seen order, as groupby(sort=False)
    for stream, m, kg, n, rate, counted in zip(*(streams[c].tolist() for c in (
            "stream", "month", "kg", "weighins", "g_per_person_week", "counted"))):
        line = per_stream.setdefault(stream, {"kg": 0.0, "n": 0, "current": None,
                                              "counted": bool(counted)})
        if m in base_months:
            line["kg"] += kg
            line["n"] += n
        if m == month:  # one row per bin and month
            line["current"] = value(rate)
    lines = [BinLine(stream, line["kg"] * 1000.0 / pdays * 7.0
                     if pdays > 0 and line["n"] > 0 else None, line["current"], line["counted"])
             for stream, line in per_stream.items()]
    i = h["month"].index(month)
    lines.append(BinLine(None, value(h["baseline_g_per_person_week"][i]),
                         value(h["g_per_person_week"][i])))
    return lines


def kg_per_year(g_per_person_week: float | None) -> float | None:
    """kg per person per year at a weekly rate (the method's 52.18 weeks)."""
    return None if g_per_person_week is None else g_per_person_week * WEEKS_PER_YEAR / 1000.0


# ------------------------------------------------------------------ the family page


def missing_weeks(weeks: pd.DataFrame | Columns, month: int, as_of: dt.date) -> list[dict]:
    """The started week blocks of `month` and the month before that hold no counted weigh-in
    and are not covered by an absence: when each starts and the day to weigh in for it (its
    first day, or today for the week in progress)."""
    rows = weeks.rows() if isinstance(weeks, Columns) else records(weeks)
    return [{"start": r["week_start"], "month": r["month"],
             "day": min(r["week_start"], as_of) if r["week_end"] > as_of else r["week_start"],
             "current": r["week_end"] > as_of}
            for r in rows if month - 1 <= r["month"] <= month and not r["covered"]]


def first_screen(session: Session, edition: Edition, row: dict, bins: list[BinLine],
                 streams: pd.DataFrame | Columns, labels: ChartLabels | None = None) -> dict:
    """The glance sentence, the tip for the bin that changed most, the monthly kg per bin
    (`labels`: the page's words, `chart_labels()` by default)."""
    labels = labels or chart_labels()
    judged = not row.get("too_early") and row["month"] > edition.baseline_months
    biggest = glance.biggest_change(bins) if judged else None
    return {"glance": glance.glance_sentence(row, edition.target_pct, biggest, labels.streams,
                                             edition.baseline_months, labels.words),
            "tip": bin_tips.tip_for(session, edition.id, biggest.stream) if biggest else None,
            "monthly_bins": glance.monthly_bins(streams)}


def family_progress(session: Session, household: Household) -> dict:
    """Everything the family progress page shows, for the signed-in household only.

    One household: the plain-Python path of the method (`tracker.progress.household_tables`,
    identical to the pandas one) and plain lists, no DataFrame (their fixed costs were most of
    the page's time; figures in docs/production.md, "Web speed").
    """
    edition = household.edition
    as_of = progress_today(edition)
    tables = household_tables(session.connection(), edition, household.id, household.name,
                              as_of)
    hp, sp = tables.progress, tables.streams
    month = max(hp["month"]) if len(hp) else None  # the latest started month (`shown_month`)
    context = {"household": household, "edition": edition, "as_of": as_of,
               "month": month, "months": edition.months}
    if month is None:
        return context
    history = hp.rows()
    row = history[hp["month"].index(month)]
    has_any = sum(hp["weighins"]) > 0 or sum(hp["weighins_diverted"]) > 0
    context.update(
        too_early=bool(row.get("too_early")),
        missing=missing_weeks(tables.weeks, month, as_of),
        needed=int(weeks_needed(row["weeks"])),
        baseline_unreliable=bool(row["g_per_person_week"] is not None
                                 and not row["baseline_reliable"]))
    bins = bin_lines(hp, sp, month, edition.baseline_months)
    labels = chart_labels()  # the page's language, for the chart and the sentences
    words = labels.words
    context.update(
        row=row, has_any=has_any, in_baseline=month <= edition.baseline_months,
        sentence=month_sentence(row, edition.baseline_months,  # `current_sentence`'s row
                                edition.target_pct, words),
        bins=bins,
        history=history,
        # beyond the peers: the pace of complete months only, the edition's reference
        # figure, the forecast of the last month (dashboards/outlook.py, on the column lists)
        **outlook(hp, sp, edition.months, edition.target_pct,
                  edition.reference_kg_year, reference_source(), words),
        diverted=[(r["stream"], r["kg"]) for r in sp.rows()
                  if r["month"] == month and not r["counted"] and r["weighins"] > 0],
        # the first screen: where the household stands, what changed most, one tip for it
        **first_screen(session, edition, row, bins, sp, labels),
        chart=embed(household_figure_spec(sp, hp, household.id, labels=labels,
                                          title=_("Your waste, month by month")),
                    "family-chart", HEIGHT_SMALL) if has_any else None)
    return context
