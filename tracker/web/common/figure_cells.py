"""The family progress page's figure cells as template filters: ``rate|grams`` and
``change|change``, the text of the macros they replace, at a fraction of their cost.

A Jinja macro call builds a new frame and context for each of the page's 30 or so cells (with
the ``%`` suffix looked up from Babel for each percentage): together about a tenth of the
page's template time (issue 19, docs/scaling.md). The same text: a test renders both.
"""
from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import Flask
from markupsafe import Markup, escape

from tracker.web.common.fast_i18n import current_locale, format_decimal, translations

NO_DATA = '<span class="nodata">{}</span>'


@lru_cache(maxsize=16)
def _percent(locale_id: str) -> Markup:
    """What follows a percentage in this locale (``&nbsp;%`` in French, ``%`` in English)."""
    suffix = Locale.parse(locale_id).percent_formats[None].suffix[0]
    return Markup(str(escape(suffix)).replace("\u00a0", "&nbsp;"))


def percent_suffix() -> Markup:
    """`charts.percent_sign()` of the page's locale, looked up once per locale."""
    locale = current_locale()
    return _percent(str(locale)) if locale is not None else Markup("&nbsp;%")


def grams(rate) -> Markup:
    """Grams per person per week, or "no data yet"."""
    if rate is None:
        return Markup(NO_DATA).format(translations().ugettext("no data yet"))
    return Markup(escape(format_decimal(rate, "#,##0")) + Markup("&nbsp;g"))


def change(value) -> Markup:
    """A change in per cent, rounded, signed with a true minus (or "—" when there is none)."""
    if value is None:
        return Markup(NO_DATA).format("—")
    r = round(value, 0)
    sign = "−" if r < 0 else ("+" if r > 0 else "")
    return Markup(escape(sign + format_decimal(abs(r), "#,##0")) + percent_suffix())


def init_app(app: Flask) -> None:
    app.add_template_filter(grams, "grams")
    app.add_template_filter(change, "change")
