"""Hand-computed cases of the normative progress method (DESIGN.md)."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from dashboards.method import (
    PROGRESS_COLUMNS,
    EditionParams,
    current_month,
    household_progress,
    month_bounds,
    stream_progress,
    target_path,
)

from .factories import MARCH, accepted, households, noon, row, sizes, weighins

D = dt.date


def test_month_bounds_are_calendar_months_from_the_start():
    b = month_bounds(MARCH)
    assert b["month"].tolist() == list(range(1, 9))
    assert b["month_start"].tolist()[:3] == [D(2026, 3, 1), D(2026, 4, 1), D(2026, 5, 1)]
    assert b["month_end"].iloc[-1] == D(2026, 11, 1)
    assert (b["month_start"].iloc[1:].tolist() == b["month_end"].iloc[:-1].tolist())


def test_start_on_the_31st_is_relative_to_the_start_not_chained():
    b = month_bounds(EditionParams(start=D(2026, 1, 31)))
    assert b["month_start"].tolist() == [
        D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30),
        D(2026, 5, 31), D(2026, 6, 30), D(2026, 7, 31), D(2026, 8, 31)]
    assert b["month_end"].iloc[-1] == D(2026, 9, 30)
    lengths = [(e - s).days for s, e in zip(b["month_start"], b["month_end"])]
    assert lengths == [28, 31, 30, 31, 30, 31, 31, 30]


def test_start_on_the_31st_places_weighins_and_counts_days():
    p = EditionParams(start=D(2024, 1, 31))  # leap year: Jan 31 + 1 month = Feb 29
    w = weighins([noon(D(2024, 2, 28), 1, "residual", 1000),
                  noon(D(2024, 2, 29), 1, "residual", 2000),
                  noon(D(2024, 3, 30), 1, "residual", 4000),
                  noon(D(2024, 3, 31), 1, "residual", 8000)])
    df = household_progress(w, sizes([(1, 1, D(2024, 1, 1))]), households([(1, "A")]), p,
                            D(2024, 5, 1))
    assert row(df, 1, 1)["month_end"] == D(2024, 2, 29)
    assert row(df, 1, 1)["person_days"] == 29
    assert row(df, 1, 1)["counted_kg"] == 1.0
    assert row(df, 1, 2)["person_days"] == 31  # Feb 29 .. Mar 30
    assert row(df, 1, 2)["counted_kg"] == 6.0
    assert row(df, 1, 3)["counted_kg"] == 8.0


def test_target_path_default_edition():
    t = target_path(MARCH)
    assert t[0] == 0.0
    assert t[-1] == pytest.approx(20.0)
    assert t[1] == pytest.approx(20 / 7)
    assert t[4] == pytest.approx(20 * 4 / 7)


def test_target_path_is_floored_at_zero_with_two_baseline_months():
    t = target_path(EditionParams(start=D(2026, 3, 1), baseline_months=2))
    assert t[0] == 0.0 and t[1] == 0.0
    assert t[2] == pytest.approx(20 / 6)
    assert t[7] == pytest.approx(20.0)


def test_invalid_params_are_refused():
    with pytest.raises(ValueError):
        EditionParams(start=D(2026, 3, 1), months=8, baseline_months=8)
    with pytest.raises(Exception):
        EditionParams(start=D(2026, 3, 1), timezone="Mars/Olympus")
    with pytest.raises(TypeError):
        EditionParams(start=dt.datetime(2026, 3, 1))


def test_current_month():
    assert current_month(MARCH, D(2026, 2, 28)) is None
    assert current_month(MARCH, D(2026, 3, 1)) == 1
    assert current_month(MARCH, D(2026, 4, 30)) == 2
    assert current_month(MARCH, D(2026, 11, 1)) is None


def test_size_change_mid_month():
    # 2 persons, then 4 from March 16: 15 × 2 + 16 × 4 = 94 person-days in March.
    s = sizes([(1, 2, D(2026, 1, 1)), (1, 4, D(2026, 3, 16))])
    w = weighins([noon(D(2026, 3, 3), 1, "residual", 5400),
                  noon(D(2026, 3, 20), 1, "packaging", 4000),
                  noon(D(2026, 4, 10), 1, "residual", 9600)])
    df = household_progress(w, s, households([(1, "Dupont")]), MARCH, D(2026, 5, 1),
                            accepted=accepted([1]))  # coverage aside
    m1, m2 = row(df, 1, 1), row(df, 1, 2)
    assert m1["person_days"] == 94
    assert m1["counted_kg"] == 9.4
    assert m1["g_per_person_week"] == pytest.approx(700.0)  # 9400 / 94 × 7
    assert m1["persons"] == pytest.approx(94 / 31)
    assert m2["person_days"] == 120  # 30 days × 4
    assert m2["g_per_person_week"] == pytest.approx(560.0)
    assert m2["reduction_pct"] == pytest.approx(20.0)
    assert m2["kg_per_person_year"] == pytest.approx(560 * 52.18 / 1000)
    assert bool(m2["on_track"]) is True
    assert m1["reduction_pct"] == 0.0
    assert m1["target_pct"] == 0.0


def test_size_entry_after_the_start_applies_backwards_before_the_first_entry():
    s = sizes([(1, 3, D(2026, 3, 10)), (1, 5, D(2026, 4, 1))])
    w = weighins([noon(D(2026, 3, 2), 1, "residual", 930)])
    df = household_progress(w, s, households([(1, "A")]), MARCH, D(2026, 4, 5))
    assert row(df, 1, 1)["person_days"] == 93
    assert row(df, 1, 2)["person_days"] == 25  # Apr 1..5 inclusive × 5


def test_month_without_counted_weighin_has_no_data_not_zero():
    s = sizes([(1, 1, D(2026, 3, 1))])
    w = weighins([noon(D(2026, 3, 5), 1, "residual", 3100),
                  noon(D(2026, 4, 5), 1, "residual", 800, "flagged"),
                  noon(D(2026, 4, 6), 1, "biowaste", 1500),
                  noon(D(2026, 5, 6), 1, "glass", 2000, "rejected")])
    df = household_progress(w, s, households([(1, "A")]), MARCH, D(2026, 6, 15))
    m2 = row(df, 1, 2)
    assert m2["weighins"] == 0
    assert math.isnan(m2["counted_kg"])
    assert math.isnan(m2["g_per_person_week"])
    assert math.isnan(m2["reduction_pct"])
    assert m2["on_track"] is pd.NA
    assert m2["person_days"] == 30
    assert m2["flagged"] == 1
    assert m2["diverted_kg"] == 1.5
    assert row(df, 1, 3)["rejected"] == 1
    assert math.isnan(row(df, 1, 3)["g_per_person_week"])
    # month 4 exists (started) but nobody weighed anything: still no data
    assert row(df, 1, 4)["weighins"] == 0 and math.isnan(row(df, 1, 4)["reduction_pct"])
    assert row(df, 1, 2)["target_pct"] == pytest.approx(20 / 7)


def test_household_without_baseline_has_rates_but_no_reduction():
    s = sizes([(1, 2, D(2026, 3, 1))])
    w = weighins([noon(D(2026, 4, 5), 1, "residual", 6000),
                  noon(D(2026, 5, 5), 1, "residual", 3100),
                  noon(D(2026, 3, 5), 1, "residual", 9999, "flagged")])
    df = household_progress(w, s, households([(1, "A")]), MARCH, D(2026, 6, 1))
    assert row(df, 1, 2)["g_per_person_week"] == pytest.approx(6000 / 60 * 7)
    assert df["reduction_pct"].isna().all()
    assert df["baseline_g_per_person_week"].isna().all()
    assert df["on_track"].isna().all()


def test_biowaste_only_is_diverted_never_counted():
    s = sizes([(1, 3, D(2026, 3, 1))])
    w = weighins([noon(D(2026, 3, d), 1, "biowaste", 1000) for d in (2, 9, 16)])
    df = household_progress(w, s, households([(1, "Compost")]), MARCH, D(2026, 4, 1))
    m1 = row(df, 1, 1)
    assert m1["weighins"] == 0
    assert math.isnan(m1["g_per_person_week"])
    assert m1["diverted_kg"] == 3.0
    assert m1["weighins_diverted"] == 3
    st = stream_progress(w, s, households([(1, "Compost")]), MARCH, D(2026, 4, 1))
    bio = st[(st["stream"] == "biowaste") & (st["month"] == 1)].iloc[0]
    assert not bio["counted"]
    assert bio["g_per_person_week"] == pytest.approx(3000 / 93 * 7)


def test_late_joiner_months_before_joining_have_no_data():
    h = households([(1, "Early"), (2, "Late", D(2026, 4, 16))])
    s = sizes([(1, 1, D(2026, 3, 1)), (2, 3, D(2026, 4, 16))])
    w = weighins([noon(D(2026, 3, 3), 1, "residual", 1000),
                  noon(D(2026, 4, 10), 2, "residual", 7777),  # before joining: ignored
                  noon(D(2026, 4, 20), 2, "residual", 4500),
                  noon(D(2026, 5, 20), 2, "residual", 4650)])
    df = household_progress(w, s, h, MARCH, D(2026, 6, 1))
    m1, m2, m3 = row(df, 2, 1), row(df, 2, 2), row(df, 2, 3)
    assert m1["person_days"] == 0 and m1["days"] == 0
    assert m1["weighins"] == 0 and math.isnan(m1["g_per_person_week"])
    assert math.isnan(m1["persons"])
    assert m2["person_days"] == 45  # Apr 16..30 = 15 days × 3
    assert m2["weighins"] == 1 and m2["counted_kg"] == 4.5
    assert m2["g_per_person_week"] == pytest.approx(700.0)
    assert m3["g_per_person_week"] == pytest.approx(4650 / 93 * 7)
    assert df.loc[df["household_id"] == 2, "reduction_pct"].isna().all()  # no baseline
    assert row(df, 1, 1)["g_per_person_week"] == pytest.approx(7000 / 31)


def test_late_joiner_without_joined_on_still_gets_no_zero():
    h = households([(2, "Late")])
    s = sizes([(2, 2, D(2026, 5, 1))])
    w = weighins([noon(D(2026, 5, 3), 2, "glass", 1000)])
    df = household_progress(w, s, h, MARCH, D(2026, 6, 1))
    assert df.loc[df["month"] < 3, "g_per_person_week"].isna().all()
    assert df.loc[df["month"] < 3, "counted_kg"].isna().all()


def test_flagged_and_rejected_readings_do_not_count():
    s = sizes([(1, 1, D(2026, 3, 1))])
    w = weighins([noon(D(2026, 3, 3), 1, "residual", 3100),
                  noon(D(2026, 3, 4), 1, "residual", 40000, "flagged"),
                  noon(D(2026, 3, 5), 1, "glass", 25000, "rejected")])
    df = household_progress(w, s, households([(1, "A")]), MARCH, D(2026, 4, 1))
    m1 = row(df, 1, 1)
    assert m1["weighins"] == 1
    assert m1["counted_kg"] == 3.1
    assert m1["g_per_person_week"] == pytest.approx(700.0)
    assert (m1["flagged"], m1["rejected"]) == (1, 1)


def test_february_and_march_lengths():
    p = EditionParams(start=D(2026, 2, 1))
    s = sizes([(1, 1, D(2026, 2, 1))])
    w = weighins([noon(D(2026, 2, 14), 1, "residual", 2800),
                  noon(D(2026, 3, 14), 1, "residual", 3100),
                  noon(D(2026, 4, 14), 1, "residual", 2400)])
    df = household_progress(w, s, households([(1, "A")]), p, D(2026, 5, 1))
    assert [row(df, 1, k)["person_days"] for k in (1, 2, 3)] == [28, 31, 30]
    assert row(df, 1, 1)["g_per_person_week"] == pytest.approx(700.0)
    assert row(df, 1, 2)["g_per_person_week"] == pytest.approx(700.0)
    assert row(df, 1, 2)["reduction_pct"] == pytest.approx(0.0)
    assert row(df, 1, 3)["g_per_person_week"] == pytest.approx(560.0)
    assert row(df, 1, 3)["reduction_pct"] == pytest.approx(20.0)
    leap = household_progress(w.iloc[:1], s, households([(1, "A")]),
                              EditionParams(start=D(2028, 2, 1)), D(2028, 3, 1))
    assert row(leap, 1, 1)["person_days"] == 29


def test_weighin_at_2330_local_on_the_last_day_belongs_to_that_day():
    s = sizes([(1, 1, D(2026, 3, 1))])
    w = weighins([(1, "2026-03-31T23:30:00+02:00", "residual", 1000),  # 21:30Z, March
                  (1, "2026-04-01T00:30:00+02:00", "residual", 2000),  # 22:30Z Mar 31, April
                  (1, "2026-10-31T23:30:00+01:00", "residual", 4000),  # month 8
                  (1, "2026-11-01T00:30:00+01:00", "residual", 8000),  # after the edition
                  (1, "2026-09-30T23:30:00+02:00", "glass", 16000)])  # month 7
    df = household_progress(w, s, households([(1, "A")]), MARCH, D(2026, 12, 1))
    assert row(df, 1, 1)["counted_kg"] == 1.0
    assert row(df, 1, 2)["counted_kg"] == 2.0
    assert row(df, 1, 7)["counted_kg"] == 16.0
    assert row(df, 1, 8)["counted_kg"] == 4.0
    assert len(df) == 8


def test_edition_starting_on_the_spring_dst_change():
    # 2026-03-29 02:00 CET -> 03:00 CEST. 23:30Z on the 28th is 00:30 CET on the 29th.
    p = EditionParams(start=D(2026, 3, 29))
    s = sizes([(1, 1, D(2026, 3, 29))])
    w = weighins([(1, "2026-03-28T23:30:00Z", "residual", 1000),  # Mar 29 00:30 CET, month 1
                  (1, "2026-03-28T22:30:00Z", "residual", 9000),  # Mar 28 23:30, before
                  (1, "2026-04-28T21:59:00Z", "residual", 2000),  # Apr 28 23:59 CEST, month 1
                  (1, "2026-04-28T22:00:00Z", "residual", 4000)])  # Apr 29 00:00, month 2
    df = household_progress(w, s, households([(1, "A")]), p, D(2026, 5, 2))
    assert row(df, 1, 1)["counted_kg"] == 3.0
    assert row(df, 1, 1)["person_days"] == 31
    assert row(df, 1, 2)["counted_kg"] == 4.0


def test_edition_month_starting_on_the_autumn_dst_change():
    # 2026-10-25 03:00 CEST -> 02:00 CET. Month 8 of an edition started on Mar 25 is Oct 25.
    p = EditionParams(start=D(2026, 3, 25))
    s = sizes([(1, 1, D(2026, 3, 1))])
    w = weighins([(1, "2026-10-24T21:59:00Z", "residual", 1000),  # Oct 24 23:59 CEST: month 7
                  (1, "2026-10-24T22:00:00Z", "residual", 2000),  # Oct 25 00:00 CEST: month 8
                  (1, "2026-10-25T00:30:00Z", "residual", 4000),  # 02:30 CEST (1st time)
                  (1, "2026-10-25T01:30:00Z", "residual", 8000),  # 02:30 CET (2nd time)
                  (1, "2026-11-24T22:59:00Z", "residual", 16000),  # Nov 24 23:59 CET: month 8
                  (1, "2026-11-24T23:00:00Z", "residual", 32000)])  # Nov 25: after the end
    df = household_progress(w, s, households([(1, "A")]), p, D(2026, 12, 31))
    assert row(df, 1, 7)["counted_kg"] == 1.0
    assert row(df, 1, 8)["counted_kg"] == 30.0
    assert row(df, 1, 8)["person_days"] == 31  # Oct 25 .. Nov 24


def test_naive_and_string_timestamps_are_taken_as_utc():
    s = sizes([(1, 1, D(2026, 3, 1))])
    w = weighins([(1, "2026-03-31T22:30:00Z", "residual", 2000)])
    naive = w.assign(measured_at=w["measured_at"].dt.tz_localize(None))
    text = w.assign(measured_at=["2026-03-31 22:30:00"])
    for frame in (w, naive, text):
        df = household_progress(frame, s, households([(1, "A")]), MARCH, D(2026, 4, 2))
        assert row(df, 1, 2)["counted_kg"] == 2.0, frame.dtypes


def test_as_of_is_inclusive_for_data_and_completes_a_month_after_its_last_day():
    s = sizes([(1, 2, D(2026, 3, 1))])
    w = weighins([noon(D(2026, 3, 10), 1, "residual", 1000),
                  noon(D(2026, 3, 31), 1, "residual", 500),
                  noon(D(2026, 4, 1), 1, "residual", 300)])
    h = households([(1, "A")])
    on_31 = household_progress(w, s, h, MARCH, D(2026, 3, 31))
    assert len(on_31) == 1
    assert not row(on_31, 1, 1)["complete"]
    assert row(on_31, 1, 1)["counted_kg"] == 1.5
    on_10 = household_progress(w, s, h, MARCH, D(2026, 3, 10))
    assert row(on_10, 1, 1)["person_days"] == 20  # Mar 1..10 inclusive × 2
    assert row(on_10, 1, 1)["counted_kg"] == 1.0  # later weigh-ins ignored
    assert row(on_10, 1, 1)["g_per_person_week"] == pytest.approx(1000 / 20 * 7)
    on_1 = household_progress(w, s, h, MARCH, D(2026, 4, 1))
    assert bool(row(on_1, 1, 1)["complete"]) and not bool(row(on_1, 1, 2)["complete"])
    assert row(on_1, 1, 2)["person_days"] == 2
    assert row(on_1, 1, 2)["counted_kg"] == 0.3


def test_before_the_start_there_is_no_row_but_all_columns():
    s = sizes([(1, 2, D(2026, 3, 1))])
    df = household_progress(weighins([]), s, households([(1, "A")]), MARCH, D(2026, 2, 27))
    assert df.empty
    assert list(df.columns[:len(PROGRESS_COLUMNS)]) == PROGRESS_COLUMNS


def test_exactly_at_target_is_on_track_despite_float_noise():
    s = sizes([(1, 1, D(2026, 3, 1))])
    # March: 31000 g / 31 person-days = 7000 g/week; October (month 8, 31 days): 24800 g =
    # 5600 g/week, i.e. 1 - 0.8 = 0.19999999999999996 in floats: still on track at 20 %.
    w = weighins([noon(D(2026, 3, 5), 1, "residual", 31000),
                  noon(D(2026, 10, 5), 1, "residual", 24800)])
    h, ok = households([(1, "A")]), accepted([1])  # coverage aside
    m8 = row(household_progress(w, s, h, MARCH, D(2026, 11, 1), accepted=ok), 1, 8)
    assert m8["reduction_pct"] == pytest.approx(20.0)
    assert m8["target_pct"] == 20.0
    assert bool(m8["on_track"]) is True
    w.loc[1, "weight_g"] = 24801  # one gram more: short of the target
    m8 = row(household_progress(w, s, h, MARCH, D(2026, 11, 1), accepted=ok), 1, 8)
    assert bool(m8["on_track"]) is False


def test_two_baseline_months_pool_and_skip_an_empty_one():
    p = EditionParams(start=D(2026, 3, 1), baseline_months=2)
    s = sizes([(1, 1, D(2026, 3, 1)), (2, 1, D(2026, 3, 1))])
    w = weighins([noon(D(2026, 3, 3), 1, "residual", 3100),   # 700 g/week
                  noon(D(2026, 4, 3), 1, "residual", 6000),   # 1400 g/week
                  noon(D(2026, 4, 3), 2, "residual", 3000),   # household 2: April only
                  noon(D(2026, 5, 3), 1, "residual", 3100),
                  noon(D(2026, 5, 3), 2, "residual", 3100)])
    df = household_progress(w, s, households([(1, "A"), (2, "B")]), p, D(2026, 6, 1))
    base1 = 9100 / 61 * 7
    assert row(df, 1, 1)["baseline_g_per_person_week"] == pytest.approx(base1)
    assert row(df, 1, 3)["reduction_pct"] == pytest.approx(100 * (1 - 700 / base1))
    assert row(df, 1, 1)["reduction_pct"] == pytest.approx(100 * (1 - 700 / base1))
    assert row(df, 1, 2)["target_pct"] == 0.0
    base2 = 3000 / 30 * 7  # March has no data: skipped, not zero
    assert row(df, 2, 2)["baseline_g_per_person_week"] == pytest.approx(base2)
    assert row(df, 2, 3)["reduction_pct"] == pytest.approx(100 * (1 - 700 / base2))
    assert row(df, 2, 3)["target_pct"] == pytest.approx(20 / 6)


def test_households_outside_the_list_and_unknown_streams():
    s = sizes([(1, 1, D(2026, 3, 1)), (9, 1, D(2026, 3, 1))])
    w = weighins([noon(D(2026, 3, 3), 1, "residual", 3100),
                  noon(D(2026, 3, 3), 9, "residual", 5000),
                  noon(D(2026, 3, 4), 1, "textile", 700)])
    df = household_progress(w, s, households([(1, "A")]), MARCH, D(2026, 4, 1))
    assert df["household_id"].unique().tolist() == [1]
    assert row(df, 1, 1)["counted_kg"] == 3.1
    assert row(df, 1, 1)["diverted_kg"] == 0.7
    p = EditionParams(start=D(2026, 3, 1), counted_streams=("residual", "textile"))
    assert row(household_progress(w, s, households([(1, "A")]), p, D(2026, 4, 1)), 1, 1)[
        "counted_kg"] == 3.8


def test_household_without_size_entry_has_no_data(caplog):
    s = sizes([(1, 1, D(2026, 3, 1))])
    w = weighins([noon(D(2026, 3, 3), 2, "residual", 3100)])
    df = household_progress(w, s, households([(1, "A"), (2, "B")]), MARCH, D(2026, 4, 1))
    assert row(df, 2, 1)["person_days"] == 0
    assert math.isnan(row(df, 2, 1)["g_per_person_week"])
    assert "without any size entry" in caplog.text


def test_stream_progress_rates_add_up_to_the_household_rate():
    s = sizes([(1, 2, D(2026, 3, 1)), (1, 3, D(2026, 3, 20))])
    w = weighins([noon(D(2026, 3, 3), 1, "residual", 3100),
                  noon(D(2026, 3, 4), 1, "packaging", 1234),
                  noon(D(2026, 3, 5), 1, "glass", 2500),
                  noon(D(2026, 3, 5), 1, "glass", 999, "rejected"),
                  noon(D(2026, 3, 6), 1, "biowaste", 4000)])
    h = households([(1, "A")])
    st = stream_progress(w, s, h, MARCH, D(2026, 4, 1))
    hp = household_progress(w, s, h, MARCH, D(2026, 4, 1))
    m1 = st[st["month"] == 1]
    assert m1["stream"].tolist() == ["residual", "packaging", "glass", "biowaste"]
    counted = m1[m1["counted"]]
    assert counted["g_per_person_week"].sum() == pytest.approx(row(hp, 1, 1)["g_per_person_week"])
    assert counted["kg"].sum() == pytest.approx(row(hp, 1, 1)["counted_kg"])
    assert m1.set_index("stream").loc["glass", "weighins"] == 1
    assert (m1["person_days"] == 19 * 2 + 12 * 3).all()
    m2 = st[st["month"] == 2]
    assert m2["g_per_person_week"].isna().all() and (m2["weighins"] == 0).all()


def test_order_is_household_id_then_month_and_dtypes():
    s = sizes([(3, 1, D(2026, 3, 1)), (1, 1, D(2026, 3, 1))])
    df = household_progress(weighins([]), s, households([(3, "C"), (1, "A")]), MARCH,
                            D(2026, 4, 15))
    assert list(zip(df["household_id"], df["month"])) == [(1, 1), (1, 2), (3, 1), (3, 2)]
    assert df["on_track"].dtype == "boolean"
    assert np.issubdtype(df["person_days"].dtype, np.integer)
    assert df["complete"].dtype == bool


def test_progress_tables_is_the_three_functions_in_one_pass():
    from dashboards.method import cohort_progress, progress_tables

    s = sizes([(1, 2, D(2026, 1, 1)), (2, 3, D(2026, 4, 2))])
    w = weighins([noon(D(2026, 3, 3), 1, "residual", 5400),
                  noon(D(2026, 4, 3), 2, "glass", 1000),
                  noon(D(2026, 4, 4), 1, "biowaste", 700)])
    args = (w, s, households([(1, "A"), (2, "B")]), MARCH, D(2026, 4, 20))
    hp, st, co = progress_tables(*args)
    pd.testing.assert_frame_equal(hp, household_progress(*args))
    pd.testing.assert_frame_equal(st, stream_progress(*args))
    pd.testing.assert_frame_equal(co, cohort_progress(household_progress(*args)))


def test_duplicate_household_ids_are_refused():
    s = sizes([(1, 1, D(2026, 3, 1))])
    with pytest.raises(ValueError, match="unique"):
        household_progress(weighins([]), s, households([(1, "A"), (1, "B")]), MARCH,
                           D(2026, 4, 1))
