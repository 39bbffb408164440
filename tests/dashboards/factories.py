"""Small builders of the input frames of dashboards.method, as the tracker would load them."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.method import EditionParams

MARCH = EditionParams(start=dt.date(2026, 3, 1))


def weighins(rows) -> pd.DataFrame:
    """rows: (household_id, ISO instant with offset, stream, weight_g[, status])."""
    rows = [tuple(r) + ("accepted",) * (5 - len(r)) for r in rows]
    df = pd.DataFrame(rows, columns=["household_id", "measured_at", "stream", "weight_g",
                                     "status"])
    df["measured_at"] = pd.to_datetime(df["measured_at"], utc=True)
    df["household_id"] = df["household_id"].astype("int64")
    df["weight_g"] = df["weight_g"].astype("int64")
    return df


def sizes(rows) -> pd.DataFrame:
    """rows: (household_id, persons, valid_from date)."""
    return pd.DataFrame(list(rows), columns=["household_id", "persons", "valid_from"])


def households(rows) -> pd.DataFrame:
    """rows: (household_id, name[, joined_on])."""
    rows = list(rows)
    if any(len(r) == 3 for r in rows):
        rows = [tuple(r) + (None,) * (3 - len(r)) for r in rows]
        return pd.DataFrame(rows, columns=["household_id", "name", "joined_on"])
    return pd.DataFrame(rows, columns=["household_id", "name"])


def noon(d: dt.date, hh_id: int, stream: str, grams: int, status: str = "accepted"):
    """A weigh-in at local noon (Paris, summer or winter alike: 10:00Z is noon or 11:00)."""
    return (hh_id, f"{d.isoformat()}T10:00:00Z", stream, grams, status)


def row(df: pd.DataFrame, household_id: int, month: int) -> pd.Series:
    """The single progress row of one household and month."""
    sel = df[(df["household_id"] == household_id) & (df["month"] == month)]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def accepted(household_ids, months: int = 8) -> pd.DataFrame:
    """Every month of these households accepted by staff: for tests of the rate arithmetic
    with a weigh-in or two per month, where coverage is not the point."""
    ids = list(household_ids)
    return pd.DataFrame({"household_id": [h for h in ids for _ in range(months)],
                         "month": [k for _ in ids for k in range(1, months + 1)]})
