"""Unit tests of the family page's helpers over the method's frames (no app, no database)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboards.method import EditionParams, progress_tables
from tracker.web.common.progress_view import bin_lines, records

D = dt.date


def _tables():
    # Two reference months; 2 persons; as of 10 May: 62, 60 and 20 person-days.
    params = EditionParams(start=D(2026, 3, 1), baseline_months=2)
    at = [("residual", 1400, "2026-03-10"), ("residual", 2800, "2026-04-10"),
          ("packaging", 700, "2026-04-12"), ("biowaste", 1000, "2026-05-03"),
          ("residual", 1000, "2026-05-04"), ("residual", 9000, "2026-05-05")]
    weighins = pd.DataFrame({
        "household_id": [1] * len(at), "stream": [s for s, _, _ in at],
        "weight_g": [g for _, g, _ in at],
        "measured_at": pd.to_datetime([f"{d} 08:00" for _, _, d in at], utc=True),
        "status": ["accepted"] * 5 + ["flagged"]})
    sizes = pd.DataFrame({"household_id": [1], "persons": [2], "valid_from": [D(2026, 3, 1)]})
    households = pd.DataFrame({"household_id": [1], "name": ["Martin"]})
    hp, sp, _ = progress_tables(weighins, sizes, households, params, D(2026, 5, 10),
                                with_cohort=False)
    return hp, sp


def test_bin_lines_pool_the_reference_months_and_keep_no_data_empty():
    hp, sp = _tables()
    lines = {line.stream: line for line in bin_lines(hp, sp, 3, baseline_months=2)}
    assert list(lines) == ["residual", "packaging", "glass", "biowaste", None]
    assert lines["residual"].reference == pytest.approx(4200 / 122 * 7)
    assert lines["residual"].current == pytest.approx(1000 / 20 * 7)  # flagged 9 kg ignored
    assert lines["packaging"].reference == pytest.approx(700 / 122 * 7)
    assert lines["packaging"].current is None  # no weigh-in in May: no data, never 0
    assert lines["glass"].reference is None and lines["glass"].current is None
    assert lines["biowaste"].counted is False and lines["biowaste"].reference is None
    assert lines["biowaste"].current == pytest.approx(1000 / 20 * 7)
    assert lines[None].reference == pytest.approx(4900 / 122 * 7)
    assert lines[None].current == pytest.approx(350.0)
    assert lines["residual"].change_pct == pytest.approx(100 * (350 / (4200 / 122 * 7) - 1))


def test_records_give_plain_values_and_none_for_no_data():
    hp, _ = _tables()
    rows = records(hp)
    assert [r["month"] for r in rows] == [1, 2, 3]
    assert rows[2]["on_track"] is None or isinstance(rows[2]["on_track"], bool)
    assert type(rows[0]["weighins"]) is int and rows[0]["month_start"] == D(2026, 3, 1)
    empty = records(hp[hp["weighins"] > 0].assign(g_per_person_week=float("nan")))
    assert all(r["g_per_person_week"] is None for r in empty)
    assert records(hp.iloc[0:0]) == []
    stamps = records(pd.DataFrame({"t": pd.to_datetime(["2026-03-01"], utc=True)}))
    assert stamps == [{"t": pd.Timestamp("2026-03-01", tz="UTC")}]
