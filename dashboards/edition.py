"""An edition's parameters and its calendar: challenge months and the target path."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

DEFAULT_COUNTED = ("residual", "packaging", "glass")


@dataclass(frozen=True)
class EditionParams:
    """The parameters of one edition that the method needs."""

    start: dt.date
    months: int = 8
    baseline_months: int = 1
    target_pct: float = 20.0
    counted_streams: tuple[str, ...] = DEFAULT_COUNTED
    timezone: str = "Europe/Paris"

    def __post_init__(self):
        if isinstance(self.start, dt.datetime) or not isinstance(self.start, dt.date):
            raise TypeError("start must be a datetime.date")
        if self.months < 2 or not 1 <= self.baseline_months < self.months:
            raise ValueError("need months >= 2 and 1 <= baseline_months < months")
        if not self.counted_streams:
            raise ValueError("counted_streams must not be empty")
        object.__setattr__(self, "counted_streams", tuple(self.counted_streams))
        ZoneInfo(self.timezone)  # raises on an unknown zone


@lru_cache(maxsize=256)
def month_dates(params: EditionParams) -> tuple[tuple[int, dt.date, dt.date], ...]:
    """``(month, month_start, month_end)`` of every challenge month (cached: pages ask often)."""
    return tuple((k, params.start + relativedelta(months=k - 1),
                  params.start + relativedelta(months=k)) for k in range(1, params.months + 1))


def month_bounds(params: EditionParams) -> pd.DataFrame:
    """The challenge months: ``month``, ``month_start``, ``month_end`` (exclusive), as dates."""
    months, starts, ends = zip(*month_dates(params))
    return pd.DataFrame({"month": list(months), "month_start": list(starts),
                         "month_end": list(ends)})


def target_path(params: EditionParams) -> np.ndarray:
    """target_k for k = 1..months: target × (k − b)/(months − b), floored at 0."""
    k = np.arange(1, params.months + 1, dtype=float)
    b = params.baseline_months
    return np.maximum(0.0, params.target_pct * (k - b) / (params.months - b))


def current_month(params: EditionParams, as_of: dt.date) -> int | None:
    """The challenge month ``as_of`` falls in, or None before the start / after the end."""
    for month, start, end in month_dates(params):
        if start <= as_of < end:
            return month
    return None
