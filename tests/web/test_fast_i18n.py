"""The templates' cheaper gettext and ``decimalformat`` (tracker/web/common/fast_i18n.py) give
the text Flask-Babel and Babel give, in both languages, and follow `force_locale`."""
from __future__ import annotations

import decimal
import math
import random

import flask_babel
import pytest
from flask import render_template_string

from tracker.web.common import fast_i18n

FORMATS = ("#,##0", "#,##0.#", "#,##0.###", "#,##0.0", "#,##0.000", "0", "0.#", "0.###",
           "#,##0.00", "#,##,##0.0")


def numbers():
    rng = random.Random(19)
    fixed = [0, 0.0, -0.0, 0.5, 1.5, 2.5, -0.4, -0.5, -2.5, 2.675, 1.005, 0.05, 0.15, 0.25,
             999.95, 999.5, 1000, 1234567.891, -1234567.891, 12345678901234567890, 1e-7,
             123456789.123456789, 0.1 + 0.2, 7, -7, 10 ** 9, 99999.9999,
             decimal.Decimal("1234.5650"), decimal.Decimal("-0.0005")]
    drawn = [rng.uniform(-1e6, 1e6) for _ in range(400)] + \
        [rng.uniform(-2, 2) for _ in range(200)] + \
        [round(rng.uniform(0, 5000), rng.randint(0, 4)) for _ in range(400)] + \
        [rng.randint(-10 ** 7, 10 ** 7) for _ in range(100)] + \
        [rng.randint(0, 99999) / 1000 for _ in range(300)]  # kg from grams
    return fixed + drawn


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_decimalformat_gives_babels_text(app, lang):
    with app.test_request_context(f"/?lang={lang}"):
        assert str(flask_babel.get_locale()) == lang
        for fmt in FORMATS:
            for x in numbers():
                assert fast_i18n.format_decimal(x, fmt) == \
                    flask_babel.format_decimal(x, format=fmt), (fmt, x)
        # what goes to Babel: no pattern, a pattern with a suffix, infinities, text
        for x, fmt in ((1234.5, None), (0.25, "#,##0 %"), (math.inf, "#,##0"),
                       (-math.inf, "0.#"), ("12.5", "#,##0.0"), (12.5, "#,##0.0 kg")):
            assert fast_i18n.format_decimal(x, fmt) == flask_babel.format_decimal(x, format=fmt)


def test_the_template_filter_and_gettext_are_the_fast_ones(app):
    assert app.jinja_env.filters["decimalformat"] is fast_i18n.format_decimal
    with app.test_request_context("/?lang=fr"):
        text = render_template_string('{{ _("Progress") }} {{ 12345.67|decimalformat("#,##0.0") }}')
        assert text == f"{flask_babel.gettext('Progress')} 12\u202f345,7"
        assert flask_babel.gettext("Progress") != "Progress"  # a French word, really


def test_gettext_follows_force_locale(app):
    template = '{{ _("Progress") }}|{{ 1234.5|decimalformat("#,##0.0") }}'
    with app.test_request_context("/?lang=fr"):
        french = render_template_string(template)
        with flask_babel.force_locale("en"):
            english = render_template_string(template)
        assert render_template_string(template) == french
    assert english == "Progress|1,234.5"
    assert french != english and french.endswith("1\u202f234,5")


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_underscore_gives_jinjas_newstyle_text(app, lang, autoescape):
    """`template_gettext` against Jinja's own ``_`` (its alias of the newstyle gettext), in an
    escaping template (pages) and a plain one (mails): the same text, escaping, ``%%`` and
    missing-variable behaviour, for every message of the catalogue."""
    from jinja2.ext import _gettext_alias
    from markupsafe import Markup

    ours = app.jinja_env.overlay(autoescape=autoescape)
    jinjas = app.jinja_env.overlay(autoescape=autoescape)
    jinjas.globals = dict(app.jinja_env.globals, _=_gettext_alias)
    assert ours.globals["_"] is fast_i18n.template_gettext
    source = ('{{ _(s) }}|{{ _(s, n=n, month=n, months=n, date=v, num=n, covered=n, weeks=n, '
              'needed=n, name=v, email=v, count=n) }}|{{ _("%%(x)s 100%%", x=v) }}')
    with app.test_request_context("/?lang=fr"):  # the message ids: the French catalogue's
        messages = [m for m in flask_babel.get_translations()._catalog
                    if isinstance(m, str) and m]
    assert len(messages) > 100
    ours_template, jinjas_template = ours.from_string(source), jinjas.from_string(source)
    with app.test_request_context(f"/?lang={lang}"):
        for s in messages + ["Progress", "a < b & c", "%(n)s %% done"]:
            for v in ("<b>x</b>", Markup("<i>safe</i>"), "l'été & \"co\""):
                context = {"s": s, "n": 3, "v": v}
                try:
                    expected = jinjas_template.render(context)
                except (KeyError, ValueError, TypeError) as error:
                    with pytest.raises(type(error)):
                        ours_template.render(context)
                    continue
                assert ours_template.render(context) == expected, s
