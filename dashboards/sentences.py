"""Plain sentences that tell a family where it stands this month, in the page's language.

Every word and the number style come from a `SentenceWords` the caller passes (the web layer
builds it from the page's translations and Babel's locale, tracker.web.common.figure_words);
`FRENCH` is the default, so this package stays free of Flask.

French typography (`FRENCH`): the true minus sign (U+2212) for a decrease, ``+`` for an
increase, a decimal comma, a no-break space (U+00A0) before ``%``, ``:`` and ``;``, a narrow
no-break space (U+202F) between thousands. English: a decimal point, a comma between
thousands, ``%`` right after the number, the same minus sign. Percentages are the change of the
household's waste rate versus its reference month, so a reduction of 14 % reads ``−14 %``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from .export import round_half_up

MINUS = "\u2212"
NBSP = "\u00a0"
THIN_NBSP = "\u202f"


@dataclass(frozen=True)
class SentenceWords:
    """The words and number style of the sentences (French by default: `FRENCH`).

    Templates are ``%``-formatted with the names shown; a number and its unit (``226 g``)
    arrive together in one value. The French texts hold U+00A0 before ``:`` and ``;``.
    """

    decimal: str = ","
    group: str = THIN_NBSP
    percent: str = NBSP + "%"  # after the number: "−14 %" (French), "−14%" (English)
    # a household's month (`month_sentence`, `too_early_sentence`, `current_sentence`)
    rate: str = "%(grams)s par personne et par semaine"
    so_far: str = "jusqu'ici"
    compared_one: str = "par rapport au mois de référence"
    compared_many: str = "par rapport aux mois de référence"
    no_weighin_yet: str = "pas encore de pesée"
    no_weighin: str = "aucune pesée"
    reference_month: str = "Ce mois-ci (mois de référence)\u00a0: %(what)s."
    no_baseline: str = ("Pas de pesée pendant le mois de référence\u00a0: "
                        "la réduction ne peut pas être calculée.")
    this_month: str = "Ce mois-ci\u00a0: %(what)s."
    month_without_change: str = ("Ce mois-ci\u00a0: %(what)s\u00a0; "
                                 "objectif du mois\u00a0: %(step)s%(goal)s")
    month_change: str = ("Ce mois-ci\u00a0: %(change)s %(compared)s\u00a0; "
                         "objectif du mois\u00a0: %(step)s%(goal)s")
    final_goal: str = "(objectif final\u00a0: %(goal)s)"
    weighed_none: str = "aucune pesée pour l'instant"
    weighed_one: str = "1 pesée jusqu'ici"
    weighed_many: str = "%(n)s pesées jusqu'ici"
    day_one: str = "1 jour écoulé"
    days_many: str = "%(n)s jours écoulés"
    too_early: str = ("Trop tôt pour juger ce mois-ci (%(days)s)\u00a0: %(weighed)s. "
                      "Les chiffres viendront après la première semaine.")
    not_started: str = "Le défi n'a pas encore commencé."
    # the first screen (dashboards.glance)
    glance_goal: str = "L'objectif\u00a0: %(goal)s de déchets d'ici la fin du défi."
    glance_reference: str = "C'est le mois de référence\u00a0: chaque poubelle pesée compte."
    glance_no_figure: str = "Pas encore de chiffre ce mois-ci."
    glance_unconfirmed: str = ("Vos déchets\u00a0: %(change)s par rapport au mois de référence, "
                               "à confirmer (des semaines sans pesée)\u00a0; étape du mois "
                               "%(step)s, objectif final %(goal)s.")
    glance_reached: str = ("Vos déchets\u00a0: %(change)s par rapport au mois de référence"
                           "\u00a0; l'objectif final (%(goal)s) est déjà atteint.")
    glance_on_track: str = ("Vos déchets\u00a0: %(change)s par rapport au mois de référence"
                            "\u00a0; vous êtes sur la trajectoire (étape du mois %(step)s, "
                            "objectif final %(goal)s).")
    glance_behind: str = ("Vos déchets\u00a0: %(change)s par rapport au mois de référence"
                          "\u00a0; pas encore sur la trajectoire (étape du mois %(step)s, "
                          "objectif final %(goal)s).")
    glance_less: str = ("Ce qui a le plus changé\u00a0: %(bin)s (%(grams)s par personne et par "
                        "semaine en moins%(change)s).")
    glance_more: str = ("Ce qui a le plus changé\u00a0: %(bin)s (%(grams)s par personne et par "
                        "semaine en plus%(change)s).")
    # beyond the peers (dashboards.outlook)
    forecast: str = ("Si la tendance de vos %(n)s mois complets se poursuit, au mois %(month)s "
                     "vos déchets seraient à %(change)s par rapport au mois de référence"
                     "%(range)s\u00a0; objectif final\u00a0: %(goal)s.")
    forecast_range: str = "(entre %(low)s et %(high)s)"
    pace: str = ("Au rythme du mois %(month)s (le dernier mois complet)\u00a0: %(kg)s de déchets "
                 "comptés par personne et par an.")
    pace_residual: str = ("Votre poubelle grise\u00a0: %(kg)s par personne et par an, pour une "
                          "moyenne nationale de %(reference)s par habitant (%(source)s).")


FRENCH = SentenceWords()


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_number(value: float, decimals: int = 0, words: SentenceWords = FRENCH) -> str:
    """``1 234,5`` (French) or ``1,234.5`` (English); the minus sign U+2212 in both."""
    d = round_half_up(value, decimals)
    sign = MINUS if d < 0 else ""
    text = f"{abs(d):,.{decimals}f}"
    return sign + "".join(words.group if c == "," else words.decimal if c == "." else c
                          for c in text)


def format_change(reduction_pct: float, decimals: int = 0, words: SentenceWords = FRENCH) -> str:
    """A reduction as a signed change: 14 -> ``−14 %``, -5 -> ``+5 %``, 0 -> ``0 %``."""
    change = round_half_up(-float(reduction_pct), decimals)
    text = format_number(abs(change), decimals, words)
    sign = "" if change == 0 else (MINUS if change < 0 else "+")
    return f"{sign}{text}{words.percent}"


def format_goal(goal_pct: float, words: SentenceWords = FRENCH) -> str:
    """The final goal as a change in waste: 20 -> ``−20 %`` (one decimal when it has one)."""
    return format_change(goal_pct, 0 if float(goal_pct).is_integer() else 1, words)


def with_unit(value: float, unit: str, words: SentenceWords = FRENCH) -> str:
    """``1 234 g``: a whole number and its unit, never cut apart (U+00A0 between)."""
    return f"{format_number(value, 0, words)}{NBSP}{unit}"


def _rate(row: Mapping, words: SentenceWords) -> str:
    return words.rate % {"grams": with_unit(row["g_per_person_week"], "g", words)}


def goal_text(goal_pct: float | None, words: SentenceWords = FRENCH) -> str:
    """`` (objectif final : −20 %)``: the final goal beside the month's step ("" without it)."""
    if goal_pct is None or _missing(goal_pct):
        return ""
    return " " + words.final_goal % {"goal": format_goal(goal_pct, words)}


def month_sentence(row: Mapping, baseline_months: int = 1,
                   goal_pct: float | None = None, words: SentenceWords = FRENCH) -> str:
    """The sentence for one row of ``household_progress`` (one household, one month);
    `goal_pct` (the edition's target) is written beside the month's step."""
    compared = words.compared_one if baseline_months == 1 else words.compared_many
    so_far = "" if bool(row["complete"]) else " " + words.so_far
    has_rate = not _missing(row["g_per_person_week"])
    if bool(row.get("too_early", False)):
        return too_early_sentence(row, words)
    none = words.no_weighin_yet if not bool(row["complete"]) else words.no_weighin
    if bool(row["baseline_month"]):
        what = f"{_rate(row, words)}{so_far}" if has_rate else none
        return words.reference_month % {"what": what}
    if _missing(row["baseline_g_per_person_week"]):
        text = words.no_baseline
        if has_rate:
            text += " " + words.this_month % {"what": f"{_rate(row, words)}{so_far}"}
        return text
    target = row["target_pct"]
    if _missing(row["reduction_pct"]):
        return words.month_without_change % {
            "what": none, "step": format_change(target, 0, words),
            "goal": goal_text(goal_pct, words)}
    reduction = row["reduction_pct"]
    decimals = 0
    # never print "−11 %" and "−11 %" for a household that is just short of the target
    judged_ok = not _missing(row["on_track"]) and bool(row["on_track"])
    while (not judged_ok and decimals < 2
           and format_change(reduction, decimals) == format_change(target, decimals)):
        decimals += 1
    return words.month_change % {
        "change": format_change(reduction, decimals, words), "compared": compared,
        "step": format_change(target, decimals, words), "goal": goal_text(goal_pct, words)}


def too_early_sentence(row: Mapping, words: SentenceWords = FRENCH) -> str:
    """The first days of a month: what was weighed so far, no rate nor percentage."""
    days = int(row["days"]) if not _missing(row.get("days")) else 0
    n = int(row["weighins"])
    weighed = (words.weighed_none if n == 0 else
               words.weighed_one if n == 1 else words.weighed_many % {"n": n})
    day_text = words.day_one if days == 1 else words.days_many % {"n": days}
    return words.too_early % {"days": day_text, "weighed": weighed}


def current_sentence(progress: pd.DataFrame, household_id: int,
                     baseline_months: int = 1, goal_pct: float | None = None,
                     words: SentenceWords = FRENCH) -> str:
    """The sentence for a household's latest started month in ``household_progress``."""
    rows = progress[progress["household_id"] == household_id]
    if rows.empty:
        return words.not_started
    row = rows.loc[rows["month"].idxmax()]
    return month_sentence(row, baseline_months, goal_pct, words)
