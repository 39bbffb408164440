"""The first screen of the progress page: the glance sentence, the bin that changed most."""
from __future__ import annotations

import pandas as pd

from dashboards.glance import biggest_change, glance_sentence, monthly_bins
from dashboards.figures import STREAM_LABELS
from tracker.web.common.progress_view import BinLine

M, NB = "\u2212", "\u00a0"


def _row(**kw):
    row = {"month": 3, "too_early": False, "reduction_pct": 12.0, "target_pct": 5.714,
           "on_track": True}
    row.update(kw)
    return row


def test_the_bin_that_changed_most_is_counted_in_grams_not_percent():
    lines = [BinLine("glass", 20.0, 60.0),          # +200 % but +40 g
             BinLine("packaging", 400.0, 300.0),    # −25 %, −100 g: the biggest change
             BinLine("biowaste", 100.0, 900.0, counted=False),  # not counted: never named
             BinLine(None, 420.0, 360.0)]           # the total: never named
    best = biggest_change(lines)
    assert best.stream == "packaging" and best.grams == -100.0 and best.change_pct == -25.0
    assert biggest_change([BinLine("glass", None, 10.0), BinLine(None, 1.0, 1.0)]) is None


def test_the_sentence_says_where_the_household_is_against_the_goal():
    best = biggest_change([BinLine("packaging", 400.0, 300.0)])
    text = glance_sentence(_row(), 20, best, STREAM_LABELS)
    assert text == (f"Vos déchets{NB}: {M}12{NB}% par rapport au mois de référence{NB}; vous "
                    f"êtes sur la trajectoire (étape du mois {M}6{NB}%, objectif final "
                    f"{M}20{NB}%). Ce qui a le plus changé{NB}: emballages et papiers "
                    f"(100{NB}g par personne et par semaine en moins, {M}25{NB}%).")
    behind = glance_sentence(_row(reduction_pct=-5.0, on_track=False), 20, None, STREAM_LABELS)
    assert behind.startswith(f"Vos déchets{NB}: +5{NB}%") and "pas encore sur la trajectoire" \
        in behind and f"objectif final {M}20{NB}%" in behind
    done = glance_sentence(_row(reduction_pct=21.0), 20, None, STREAM_LABELS)
    assert f"{NB}; l'objectif final ({M}20{NB}%) est déjà atteint." in done
    unsure = glance_sentence(_row(on_track=None), 20, None, STREAM_LABELS)
    assert "à confirmer" in unsure
    early = glance_sentence(_row(too_early=True), 20, best, STREAM_LABELS)
    assert early == f"L'objectif{NB}: {M}20{NB}% de déchets d'ici la fin du défi."
    assert glance_sentence(_row(month=1), 20, None, STREAM_LABELS).startswith(
        "C'est le mois de référence")


def test_monthly_kilograms_per_bin_counted_first_and_empty_where_nothing_was_weighed():
    streams = pd.DataFrame({
        "month": [1, 1, 1, 2, 2, 2], "counted": [False, True, True, False, True, True],
        "stream": ["biowaste", "residual", "packaging"] * 2,
        "kg": [2.0, 10.0, 3.0, 0.0, 8.0, 2.5], "weighins": [1, 4, 4, 0, 4, 2]})
    rows = monthly_bins(streams)
    assert list(rows[0]["bins"]) == ["residual", "packaging", "biowaste"]
    assert rows[0]["total"] == 13.0 and rows[1]["total"] == 10.5
    assert rows[1]["bins"]["biowaste"] is None and rows[0]["bins"]["biowaste"] == 2.0
