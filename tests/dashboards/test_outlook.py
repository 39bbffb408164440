"""Beyond the peers: the yearly pace of complete months, the reference figure, the forecast."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboards.outlook import (forecast, forecast_sentence, kg_per_year, last_complete,
                                outlook, reference_sentence)

M, NB = "\u2212", "\u00a0"


def _rows(rates, complete=None, reliable=None, baseline=1000.0):
    n = len(rates)
    return pd.DataFrame({
        "month": list(range(1, n + 1)),
        "complete": complete or [True] * n,
        "g_per_person_week": [math.nan if r is None else r for r in rates],
        "baseline_g_per_person_week": [baseline] * n,
        "reliable": pd.array(reliable or [True] * n, dtype="boolean"),
    })


def test_forecast_by_hand():
    # x = 1..4, y = 1000, 900, 850, 700: slope −95, intercept 1100, month 8 → 340 g;
    # residuals −5, −10, 35, −20: spread sqrt(1750 / 2) = 29.58
    f = forecast(_rows([1000, 900, 850, 700]), 8)
    assert f.rate == pytest.approx(340.0) and f.spread == pytest.approx(math.sqrt(875.0))
    assert f.months_used == 4 and f.reduction(f.rate) == pytest.approx(66.0)
    assert forecast_sentence(f, 20) == (
        f"Si la tendance de vos 4 mois complets se poursuit, au mois 8 vos déchets seraient à "
        f"{M}66{NB}% par rapport au mois de référence (entre {M}69{NB}% et {M}63{NB}%){NB}; "
        f"objectif final{NB}: {M}20{NB}%.")


def test_no_forecast_from_fewer_than_three_complete_reliable_months():
    assert forecast(_rows([1000, 900]), 8) is None
    # the month in progress and an unreliable month do not count
    assert forecast(_rows([1000, 900, 850], complete=[True, True, False]), 8) is None
    assert forecast(_rows([1000, 900, 850], reliable=[True, False, True]), 8) is None
    assert forecast(_rows([1000, None, 900, 850]), 8) is not None  # a month without data: skipped
    assert forecast(_rows([1000] * 8), 8) is None  # the last month is known
    assert forecast_sentence(None, 20) is None


def test_a_steep_fall_is_floored_at_zero_waste():
    f = forecast(_rows([1000, 500, 100]), 8)
    assert f.rate == 0.0 and f.low == 0.0 and f.reduction(f.rate) == 100.0


def test_the_pace_is_from_complete_months_only():
    rows = _rows([700, 560, 9000], complete=[True, True, False])
    assert last_complete(rows)["month"] == 2
    assert last_complete(_rows([700], complete=[False])) is None
    assert kg_per_year(560) == pytest.approx(560 * 52.18 / 1000)
    streams = pd.DataFrame({"month": [2, 2], "stream": ["residual", "glass"],
                            "weighins": [3, 1], "g_per_person_week": [400.0, 160.0]})
    seen = outlook(rows, streams, 8, 20, 254.0, "ADEME")
    assert seen["pace_month"] == 2 and seen["pace_kg"] == pytest.approx(29.2208)
    assert seen["reference_sentence"] == (
        f"Au rythme du mois 2 (le dernier mois complet){NB}: 29{NB}kg de déchets comptés par "
        f"personne et par an. Votre poubelle grise{NB}: 21{NB}kg par personne et par an, pour "
        f"une moyenne nationale de 254{NB}kg par habitant (ADEME).")
    assert seen["forecast_sentence"] is None
    # no figure set by the edition: the pace alone
    assert "moyenne" not in reference_sentence(2, 29.2, 20.9, None, "ADEME")
