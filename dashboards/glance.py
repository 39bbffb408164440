"""Where a family stands, at a glance: the first screen of its progress page (pure).

* :func:`biggest_change`: the counted bin whose rate changed most against the reference,
  measured in grams per person per week (a bin of a few grams that doubles is not "what
  changed most"); its change in % beside. None without two rates to compare.
* :func:`glance_sentence`: one sentence in the words given (`SentenceWords`, French by
  default): where the household is against the final goal (the change of the month shown,
  the month's step and the goal, said in words), and the bin that changed most. Nothing is
  judged in a month too early to tell or when the month is not reliable: the sentence then
  says so.
* :func:`monthly_bins`: kilograms per bin and month (counted bins first), for the table of
  monthly totals.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .sentences import (FRENCH, MINUS, SentenceWords, _missing, format_change, format_goal,
                        goal_text, with_unit)


@dataclass(frozen=True)
class BinChange:
    stream: str
    reference: float  # g/person/week
    current: float
    change_pct: float | None  # negative: less waste

    @property
    def grams(self) -> float:
        """The change in g/person/week (negative: less waste)."""
        return self.current - self.reference


def biggest_change(lines: Iterable) -> BinChange | None:
    """The counted bin with the largest change in g/person/week (ties: the first)."""
    best = None
    for line in lines:
        if line.stream is None or not line.counted or line.reference is None \
                or line.current is None:
            continue
        change = None if line.reference <= 0 else 100.0 * (line.current / line.reference - 1)
        candidate = BinChange(line.stream, line.reference, line.current, change)
        if candidate.grams != 0 and (best is None or abs(candidate.grams) > abs(best.grams)):
            best = candidate
    return best


def glance_sentence(row: Mapping, goal_pct: float, biggest: BinChange | None,
                    labels: Mapping[str, str], baseline_months: int = 1,
                    words: SentenceWords = FRENCH) -> str:
    """Where the household stands against the final goal, and what changed most, in the
    words given (French by default); `labels` name the bins in the same language."""
    goal = format_goal(goal_pct, words)
    aim = words.glance_goal % {"goal": goal}
    if int(row["month"]) <= baseline_months:
        return f"{words.glance_reference} {aim}"
    if bool(row.get("too_early")):  # the page's next sentence says what was weighed so far
        return aim
    if _missing(row.get("reduction_pct")):
        return f"{words.glance_no_figure} {aim}"
    figures = {"change": format_change(row["reduction_pct"], 0, words),
               "step": format_change(row["target_pct"], 0, words), "goal": goal}
    if _missing(row.get("on_track")):
        where = words.glance_unconfirmed % figures
    elif bool(row["on_track"]):
        reached = float(row["reduction_pct"]) >= float(goal_pct) - 1e-9
        where = (words.glance_reached if reached else words.glance_on_track) % figures
    else:
        where = words.glance_behind % figures
    if biggest is None:
        return where
    label = str(labels.get(biggest.stream, biggest.stream)).lower()
    pct = ("" if biggest.change_pct is None
           else f", {format_change(-biggest.change_pct, 0, words)}")
    what = words.glance_less if biggest.grams < 0 else words.glance_more
    return where + " " + what % {"bin": label, "grams": with_unit(abs(biggest.grams), "g", words),
                                 "change": pct}


def monthly_bins(streams: pd.DataFrame | Mapping[str, list],
                 counted_first: bool = True) -> list[dict]:
    """Per month: ``{"month", "bins": {stream: kg or None}, "total": counted kg or None}``.

    `streams` is a frame or one household's table as column lists
    (`dashboards.household.Columns`, the family page: no pandas)."""
    if not isinstance(streams, pd.DataFrame):
        return _monthly_bins_rows(streams, counted_first)
    if streams.empty:
        return []
    order = list(dict.fromkeys(streams.sort_values("counted", ascending=False, kind="stable")
                               ["stream"].tolist() if counted_first
                               else streams["stream"].tolist()))
    rows = []
    for month, part in streams.groupby("month", sort=True):
        kg = {s: (float(k) if n > 0 else None)
              for s, k, n in zip(part["stream"], part["kg"], part["weighins"])}
        counted = part[part["counted"] & (part["weighins"] > 0)]
        rows.append({"month": int(month), "bins": {s: kg.get(s) for s in order},
                     "total": float(counted["kg"].sum()) if len(counted) else None})
    return rows


def _monthly_bins_rows(streams: Mapping[str, list], counted_first: bool) -> list[dict]:
    """`monthly_bins` of column lists: the same order, the same sums (numpy's, as pandas: its
    order of additions is not `sum`'s)."""
    names = streams["stream"]
    if not len(names):
        return []
    counted = [bool(c) for c in streams["counted"]]
    if counted_first:  # a stable sort on `counted`, descending
        names_order = [s for c, s in zip(counted, names) if c] + \
            [s for c, s in zip(counted, names) if not c]
    else:
        names_order = list(names)
    order = list(dict.fromkeys(names_order))
    by_month: dict[int, list[int]] = {}
    for i, month in enumerate(streams["month"]):
        by_month.setdefault(month, []).append(i)
    kgs, ns = streams["kg"], streams["weighins"]
    rows = []
    for month in sorted(by_month):
        part = by_month[month]
        kg = {names[i]: (float(kgs[i]) if ns[i] > 0 else None) for i in part}
        summed = [kgs[i] for i in part if counted[i] and ns[i] > 0]
        total = float(np.sum(np.asarray(summed, dtype=float))) if summed else None
        rows.append({"month": int(month), "bins": {s: kg.get(s) for s in order},
                     "total": total})
    return rows


__all__ = ["BinChange", "biggest_change", "glance_sentence", "monthly_bins", "goal_text",
           "MINUS"]
