"""The cohort figure, computed by hand."""
from __future__ import annotations

import datetime as dt
import math

import pytest

from dashboards.method import EditionParams, cohort_progress, household_progress

from .factories import accepted, households, noon, sizes, weighins

D = dt.date
FEB = EditionParams(start=D(2026, 2, 1))
AS_OF = D(2026, 3, 14)  # month 1 = February (28 days), month 2 in progress: Mar 1..14


@pytest.fixture
def progress():
    # A: 3 persons, baseline 12000/84×7 = 1000, month 2 4800/42×7 = 800  -> 20 %
    # B: 2 persons, baseline 4000/56×7 = 500,   month 2 1960/28×7 = 490  -> 2 % (< 2.857)
    # C: 1 person,  baseline 2800/28×7 = 700,   month 2 nothing          -> excluded
    # D: 5 persons, no baseline,               month 2 3000/70×7 = 300  -> excluded
    h = households([(1, "A"), (2, "B"), (3, "C"), (4, "D")])
    s = sizes([(1, 3, D(2026, 1, 1)), (2, 2, D(2026, 1, 1)), (3, 1, D(2026, 1, 1)),
               (4, 5, D(2026, 1, 1))])
    w = weighins([noon(D(2026, 2, 3), 1, "residual", 12000),
                  noon(D(2026, 3, 3), 1, "residual", 4800),
                  noon(D(2026, 2, 3), 2, "packaging", 4000),
                  noon(D(2026, 3, 13), 2, "residual", 1960),
                  noon(D(2026, 2, 3), 3, "glass", 2800),
                  noon(D(2026, 3, 3), 3, "biowaste", 2800),
                  noon(D(2026, 3, 3), 4, "residual", 3000),
                  noon(D(2026, 3, 15), 1, "residual", 99999)])  # after as_of
    # one weigh-in a month: coverage aside (staff accepted every month), the arithmetic
    return household_progress(w, s, h, FEB, AS_OF, accepted=accepted([1, 2, 3, 4]))


def test_household_rates_are_the_hand_computed_ones(progress):
    m2 = progress[progress["month"] == 2].set_index("household")
    assert m2.loc["A", "g_per_person_week"] == pytest.approx(800)
    assert m2.loc["B", "g_per_person_week"] == pytest.approx(490)
    assert m2.loc["D", "g_per_person_week"] == pytest.approx(300)
    assert m2.loc["A", "reduction_pct"] == pytest.approx(20)
    assert m2.loc["B", "reduction_pct"] == pytest.approx(2)


def test_cohort_weighted_reduction_by_hand(progress):
    c = cohort_progress(progress).set_index("month")
    # Σ rate × persons = 800×3 + 490×2 = 3380; Σ baseline × persons = 1000×3 + 500×2 = 4000
    assert c.loc[2, "reduction_pct"] == pytest.approx(100 * (1 - 3380 / 4000))  # 15.5
    assert c.loc[2, "median_reduction_pct"] == pytest.approx(11.0)  # (20 + 2) / 2
    assert c.loc[2, "n_at_target"] == 1
    assert c.loc[2, "n_with_data"] == 2
    assert c.loc[2, "n_reporting"] == 3
    assert c.loc[2, "n_households"] == 4
    assert c.loc[2, "target_pct"] == pytest.approx(20 / 7)
    assert not c.loc[2, "complete"] and c.loc[1, "complete"]
    assert c.loc[2, "g_per_person_week"] == pytest.approx(3380 / 5)
    assert c.loc[2, "baseline_g_per_person_week"] == pytest.approx(800)
    assert c.loc[2, "kg_per_person_year"] == pytest.approx(3380 / 5 * 52.18 / 1000)


def test_cohort_baseline_month_is_zero(progress):
    c = cohort_progress(progress).set_index("month")
    assert c.loc[1, "reduction_pct"] == 0.0
    assert c.loc[1, "median_reduction_pct"] == 0.0
    assert c.loc[1, "n_with_data"] == 3
    assert c.loc[1, "n_at_target"] == 3


def test_cohort_weights_use_mean_persons_over_the_month():
    # A is 1 person for 14 days then 3 for 14 days in February: mean 2 persons.
    h = households([(1, "A"), (2, "B")])
    s = sizes([(1, 1, D(2026, 1, 1)), (1, 3, D(2026, 2, 15)), (2, 1, D(2026, 1, 1))])
    # A: Feb 56 person-days, 8000 g -> 1000; Mar 1..14 at 3 persons: 42, 4200 g -> 700
    # B: Feb 28, 2800 g -> 700; Mar 14, 1400 g -> 700
    w = weighins([noon(D(2026, 2, 3), 1, "residual", 8000),
                  noon(D(2026, 3, 3), 1, "residual", 4200),
                  noon(D(2026, 2, 3), 2, "residual", 2800),
                  noon(D(2026, 3, 3), 2, "residual", 1400)])
    c = cohort_progress(household_progress(w, s, h, FEB, AS_OF, accepted=accepted([1, 2]))
                        ).set_index("month")
    # month 2: persons A = 3, B = 1: (700×3 + 700×1) / (1000×3 + 700×1) = 2800/3700
    assert c.loc[2, "reduction_pct"] == pytest.approx(100 * (1 - 2800 / 3700))


def test_cohort_without_any_data_is_empty_not_zero():
    h = households([(1, "A")])
    s = sizes([(1, 1, D(2026, 1, 1))])
    c = cohort_progress(household_progress(weighins([]), s, h, FEB, AS_OF))
    assert len(c) == 2
    assert c["reduction_pct"].isna().all() and c["median_reduction_pct"].isna().all()
    assert (c["n_at_target"] == 0).all() and (c["n_with_data"] == 0).all()
    assert math.isnan(c["g_per_person_week"].iloc[0])
