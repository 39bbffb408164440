"""Beyond the peers: a household's yearly pace, a reference figure, a forecast (pure).

Documented choices (DESIGN.md is silent):

* **Yearly pace** (kg per person per year) is computed from **complete months only**: the
  latest complete month with data, g/person/week × 52.18 / 1000. A month in progress is a few
  bins over a few days: projected over a year it read "801 kg par personne et par an" on the
  2nd of a month. Before the first month is over, nothing is projected.
* **Reference figure**: the edition's ``reference_kg_year`` (default 254 kg of residual
  household waste per inhabitant per year, ADEME MODECOM 2017, see docs/dashboards.md) is
  compared with the household's **residual bin** over the same complete month (same unit: kg
  per person per year). No comparison without a residual rate or without a figure.
* **Forecast of the last month**: a least-squares line through the rates (g/person/week) of
  the complete, reliable months with data (the reference month included: it is the start of
  the trend), read at the edition's last month. Its uncertainty is the residual spread of the
  fit, ``sqrt(Σ residual² / (n − 2))``, given as a range of ± one spread around the forecast
  rate (floored at 0). Fewer than 3 such months: no forecast (two points always fit a line).
  None once the last month is complete (its figure is known). The forecast is turned into a
  change against the reference rate, as every page reads a figure.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .method import WEEKS_PER_YEAR
from .sentences import FRENCH, SentenceWords, _missing, format_change, format_goal, with_unit

MIN_FORECAST_MONTHS = 3


def kg_per_year(g_per_person_week: float | None) -> float | None:
    """kg per person per year at a weekly rate (the method's 52.18 weeks)."""
    if g_per_person_week is None or _missing(g_per_person_week):
        return None
    return float(g_per_person_week) * WEEKS_PER_YEAR / 1000.0


def last_complete(rows: pd.DataFrame) -> dict | None:
    """The latest complete month of one household that has a rate, as a dict (or None)."""
    done = rows[rows["complete"].astype(bool) & rows["g_per_person_week"].notna()]
    if done.empty:
        return None
    row = done.loc[done["month"].idxmax()]
    return {k: (None if _missing(v) else v) for k, v in row.items()}


def residual_pace(streams: pd.DataFrame, month: int, stream: str = "residual") -> float | None:
    """kg per person per year of one bin in `month` (None without its weigh-ins)."""
    rows = streams[(streams["month"] == month) & (streams["stream"] == stream)
                   & (streams["weighins"] > 0)]
    return kg_per_year(rows["g_per_person_week"].iloc[0]) if len(rows) else None


@dataclass(frozen=True)
class Forecast:
    month: int            # the month forecast (the edition's last)
    rate: float           # g/person/week
    spread: float         # residual spread of the fit, g/person/week
    baseline: float       # the reference rate, g/person/week
    months_used: int

    @property
    def low(self) -> float:
        return max(0.0, self.rate - self.spread)

    @property
    def high(self) -> float:
        return max(0.0, self.rate + self.spread)

    def reduction(self, rate: float) -> float:
        """The method's reduction (positive: less waste) at a rate."""
        return 100.0 * (1.0 - rate / self.baseline)


def forecast(rows: pd.DataFrame, last_month: int) -> Forecast | None:
    """The rate of `last_month` on the line through the complete reliable months (see above)."""
    if rows.empty:
        return None
    baseline = rows["baseline_g_per_person_week"].dropna()
    if baseline.empty or float(baseline.iloc[0]) <= 0:
        return None
    done = rows[rows["complete"].astype(bool)]
    if bool(done["month"].eq(last_month).any()):
        return None
    reliable = done["reliable"].astype("boolean").fillna(False).astype(bool) \
        if "reliable" in done.columns else pd.Series(True, index=done.index)
    points = done[done["g_per_person_week"].notna() & reliable]
    n = len(points)
    if n < MIN_FORECAST_MONTHS:
        return None
    x = points["month"].to_numpy(dtype=float)
    y = points["g_per_person_week"].to_numpy(dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    residuals = y - (slope * x + intercept)
    spread = math.sqrt(float(np.sum(residuals ** 2)) / (n - 2))
    rate = max(0.0, float(slope * last_month + intercept))
    return Forecast(last_month, rate, spread, float(baseline.iloc[0]), n)


def forecast_sentence(f: Forecast | None, goal_pct: float,
                      words: SentenceWords = FRENCH) -> str | None:
    """The forecast in plain words (French by default), with its range and the final goal;
    None without one."""
    if f is None:
        return None
    centre = format_change(f.reduction(f.rate), 0, words)
    # the lower rate is the larger reduction: "entre −25 % et −11 %"
    less = format_change(f.reduction(f.low), 0, words)
    more = format_change(f.reduction(f.high), 0, words)
    span = " " + words.forecast_range % {"low": less, "high": more} if less != more else ""
    return words.forecast % {"n": f.months_used, "month": f.month, "change": centre,
                             "range": span, "goal": format_goal(goal_pct, words)}


def reference_sentence(month: int, pace_kg: float | None, residual_kg: float | None,
                       reference_kg: float | None, source: str,
                       words: SentenceWords = FRENCH) -> str | None:
    """The yearly pace of the last complete month, and the residual bin beside the figure."""
    if pace_kg is None:
        return None
    text = words.pace % {"month": month, "kg": with_unit(pace_kg, "kg", words)}
    if residual_kg is not None and reference_kg is not None and not _missing(reference_kg):
        text += " " + words.pace_residual % {
            "kg": with_unit(residual_kg, "kg", words),
            "reference": with_unit(reference_kg, "kg", words), "source": source}
    return text


# ------------------------------------------------- the same on plain rows (one household)
# The family page's path (`dashboards.household.Columns`: column name → list): the same
# selections and the same arithmetic as the frame functions above, without pandas' fixed costs
# (those were a third of the page's time). tests/web/test_progress_fast_path.py compares the
# page's context with the one built from the method's frames.


def _last_complete_rows(rows: Mapping[str, list]) -> dict | None:
    """`last_complete` of a column mapping: the first row with the highest complete month."""
    best = None
    for i, (month, complete, rate) in enumerate(zip(rows["month"], rows["complete"],
                                                    rows["g_per_person_week"])):
        if complete and not _missing(rate) and (best is None or month > rows["month"][best]):
            best = i
    if best is None:
        return None
    return {k: (None if _missing(v[best]) else v[best]) for k, v in rows.items()}


def _residual_pace_rows(streams: Mapping[str, list], month: int,
                        stream: str = "residual") -> float | None:
    """`residual_pace` of a column mapping."""
    for m, s, n, rate in zip(streams["month"], streams["stream"], streams["weighins"],
                             streams["g_per_person_week"]):
        if m == month and s == stream and n > 0:
            return kg_per_year(rate)
    return None


def _forecast_rows(rows: Mapping[str, list], last_month: int) -> Forecast | None:
    """`forecast` of a column mapping (the same points in the same order: the same fit)."""
    if not len(rows["month"]):
        return None
    baseline = next((b for b in rows["baseline_g_per_person_week"] if not _missing(b)), None)
    if baseline is None or float(baseline) <= 0:
        return None
    done = [i for i, c in enumerate(rows["complete"]) if c]
    if any(rows["month"][i] == last_month for i in done):
        return None
    reliable = rows["reliable"] if "reliable" in rows else None
    points = [i for i in done if not _missing(rows["g_per_person_week"][i])
              and (reliable is None or (reliable[i] is not None and bool(reliable[i])))]
    n = len(points)
    if n < MIN_FORECAST_MONTHS:
        return None
    x = np.array([rows["month"][i] for i in points], dtype=float)
    y = np.array([rows["g_per_person_week"][i] for i in points], dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    residuals = y - (slope * x + intercept)
    spread = math.sqrt(float(np.sum(residuals ** 2)) / (n - 2))
    rate = max(0.0, float(slope * last_month + intercept))
    return Forecast(last_month, rate, spread, float(baseline), n)


def outlook(rows: pd.DataFrame | Mapping[str, list], streams: pd.DataFrame | Mapping[str, list],
            last_month: int, goal_pct: float, reference_kg: float | None, source: str,
            words: SentenceWords = FRENCH) -> dict:
    """What the progress page shows beyond the peers, for one household's frames (or its
    tables as column lists, `dashboards.household.Columns`)."""
    frames = isinstance(rows, pd.DataFrame)
    done: Mapping | None = last_complete(rows) if frames else _last_complete_rows(rows)
    pace = reference = None
    if done is not None:
        month = int(done["month"])
        pace_kg = kg_per_year(done["g_per_person_week"])
        residual = (residual_pace(streams, month) if isinstance(streams, pd.DataFrame)
                    else _residual_pace_rows(streams, month))
        reference = reference_sentence(month, pace_kg, residual, reference_kg, source, words)
        pace = pace_kg
    ahead = forecast(rows, last_month) if frames else _forecast_rows(rows, last_month)
    return {"pace_kg": pace, "pace_month": None if done is None else int(done["month"]),
            "reference_sentence": reference,
            "forecast_sentence": forecast_sentence(ahead, goal_pct, words)}
