"""The normative progress method of the défi, as pure DataFrame -> DataFrame functions.

This module implements "The progress method (normative)" of DESIGN.md. It imports neither
Flask, SQLAlchemy, paho nor ``tracker``: the tracker loads database rows into the DataFrames
below and calls these functions; it renders what comes back.

Input contract
--------------
``params``: :class:`EditionParams` (start date, months, baseline months, target %, counted
streams, time zone).

``weighins``: one row per weigh-in, columns
    ``household_id`` (int), ``measured_at`` (tz-aware ``datetime64[ns, UTC]``; naive values
    are taken as UTC, strings are parsed as UTC), ``stream`` (str), ``weight_g`` (int),
    ``status`` (str: ``accepted`` | ``flagged`` | ``rejected``).
    Only ``accepted`` rows count; flagged and rejected ones are only counted (columns
    ``flagged`` and ``rejected``). Rows of households absent from ``households`` are ignored.

``sizes``: household size history, columns ``household_id`` (int), ``persons`` (int),
    ``valid_from`` (``datetime.date`` or ``datetime64``): the size applies from that local date
    on, until the household's next entry. Before a household's first entry its first entry
    applies. Two entries on the same date: the later row wins. A household without any entry
    has no person-days, hence no data (a warning is logged).

``households``: columns ``household_id`` (int), ``name`` (str) and optionally ``joined_on``
    (date, empty = from the start). It defines the set of households reported.

``as_of``: a local ``datetime.date``, "today".

``absences`` (optional): columns ``household_id`` (int), ``date_from``, ``date_to`` (local
    dates, both included): the whole household away. Ranges may overlap (each date counts once).

``accepted`` (optional): columns ``household_id`` (int), ``month`` (int): household-months
    staff accepted as reliable.

``cells`` (optional): the weigh-ins of the months that are over, already summed per household
    × month (the tracker's monthly aggregates), columns ``household_id``, ``month``
    (1..months), ``grams`` (Σ weight_g of the accepted weigh-ins of counted streams),
    ``w1``..``w4`` (those weigh-ins in week blocks 1..4), ``diverted_grams`` and ``diverted``
    (the same of the other streams), ``flagged``, ``rejected``. When given, every month whose
    last date is ``<= as_of`` is read from ``cells`` and raw ``weighins`` dated in those months
    are ignored (raw rows then stand for the month in progress only); cells of other months
    are ignored. The figures are identical to the raw rows' (grams are integers, so their
    float sums are exact). Not with ``joined_on`` (a cell cannot be cut at a date), and not for
    the per-stream table (cells have no bins).

Coverage and absences (DESIGN.md "Coverage and absences")
---------------------------------------------------------
* Absent dates count 0 person-days; weigh-ins on them still count. ``absent_days`` = absent
  dates among the dates the month counts (from ``joined_on``, up to ``as_of``), so
  ``person_days`` = Σ persons over the counted dates that are not absent. A month wholly absent
  has 0 person-days, hence no data, whatever was weighed.
* Month k is cut into 4 week blocks from its first date: days 1-7, 8-14, 15-21, 22 to the end
  (7 to 10 days). A block has started when its first date is ``<= as_of``; a block whose dates
  are all before ``joined_on`` is never started for that household (it was not in the défi).
* A block is covered when it holds an accepted weigh-in of a counted stream that the month
  counts (dated ``<= as_of``, from ``joined_on``), or when at least half of *all* its dates
  (``2 × absent >= length``) are declared absent: an absence declared ahead covers the week
  it starts, as the family told us in advance.
* ``weeks`` = started blocks, ``weeks_covered`` = covered ones among them; ``reliable`` =
  ``weeks_covered >= ceil(0.75 × weeks)`` or staff accepted the month; empty when the rate is.
* The baseline is trusted (``baseline_reliable``) when every baseline month that has data is
  reliable (a baseline month without data is skipped, as for the baseline itself).
* ``on_track`` is empty unless the month is reliable and the baseline trusted; ``in_cohort``
  (reduction present, month reliable, baseline trusted) selects the rows of the cohort
  figures. The cohort's ``n_unreliable`` counts the households with a reduction left out.
* Rate and reduction are computed and shown whatever the coverage.

Too early to tell
-----------------
* A month in progress with fewer than ``TOO_EARLY_DAYS`` (7) elapsed dates (``as_of``
  included) is ``too_early``: a rate over a day or two swings with a single bin (+43 % on
  the 2nd). The table keeps its figures (exports are a contract), but pages show the
  weigh-ins so far and no percentage, no projection per year and no verdict for it.

Documented choices (where DESIGN.md is silent)
----------------------------------------------
* Month k covers local dates ``[start + (k-1) months, start + k months)``, each bound computed
  from the start (dateutil ``relativedelta`` semantics: Jan 31 + 1 month = Feb 28/29, + 2
  months = Mar 31), never chained. A weigh-in belongs to the month of its local date in the
  edition time zone (DST handled by the tz database).
* ``as_of`` is inclusive for data: weigh-ins dated up to and including ``as_of`` count and the
  person-days of the month in progress run up to and including ``as_of``, so an in-progress
  month's rate is "grams so far / person-days so far" and comparable with complete months.
  Weigh-ins dated after ``as_of`` are ignored (exports are reproducible).
* Months reported: those with ``month_start <= as_of``. A month is ``complete`` when
  ``month_end <= as_of`` (``month_end`` exclusive): its last day is over, ``as_of`` itself
  being the day still in progress.
* Late joiners (``joined_on``): person-days count from ``joined_on``; weigh-ins dated before
  ``joined_on`` are ignored; months entirely before ``joined_on`` have 0 person-days and no
  data (never zero).
* ``weighins`` = number of accepted weigh-ins of counted streams (the ones behind
  ``counted_kg``); ``weighins == 0`` <=> no data. ``counted_kg`` is empty when there is no data.
* Baseline = Σ grams / Σ person-days × 7 over the baseline months that have data (a baseline
  month without weigh-ins is skipped, not taken as zero). It is computed from what is there,
  even while the baseline month is still in progress.
* Reduction for the baseline month is exactly 0 when ``baseline_months == 1``; with more
  baseline months each is compared to the pooled baseline and its target is 0.
* On track: ``reduction_pct >= target_pct - 1e-9`` on unrounded values (the tolerance absorbs
  float noise, so a rate of exactly 80 % of the baseline meets a 20 % target).
* Cohort weights: "persons" of a household in month k is its person-days-weighted mean size
  over the days counted in month k (``person_days / days``). Then Σ rate_k × persons is the
  household's grams per week, and the cohort reduction compares the cohort's weekly waste with
  what it would be at baseline rates.
* kg per person per year = g/person/week × 52.18 / 1000.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .edition import (  # noqa: F401  (re-exported: the method's public names)
    DEFAULT_COUNTED,
    EditionParams,
    current_month,
    month_bounds,
    target_path,
)
from .grid import Grid, local_days  # noqa: F401

WEEKS_PER_YEAR = 52.18
#: Fewer elapsed dates than this in the month in progress: too early to tell (see above).
TOO_EARLY_DAYS = 7
ON_TRACK_TOLERANCE = 1e-9

PROGRESS_COLUMNS = [
    "household", "month", "month_start", "month_end", "complete", "weighins", "counted_kg",
    "person_days", "g_per_person_week", "reduction_pct", "target_pct", "on_track",
    "absent_days", "weeks_covered", "weeks", "reliable",
]
PROGRESS_EXTRA_COLUMNS = [
    "household_id", "baseline_month", "days", "persons", "baseline_g_per_person_week",
    "kg_per_person_year", "diverted_kg", "weighins_diverted", "flagged", "rejected",
    "accepted", "baseline_reliable", "in_cohort", "too_early",
]
WEEK_COLUMNS = ["household_id", "household", "month", "week", "week_start", "week_end",
                "weighins", "absent_dates", "covered"]


def weeks_needed(weeks):
    """ceil(0.75 × weeks), in integers (3 of 4, 2 of 2, 1 of 1)."""
    return -(-3 * np.asarray(weeks, dtype=np.int64) // 4)


def _progress_from_grid(g: Grid) -> pd.DataFrame:
    """The household × month progress table from a prepared grid."""
    p = g.params
    H, M = g.H, g.M
    acc_c = g.accepted & g.counted
    acc_d = g.accepted & ~g.counted
    n = g.count(acc_c).astype(np.int64)
    grams = g.count(acc_c, g.grams)
    pdays = g.person_days
    has = (n > 0) & (pdays > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(has, grams / pdays * 7.0, np.nan)
    b = min(p.baseline_months, M)
    g2, pd2, has2 = grams.reshape(H, M), pdays.reshape(H, M), has.reshape(H, M)
    bg = np.where(has2[:, :b], g2[:, :b], 0.0).sum(axis=1)
    bpd = np.where(has2[:, :b], pd2[:, :b], 0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        baseline = np.where((bpd > 0) & (bg > 0), bg / bpd * 7.0, np.nan)
    base_cell = np.repeat(baseline, M)
    with np.errstate(divide="ignore", invalid="ignore"):
        red = 100.0 * (1.0 - rate / base_cell)
    red = np.where(np.isfinite(red), red, np.nan)
    month = np.tile(np.arange(1, M + 1), H)
    if p.baseline_months == 1:
        red = np.where((month == 1) & ~np.isnan(red), 0.0, red)
    target = target_path(p)[month - 1] if M else np.zeros(0)
    reliable_b = (g.weeks_covered >= weeks_needed(g.weeks)) | g.staff_accepted
    # the baseline is trusted when each of its months that has data is reliable
    base_ok = (reliable_b.reshape(H, M)[:, :b] | ~has2[:, :b]).all(axis=1)
    base_ok_cell = np.repeat(base_ok, M)
    trusted = reliable_b & base_ok_cell
    on_track = pd.array(red >= target - ON_TRACK_TOLERANCE, dtype="boolean")
    on_track[np.isnan(red) | ~trusted] = pd.NA
    reliable = pd.array(reliable_b, dtype="boolean")
    reliable[~has] = pd.NA
    days = g.days
    with np.errstate(divide="ignore", invalid="ignore"):
        persons = np.where(days > 0, pdays / np.where(days > 0, days, 1), np.nan)
    cols = g.columns()
    cols.update({
        "weighins": n,
        "counted_kg": np.where(has, grams / 1000.0, np.nan),
        "person_days": pdays,
        "g_per_person_week": rate,
        "reduction_pct": red,
        "target_pct": target,
        "on_track": on_track,
        "absent_days": g.absent_days,
        "weeks_covered": g.weeks_covered,
        "weeks": g.weeks,
        "reliable": reliable,
        "household_id": np.repeat(g.ids, M),
        "baseline_month": month <= p.baseline_months,
        "days": days.astype(np.int64),
        "persons": persons,
        "baseline_g_per_person_week": base_cell,
        "kg_per_person_year": rate * WEEKS_PER_YEAR / 1000.0,
        "diverted_kg": g.count(acc_d, g.grams) / 1000.0,
        "weighins_diverted": g.count(acc_d).astype(np.int64),
        "flagged": g.count(g.flagged).astype(np.int64),
        "rejected": g.count(g.rejected).astype(np.int64),
        "accepted": g.staff_accepted,
        "baseline_reliable": base_ok_cell,
        "in_cohort": ~np.isnan(red) & trusted,
        "too_early": np.tile(np.minimum(g.me, g.asof_end) - g.ms < TOO_EARLY_DAYS, H),
    })
    return pd.DataFrame({name: cols[name] for name in PROGRESS_COLUMNS + PROGRESS_EXTRA_COLUMNS})


def household_progress(weighins: pd.DataFrame, sizes: pd.DataFrame, households: pd.DataFrame,
                       params: EditionParams, as_of: dt.date, absences=None, accepted=None,
                       cells=None) -> pd.DataFrame:
    """One row per household and started month: the Progress CSV columns, then extras."""
    return _progress_from_grid(Grid(weighins, sizes, households, params, as_of,
                                    absences, accepted, cells))


def week_coverage(weighins: pd.DataFrame, sizes: pd.DataFrame, households: pd.DataFrame,
                  params: EditionParams, as_of: dt.date, absences=None, cells=None
                  ) -> pd.DataFrame:
    """One row per household, started month and started week block: its dates (``week_end``
    exclusive), counted weigh-ins, absent dates and whether it is covered."""
    g = Grid(weighins, sizes, households, params, as_of, absences, cells=cells)
    bs, be = g.block_bounds()
    H, M = g.H, g.M
    epoch = np.datetime64("1970-01-01", "D")
    cols = {
        "household_id": np.repeat(g.ids, M * 4),
        "household": np.repeat(g.names, M * 4),
        "month": np.tile(np.repeat(g.months, 4), H),
        "week": np.tile(np.arange(1, 5), H * M),
        "week_start": np.tile(bs, H),
        "week_end": np.tile(be, H),
        "weighins": g.block_weighins,
        "absent_dates": g.block_absent,
        "covered": g.block_covered,
    }
    df = pd.DataFrame(cols)[g.block_started].reset_index(drop=True)
    for c in ("week_start", "week_end"):
        df[c] = [d.item() for d in (epoch + df[c].to_numpy().astype("timedelta64[D]"))]
    return df[WEEK_COLUMNS]


def stream_progress(weighins: pd.DataFrame, sizes: pd.DataFrame, households: pd.DataFrame,
                    params: EditionParams, as_of: dt.date) -> pd.DataFrame:
    """One row per household × started month × stream: weigh-ins, kg and rate of that bin."""
    return _streams_from_grid(Grid(weighins, sizes, households, params, as_of))


def progress_tables(weighins: pd.DataFrame, sizes: pd.DataFrame, households: pd.DataFrame,
                    params: EditionParams, as_of: dt.date, with_cohort: bool = True,
                    absences=None, accepted=None, cells=None
                    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    # ``cells`` is refused below (kept in the signature so that callers get a clear error)
    """(household_progress, stream_progress, cohort_progress) from a single pass.

    `with_cohort=False` leaves the cohort empty: a single household's page does not need it
    (it is a fifth of the page's work).
    """
    if cells is not None:
        raise ValueError("cells have no bins: the per-stream table needs raw weigh-ins")
    g = Grid(weighins, sizes, households, params, as_of, absences, accepted)
    progress = _progress_from_grid(g)
    cohort = cohort_progress(progress) if with_cohort else pd.DataFrame()
    return progress, _streams_from_grid(g), cohort


def _streams_from_grid(g: Grid) -> pd.DataFrame:
    """The household × month × stream table from a prepared grid."""
    params = g.params
    present = set(g.streams[np.unique(g.stream_code[g.accepted])]) if len(g.cell) else set()
    extra = sorted(present - set(params.counted_streams))
    streams = list(params.counted_streams) + extra
    S, HM = len(streams), g.H * g.M
    code_map = np.array([streams.index(s) if s in streams else -1 for s in g.streams], int)
    sc = code_map[g.stream_code] if len(g.stream_code) else np.zeros(0, int)
    sel = g.accepted & (sc >= 0)
    key = g.cell[sel] * S + sc[sel]
    n = np.bincount(key, weights=g.weights(sel), minlength=HM * S).astype(np.int64)
    grams = np.bincount(key, weights=g.grams[sel], minlength=HM * S)
    pdays = np.repeat(g.person_days, S)
    has = (n > 0) & (pdays > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(has, grams / pdays * 7.0, np.nan)
    cols = {k: np.repeat(v, S) for k, v in g.columns().items()}
    cols.update({
        "household_id": np.repeat(g.ids, g.M * S),
        "stream": np.tile(np.array(streams, dtype=object), HM),
        "counted": np.tile(np.array([s in params.counted_streams for s in streams]), HM),
        "weighins": n,
        "kg": grams / 1000.0,
        "person_days": pdays,
        "g_per_person_week": rate,
    })
    df = pd.DataFrame(cols)
    return df


def cohort_progress(progress: pd.DataFrame) -> pd.DataFrame:
    """Per month: weighted cohort reduction, median household reduction, households at target."""
    p = progress
    data = p["reduction_pct"].notna() & p["persons"].notna()
    both = data & p["in_cohort"] if "in_cohort" in p.columns else data
    w = p["persons"].where(both, 0.0)
    tmp = pd.DataFrame({
        "month": p["month"],
        "num": (p["g_per_person_week"] * w).where(both, 0.0),
        "den": (p["baseline_g_per_person_week"] * w).where(both, 0.0),
        "w": w,
        "both": both,
        "left_out": data & ~both,
        "reporting": p["g_per_person_week"].notna(),
        "at_target": p["on_track"].fillna(False).astype(bool),
        "red": p["reduction_pct"].where(both),
    })
    grp = tmp.groupby("month", sort=True)
    first = p.groupby("month", sort=True)[["month_start", "month_end", "complete", "target_pct"]]
    out = first.first()
    out["n_households"] = p.groupby("month", sort=True)["household"].size()
    out["n_reporting"] = grp["reporting"].sum()
    out["n_with_data"] = grp["both"].sum()
    out["n_unreliable"] = grp["left_out"].sum()
    sums = grp[["num", "den", "w"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(sums["den"] > 0, sums["num"] / sums["den"].where(sums["den"] > 0), np.nan)
        out["reduction_pct"] = 100.0 * (1.0 - ratio)
        out["g_per_person_week"] = (sums["num"] / sums["w"]).where(sums["w"] > 0)
        out["baseline_g_per_person_week"] = (sums["den"] / sums["w"]).where(sums["w"] > 0)
    out["median_reduction_pct"] = grp["red"].median()
    out["n_at_target"] = grp["at_target"].sum()
    out["kg_per_person_year"] = out["g_per_person_week"] * WEEKS_PER_YEAR / 1000.0
    out = out.reset_index()
    for c in ("n_households", "n_reporting", "n_with_data", "n_at_target", "n_unreliable"):
        out[c] = out[c].astype(np.int64)
    return out[COHORT_COLUMNS]


COHORT_COLUMNS = [
    "month", "month_start", "month_end", "complete", "target_pct", "n_households",
    "n_reporting", "n_with_data", "reduction_pct", "median_reduction_pct", "n_at_target",
    "g_per_person_week", "baseline_g_per_person_week", "kg_per_person_year", "n_unreliable",
]
