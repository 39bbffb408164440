"""Plain-French sentences that tell a family where it stands this month.

Typography: the true minus sign (U+2212) for a decrease, ``+`` for an increase, a decimal
comma, a no-break space (U+00A0) before ``%``, ``:`` and ``;``, a narrow no-break space
(U+202F) between thousands. Percentages are the change of the household's waste rate versus
its reference month, so a reduction of 14 % reads ``−14 %``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from .export import round_half_up

MINUS = "\u2212"
NBSP = "\u00a0"
THIN_NBSP = "\u202f"


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_number(value: float, decimals: int = 0) -> str:
    """``1 234,5`` style: decimal comma, narrow no-break space between thousands."""
    d = round_half_up(value, decimals)
    sign = MINUS if d < 0 else ""
    text = f"{abs(d):,.{decimals}f}"
    return sign + text.replace(",", THIN_NBSP).replace(".", ",")


def format_change(reduction_pct: float, decimals: int = 0) -> str:
    """A reduction as a signed change: 14 -> ``−14 %``, -5 -> ``+5 %``, 0 -> ``0 %``."""
    change = round_half_up(-float(reduction_pct), decimals)
    text = format_number(abs(change), decimals)
    sign = "" if change == 0 else (MINUS if change < 0 else "+")
    return f"{sign}{text}{NBSP}%"


def _rate(row: Mapping) -> str:
    return f"{format_number(row['g_per_person_week'])}{NBSP}g par personne et par semaine"


def goal_text(goal_pct: float | None) -> str:
    """`` (objectif final : −20 %)``: the final goal beside the month's step ("" without it)."""
    if goal_pct is None or _missing(goal_pct):
        return ""
    decimals = 0 if float(goal_pct).is_integer() else 1
    return f" (objectif final{NBSP}: {format_change(goal_pct, decimals)})"


def month_sentence(row: Mapping, baseline_months: int = 1,
                   goal_pct: float | None = None) -> str:
    """The sentence for one row of ``household_progress`` (one household, one month);
    `goal_pct` (the edition's target) is written beside the month's step."""
    reference = "au mois de référence" if baseline_months == 1 else "aux mois de référence"
    so_far = "" if bool(row["complete"]) else " jusqu'ici"
    has_rate = not _missing(row["g_per_person_week"])
    if bool(row.get("too_early", False)):
        return too_early_sentence(row)
    if bool(row["baseline_month"]):
        what = f"{_rate(row)}{so_far}" if has_rate else (
            "pas encore de pesée" if not bool(row["complete"]) else "aucune pesée")
        return f"Ce mois-ci (mois de référence){NBSP}: {what}."
    if _missing(row["baseline_g_per_person_week"]):
        text = (f"Pas de pesée pendant le mois de référence{NBSP}: "
                f"la réduction ne peut pas être calculée.")
        if has_rate:
            text += f" Ce mois-ci{NBSP}: {_rate(row)}{so_far}."
        return text
    target = row["target_pct"]
    if _missing(row["reduction_pct"]):
        none = "pas encore de pesée" if not bool(row["complete"]) else "aucune pesée"
        return (f"Ce mois-ci{NBSP}: {none}{NBSP}; objectif du mois{NBSP}: "
                f"{format_change(target)}{goal_text(goal_pct)}")
    reduction = row["reduction_pct"]
    decimals = 0
    # never print "−11 %" and "−11 %" for a household that is just short of the target
    judged_ok = not _missing(row["on_track"]) and bool(row["on_track"])
    while (not judged_ok and decimals < 2
           and format_change(reduction, decimals) == format_change(target, decimals)):
        decimals += 1
    return (f"Ce mois-ci{NBSP}: {format_change(reduction, decimals)} par rapport {reference}"
            f"{NBSP}; objectif du mois{NBSP}: {format_change(target, decimals)}"
            f"{goal_text(goal_pct)}")


def too_early_sentence(row: Mapping) -> str:
    """The first days of a month: what was weighed so far, no rate nor percentage."""
    days = int(row["days"]) if not _missing(row.get("days")) else 0
    n = int(row["weighins"])
    weighed = ("aucune pesée pour l'instant" if n == 0 else
               "1 pesée jusqu'ici" if n == 1 else f"{n} pesées jusqu'ici")
    day_text = "1 jour écoulé" if days == 1 else f"{days} jours écoulés"
    return (f"Trop tôt pour juger ce mois-ci ({day_text}){NBSP}: {weighed}. "
            f"Les chiffres viendront après la première semaine.")


def current_sentence(progress: pd.DataFrame, household_id: int,
                     baseline_months: int = 1, goal_pct: float | None = None) -> str:
    """The sentence for a household's latest started month in ``household_progress``."""
    rows = progress[progress["household_id"] == household_id]
    if rows.empty:
        return "Le défi n'a pas encore commencé."
    row = rows.loc[rows["month"].idxmax()]
    return month_sentence(row, baseline_months, goal_pct)
