"""The sentences' words and number style in the page's language (dashboards stays free of Flask).

`dashboards.sentences.SentenceWords` holds every word the plain sentences say (a household's
month, the first screen, the forecast) and how they write a number; `FRENCH` is its default.
Here it is built from the page's translations (msgids in English, the French in
tracker/translations) and from Babel's locale for the numbers: the decimal sign, the thousands
separator and the space before ``%`` (French: ``1 234,5``, ``−14 %``; English: ``1,234.5``,
``−14%``). The minus sign stays U+2212 in every language (DESIGN.md "How figures read").

The French texts of these msgids hold a no-break space (U+00A0) before ``:`` and ``;``, as the
sentences always wrote them: tests/web/test_figure_words.py checks that a French page gets
exactly `FRENCH`.
"""
from __future__ import annotations

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import get_locale, gettext as _

from dashboards.sentences import SentenceWords
from tracker.domain import STREAM_LABELS, Stream


def number_style() -> dict[str, str]:
    """The page locale's decimal sign, thousands separator and ``%`` suffix (from Babel)."""
    locale = get_locale()
    if locale is None:
        return {}
    return {"decimal": get_decimal_symbol(locale), "group": get_group_symbol(locale),
            "percent": locale.percent_formats[None].suffix[0]}


def stream_names() -> dict[str, str]:
    """Each bin's name as the figures and sentences say it, in the page's language."""
    streams = {key: str(label) for key, label in STREAM_LABELS.items()}
    streams[Stream.RESIDUAL] = _("Residual household waste")
    return streams


def reference_source() -> str:
    """The study behind the reference figure of waste per inhabitant, in the page's language
    (its French is `tracker.domain.REFERENCE_SOURCE`)."""
    return _("ADEME, national waste characterisation campaign MODECOM 2017")


def sentence_words() -> SentenceWords:
    """The sentences' words and number style in the page's language."""
    return SentenceWords(
        **number_style(),
        rate=_("%(grams)s per person per week"),
        so_far=_("so far"),
        compared_one=_("compared with the reference month"),
        compared_many=_("compared with the reference months"),
        no_weighin_yet=_("no weigh-in yet"),
        no_weighin=_("no weigh-in"),
        reference_month=_("This month (reference month): %(what)s."),
        no_baseline=_("No weigh-in during the reference month: the change cannot be "
                      "worked out."),
        this_month=_("This month: %(what)s."),
        month_without_change=_("This month: %(what)s; the month's step: %(step)s%(goal)s"),
        month_change=_("This month: %(change)s %(compared)s; the month's step: "
                       "%(step)s%(goal)s"),
        final_goal=_("(final goal: %(goal)s)"),
        weighed_none=_("no weigh-in so far"),
        weighed_one=_("1 weigh-in so far"),
        weighed_many=_("%(n)s weigh-ins so far"),
        day_one=_("1 day elapsed"),
        days_many=_("%(n)s days elapsed"),
        too_early=_("Too early to judge this month (%(days)s): %(weighed)s. The figures "
                    "will come after the first week."),
        not_started=_("The challenge has not started yet."),
        glance_goal=_("The goal: %(goal)s of waste by the end of the challenge."),
        glance_reference=_("This is the reference month: every bin weighed counts."),
        glance_no_figure=_("No figure yet this month."),
        glance_unconfirmed=_("Your waste: %(change)s compared with the reference month, to "
                             "be confirmed (weeks without weigh-ins); the month's step "
                             "%(step)s, final goal %(goal)s."),
        glance_reached=_("Your waste: %(change)s compared with the reference month; the "
                         "final goal (%(goal)s) is already reached."),
        glance_on_track=_("Your waste: %(change)s compared with the reference month; you are "
                          "on the target path (the month's step %(step)s, final goal "
                          "%(goal)s)."),
        glance_behind=_("Your waste: %(change)s compared with the reference month; not yet "
                        "on the target path (the month's step %(step)s, final goal "
                        "%(goal)s)."),
        glance_less=_("What changed most: %(bin)s (%(grams)s less per person per "
                      "week%(change)s)."),
        glance_more=_("What changed most: %(bin)s (%(grams)s more per person per "
                      "week%(change)s)."),
        forecast=_("If the trend of your %(n)s complete months goes on, in month %(month)s "
                   "your waste would be at %(change)s compared with the reference "
                   "month%(range)s; final goal: %(goal)s."),
        forecast_range=_("(between %(low)s and %(high)s)"),
        pace=_("At the pace of month %(month)s (the last complete month): %(kg)s of counted "
               "waste per person per year."),
        pace_residual=_("Your residual bin: %(kg)s per person per year, against a national "
                        "average of %(reference)s per inhabitant (%(source)s)."))
