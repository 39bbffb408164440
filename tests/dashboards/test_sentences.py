"""The plain-French sentence of a household's month."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboards.method import household_progress
from dashboards.sentences import (
    current_sentence,
    format_change,
    format_number,
    month_sentence,
)

from .factories import MARCH, accepted, households, noon, sizes, weighins

D = dt.date
NB = "\u00a0"
M = "\u2212"


def base_row(**kw):
    row = {"month": 4, "complete": False, "baseline_month": False, "g_per_person_week": 600.0,
           "baseline_g_per_person_week": 700.0, "reduction_pct": 14.2, "target_pct": 11.43,
           "on_track": True}
    row.update(kw)
    return pd.Series(row)


def test_the_sentence_of_the_brief():
    assert month_sentence(base_row()) == (
        f"Ce mois-ci{NB}: {M}14{NB}% par rapport au mois de référence{NB}; "
        f"objectif du mois{NB}: {M}11{NB}%")


def test_increase_reads_plus_and_zero_has_no_sign():
    assert format_change(-5.4) == f"+5{NB}%"
    assert format_change(0.2) == f"0{NB}%"
    assert format_change(14.5) == f"{M}15{NB}%"
    assert format_change(2.857, 1) == f"{M}2,9{NB}%"


def test_number_formatting_is_french():
    assert format_number(1234.56) == "1\u202f235"
    assert format_number(1234.56, 1) == "1\u202f234,6"
    assert format_number(-3.25, 1) == f"{M}3,3"


def test_just_short_of_the_target_shows_a_decimal():
    text = month_sentence(base_row(reduction_pct=11.2, target_pct=11.43, on_track=False))
    assert text.endswith(f"{M}11,2{NB}% par rapport au mois de référence{NB}; "
                         f"objectif du mois{NB}: {M}11,4{NB}%")


def test_no_data_this_month():
    text = month_sentence(base_row(g_per_person_week=float("nan"),
                                   reduction_pct=float("nan"), on_track=pd.NA))
    assert text == f"Ce mois-ci{NB}: pas encore de pesée{NB}; objectif du mois{NB}: {M}11{NB}%"
    done = month_sentence(base_row(complete=True, g_per_person_week=float("nan"),
                                   reduction_pct=float("nan"), on_track=pd.NA))
    assert "aucune pesée" in done


def test_no_baseline():
    text = month_sentence(base_row(baseline_g_per_person_week=float("nan"),
                                   reduction_pct=float("nan"), on_track=pd.NA))
    assert text == (f"Pas de pesée pendant le mois de référence{NB}: la réduction ne peut pas "
                    f"être calculée. Ce mois-ci{NB}: 600{NB}g par personne et par semaine "
                    f"jusqu'ici.")
    text = month_sentence(base_row(baseline_g_per_person_week=float("nan"),
                                   g_per_person_week=float("nan"),
                                   reduction_pct=float("nan"), on_track=pd.NA))
    assert text.endswith("ne peut pas être calculée.")


def test_baseline_month():
    text = month_sentence(base_row(month=1, baseline_month=True, g_per_person_week=1234.4,
                                   reduction_pct=0.0, target_pct=0.0))
    assert text == (f"Ce mois-ci (mois de référence){NB}: 1\u202f234{NB}g par personne et par "
                    f"semaine jusqu'ici.")
    empty = month_sentence(base_row(month=1, baseline_month=True, g_per_person_week=float("nan"),
                                    reduction_pct=float("nan"), target_pct=0.0))
    assert empty == f"Ce mois-ci (mois de référence){NB}: pas encore de pesée."


def test_several_baseline_months_plural():
    assert "aux mois de référence" in month_sentence(base_row(), baseline_months=2)


def _progress(as_of, march_grams, may_grams):
    s = sizes([(1, 1, D(2026, 3, 1))])
    w = weighins([noon(D(2026, 3, 2), 1, "residual", march_grams),
                  noon(D(2026, 5, 2), 1, "residual", may_grams)])
    return household_progress(w, s, households([(1, "A")]), MARCH, as_of,
                              accepted=accepted([1]))  # coverage aside


def test_current_sentence_before_the_start():
    df = _progress(D(2026, 2, 1), 2000, 1000)
    assert current_sentence(df, 1) == "Le défi n'a pas encore commencé."


def test_current_sentence_during_the_baseline_month():
    df = _progress(D(2026, 3, 20), 2000, 1000)  # 2000 g / 20 person-days × 7 = 700
    assert current_sentence(df, 1) == (
        f"Ce mois-ci (mois de référence){NB}: 700{NB}g par personne et par semaine jusqu'ici.")


def test_current_sentence_in_month_three():
    # March 4340 g / 31 × 7 = 980; May 3472 g / 31 × 7 = 784 = 0.8 × 980; target 20×2/7
    df = _progress(D(2026, 5, 31), 4340, 3472)
    assert current_sentence(df, 1) == (
        f"Ce mois-ci{NB}: {M}20{NB}% par rapport au mois de référence{NB}; "
        f"objectif du mois{NB}: {M}6{NB}%")
    assert current_sentence(df, 1, goal_pct=20) == (
        f"Ce mois-ci{NB}: {M}20{NB}% par rapport au mois de référence{NB}; "
        f"objectif du mois{NB}: {M}6{NB}% (objectif final{NB}: {M}20{NB}%)")
