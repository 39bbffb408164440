"""The one-household fast path (dashboards/household.py) against the pandas method: every
field of every row, bit for bit, over random households."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboards.household import absence_ranges, household_tables, size_segments
from dashboards.method import (PROGRESS_COLUMNS, PROGRESS_EXTRA_COLUMNS, WEEK_COLUMNS,
                               EditionParams, progress_tables, week_coverage)

from .test_coverage import coverage_scenarios
from .test_properties import SETTINGS

D = dt.date


def cell(v):
    """A frame cell as (type, value): NaN / NA as None, numpy scalars as Python ones."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    return (type(v).__name__, v)


def frame_rows(df: pd.DataFrame) -> list[dict]:
    return [{c: cell(v) for c, v in zip(df.columns, row)}
            for row in zip(*(list(df[c]) for c in df.columns))]


def fast_rows(table) -> list[dict]:
    return [{c: cell(v) for c, v in row.items()} for row in table.rows()]


def one_household(case, household_id):
    """The pandas method's tables for one household (what the page computed before) and the
    fast path's, from the same rows."""
    w, sizes, hh, params, as_of, absences, accepted = case
    w = w[w["household_id"] == household_id]
    sizes = sizes[sizes["household_id"] == household_id]
    hh = hh[hh["household_id"] == household_id]
    absences = absences[absences["household_id"] == household_id]
    accepted = accepted[accepted["household_id"] == household_id]
    hp, sp, _ = progress_tables(w, sizes, hh, params, as_of, with_cohort=False,
                                absences=absences, accepted=accepted)
    weeks = week_coverage(w, sizes, hh, params, as_of, absences=absences)
    joined = hh["joined_on"].iloc[0] if "joined_on" in hh.columns else None
    fast = household_tables(
        params, as_of, household_id, hh["name"].iloc[0],
        sizes=list(zip(sizes["persons"], sizes["valid_from"])),
        weighins=list(zip(w["measured_at"].astype("int64") // 1_000_000, w["stream"],
                          w["weight_g"], w["status"])),
        absences=list(zip(absences["date_from"], absences["date_to"])),
        accepted=accepted["month"].tolist(),
        joined_on=None if joined is None or pd.isna(joined) else joined)
    return (hp, sp, weeks), fast


def assert_identical(case):
    for household_id in case[2]["household_id"]:
        (hp, sp, weeks), fast = one_household(case, household_id)
        assert list(fast.progress) == PROGRESS_COLUMNS + PROGRESS_EXTRA_COLUMNS == list(hp)
        assert list(fast.streams) == list(sp.columns)
        assert list(fast.weeks) == WEEK_COLUMNS == list(weeks.columns)
        for mine, theirs in ((fast.progress, hp), (fast.streams, sp), (fast.weeks, weeks)):
            expected = frame_rows(theirs)
            got = fast_rows(mine)
            assert len(got) == len(expected)
            for g, e in zip(got, expected):
                assert g == e, {k: (g[k], e[k]) for k in g if g[k] != e[k]}


@SETTINGS
@given(coverage_scenarios())
def test_every_field_is_the_pandas_methods(case):
    assert_identical(case)


@SETTINGS
@given(coverage_scenarios(), st.integers(0, 3), st.sampled_from([0, 1, 5, 10]))
def test_with_many_weighins_and_a_size_change_on_the_same_date(case, extra_sizes, per_day):
    """Heavier households than the scenarios draw: several weigh-ins a day in every bin
    (diverted ones too), and size entries that replace each other on one date."""
    w, sizes, hh, params, as_of, absences, accepted = case
    ids = hh["household_id"].tolist()
    start = pd.Timestamp(params.start, tz="UTC")
    rows = [(ids[0], start + pd.Timedelta(hours=7 * i), stream, 100 + 37 * i, status)
            for i, (stream, status) in enumerate(
                [("residual", "accepted"), ("glass", "accepted"), ("biowaste", "accepted"),
                 ("packaging", "flagged"), ("textile", "accepted"), ("residual", "rejected")]
                * per_day * params.months)]
    if rows:
        w = pd.concat([w, pd.DataFrame(rows, columns=list(w.columns))], ignore_index=True)
    same_day = [(ids[0], 1 + k, params.start + dt.timedelta(days=20)) for k in range(extra_sizes)]
    sizes = pd.concat([sizes, pd.DataFrame(same_day, columns=list(sizes.columns))],
                      ignore_index=True)
    assert_identical((w, sizes, hh, params, as_of, absences, accepted))


def test_before_the_start_every_table_is_empty():
    params = EditionParams(start=D(2026, 3, 1))
    fast = household_tables(params, D(2026, 2, 27), 1, "Martin", [(2, D(2026, 3, 1))], [])
    assert len(fast.progress) == len(fast.streams) == len(fast.weeks) == 0
    assert fast.progress.rows() == []


def test_a_household_without_size_has_no_data():
    params = EditionParams(start=D(2026, 3, 1))
    ms = int(pd.Timestamp("2026-03-03T10:00Z").value // 1_000_000)
    fast = household_tables(params, D(2026, 3, 20), 1, "Martin", [],
                            [(ms, "residual", 1200, "accepted")])
    row = fast.progress.rows()[0]
    assert (row["weighins"], row["person_days"], row["g_per_person_week"]) == (1, 0, None)


def test_segments_and_ranges():
    assert size_segments([(2, D(2026, 3, 1)), (4, D(2026, 3, 10)), (3, D(2026, 3, 10))]) == [
        (-(2 ** 61), D(2026, 3, 10).toordinal() - D(1970, 1, 1).toordinal(), 2),
        (D(2026, 3, 10).toordinal() - D(1970, 1, 1).toordinal(), 2 ** 61, 3)]
    day = D(2026, 3, 1).toordinal() - D(1970, 1, 1).toordinal()
    assert absence_ranges([(D(2026, 3, 1), D(2026, 3, 3)), (D(2026, 3, 4), D(2026, 3, 5)),
                           (D(2026, 3, 9), D(2026, 3, 8))]) == [(day, day + 5)]


def test_a_known_household_reads_as_the_method_says():
    """Hand-computed: 2 persons, 3 weeks of March weighed, away 10 days in April."""
    params = EditionParams(start=D(2026, 3, 1))

    def at(d, stream="residual", grams=1400):
        return (int(pd.Timestamp(f"{d}T10:00Z").value // 1_000_000), stream, grams, "accepted")

    w = [at("2026-03-02"), at("2026-03-09"), at("2026-03-16"), at("2026-04-02", grams=700),
         at("2026-04-20", grams=700), at("2026-04-25", "biowaste", 500)]
    fast = household_tables(params, D(2026, 4, 30), 1, "Martin", [(2, D(2026, 3, 1))], w,
                             absences=[(D(2026, 4, 5), D(2026, 4, 14))])
    march, april = fast.progress.rows()
    assert march["g_per_person_week"] == pytest.approx(4200 / 62 * 7)
    assert (march["weeks"], march["weeks_covered"], march["reliable"]) == (4, 3, True)
    assert april["absent_days"] == 10 and april["person_days"] == 2 * 20
    assert april["weeks_covered"] == 3  # weeks 1 and 3 weighed... and week 2 away
    assert april["reduction_pct"] == pytest.approx(100 * (1 - (1400 / 40) / (4200 / 62)))
    assert april["diverted_kg"] == 0.5 and april["weighins_diverted"] == 1


@pytest.mark.parametrize("first,last,covered", [
    (D(2026, 3, 27), D(2026, 3, 31), True),   # 5 of the 10 dates of days 22-31: half
    (D(2026, 3, 28), D(2026, 3, 31), False),  # 4 of 10
    (D(2026, 3, 12), D(2026, 3, 15), False),  # days 12-14 of block 2 (3 of 7) + day 15 of 3
    (D(2026, 3, 11), D(2026, 3, 15), True),   # days 11-14 of block 2 (4 of 7)
])
def test_a_block_half_away_is_covered_as_in_the_pandas_method(first, last, covered):
    params = EditionParams(start=D(2026, 3, 1))
    w = pd.DataFrame({"household_id": [1], "stream": ["residual"], "weight_g": [900],
                      "measured_at": pd.to_datetime(["2026-03-02T10:00Z"], utc=True),
                      "status": ["accepted"]})
    case = (w, pd.DataFrame({"household_id": [1], "persons": [3], "valid_from": [D(2026, 3, 1)]}),
            pd.DataFrame({"household_id": [1], "name": ["Martin"]}), params, D(2026, 4, 2),
            pd.DataFrame({"household_id": [1], "date_from": [first], "date_to": [last]}),
            pd.DataFrame({"household_id": pd.Series([], dtype="int64"),
                          "month": pd.Series([], dtype="int64")}))
    assert_identical(case)
    _, fast = one_household(case, 1)
    blocks = [r for r in fast.weeks.rows() if r["month"] == 1]
    assert any(r["covered"] for r in blocks[1:]) == covered
