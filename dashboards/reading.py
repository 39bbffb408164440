"""The method's tables as people read them (DESIGN.md "How figures read").

The tables of :mod:`dashboards.method` are a contract for tools (``reduction_pct`` positive for
less waste, the month in progress with its figures). Pages, reports and charts read them as the
**change in waste** against the reference month, and say nothing of a month that is too early
to tell. These helpers give the page-side view, pure and small:

* :func:`too_early_months`: the months in progress with fewer than ``TOO_EARLY_DAYS`` dates.
* :func:`cohort_as_read`: the cohort table with those months blanked (no reduction, median or
  households at target: no figure before the first week is over).
* :func:`household_as_read`: the same for one household's rows (reduction and verdict empty).
* :func:`change_labels`: the text of each change (``−12,0 %``, ``−12.0%`` in English), for
  hover labels: the browser's number formatting would print a hyphen for the minus.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .sentences import FRENCH, SentenceWords, format_change


def too_early_months(households: pd.DataFrame) -> set[int]:
    """Months flagged ``too_early`` in a household progress table (the same for every row)."""
    if "too_early" not in households.columns or households.empty:
        return set()
    early = households["too_early"].fillna(False).astype(bool)
    return {int(m) for m in households.loc[early, "month"].unique()}


def cohort_as_read(cohort: pd.DataFrame, early: set[int]) -> pd.DataFrame:
    """The cohort table with the too-early months' figures blanked (counts of households at
    target and judged set to 0: nobody is judged yet)."""
    out = cohort.copy()
    if not early or out.empty:
        return out
    mask = out["month"].isin(early)
    for column in ("reduction_pct", "median_reduction_pct"):
        out[column] = out[column].astype(float).mask(mask)
    for column in ("n_at_target", "n_with_data"):
        if column in out.columns:
            out.loc[mask, column] = 0
    return out


def household_as_read(rows: pd.DataFrame) -> pd.DataFrame:
    """One or more households' rows with a too-early month's reduction and verdict empty."""
    out = rows.copy()
    if "too_early" not in out.columns or out.empty:
        return out
    mask = out["too_early"].fillna(False).astype(bool)
    out["reduction_pct"] = out["reduction_pct"].astype(float).mask(mask)
    out["on_track"] = out["on_track"].astype("boolean").mask(mask)
    return out


def change_labels(reduction_pct, decimals: int = 1, words: SentenceWords = FRENCH) -> list[str]:
    """``−12,0 %`` for a reduction of 12 (``""`` where there is none), as every page writes."""
    return ["" if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA
            else format_change(float(v), decimals, words)
            for v in np.asarray(reduction_pct, dtype=object)]
