"""The templates' translations and number formatting, the same text at a fraction of the cost.

Flask-Babel looks the request's translations up anew for every ``_()`` of a template (three
or four context look-ups through Flask's proxies each) and `babel.numbers.format_decimal`
parses its pattern and the locale's symbols on every call. The family progress page makes
about 40 and 25 of those calls, the staff cohort page a few hundred: together about a third
of the family page's template time (issue 19, docs/scaling.md).

* `translations`: Flask-Babel's own translations object, remembered on Flask-Babel's request
  namespace with the locale and domain it was found for (by identity): `force_locale` (mails
  in the recipient's language) and `refresh` replace the locale object, so the next look-up
  goes through Flask-Babel again.
* `_` in templates: Jinja's newstyle ``_`` (``_gettext_alias``) resolves ``gettext`` in the
  template's context and calls it through the context, which calls the translation function
  through the context again: three of Jinja's calls per ``_()``. `template_gettext` does
  what that chain does (the translation, Markup where the template escapes, ``%`` with the
  keyword arguments escaped) in one call; ``{% trans %}`` blocks and ``gettext()`` are
  Jinja's own.
* `format_decimal`: Babel's own algorithm for the plain patterns the templates use
  (``#,##0``, ``#,##0.0``, ``0.###``...: no prefix, suffix, exponent, significant digits,
  scale or currency), with the parsed pattern and the locale's two symbols cached; anything
  else (another pattern, an infinite or non-number value) goes to Babel. Identical text:
  tests/web/test_fast_i18n.py compares both over many numbers in both languages.
"""
from __future__ import annotations

import decimal
from functools import lru_cache

import flask_babel
from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol, parse_pattern
from flask import Flask
from flask.globals import _cv_app
from jinja2 import pass_eval_context
from markupsafe import Markup

_QUANTUM = {n: decimal.Decimal(10) ** (-n) for n in range(10)}


def _babel_namespace():
    """Flask-Babel's per-request namespace (``g._flask_babel``), or None."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return None
    return app_ctx.g.__dict__.get("_flask_babel")


def translations():
    """`flask_babel.get_translations()`, looked up once per request and locale."""
    ns = _babel_namespace()
    if ns is not None:
        seen = ns.__dict__.get("_zw_translations")
        if seen is not None and seen[0] is ns.__dict__.get("babel_locale") \
                and seen[1] is ns.__dict__.get("babel_domain"):
            return seen[2]
    found = flask_babel.get_translations()
    ns = _babel_namespace()
    locale = None if ns is None else ns.__dict__.get("babel_locale")
    if locale is not None:
        ns._zw_translations = (locale, ns.__dict__.get("babel_domain"), found)
    return found


def current_locale() -> Locale | None:
    """`flask_babel.get_locale()`, read from Flask-Babel's namespace once it is set."""
    ns = _babel_namespace()
    locale = None if ns is None else ns.__dict__.get("babel_locale")
    return locale if locale is not None else flask_babel.get_locale()


@lru_cache(maxsize=64)
def _plain_pattern(fmt: str):
    """(grouping, minimum integer digits, (min, max) fraction digits) of a plain pattern, or
    None when Babel must do it (see the module docstring)."""
    p = parse_pattern(fmt)
    if (p.exp_prec or p.scale or "@" in p.pattern or "¤" in p.pattern or "'" in p.pattern
            or p.prefix != ("", "-") or p.suffix != ("", "") or p.frac_prec[1] not in _QUANTUM):
        return None
    return p.grouping, p.int_prec[0], p.frac_prec


@lru_cache(maxsize=16)
def _symbols(locale_id: str) -> tuple[str, str]:
    locale = Locale.parse(locale_id)
    return get_decimal_symbol(locale), get_group_symbol(locale)


def format_decimal(number, format: str | None = None) -> str:
    """`flask_babel.format_decimal` (the ``decimalformat`` filter), the same text."""
    locale = current_locale()
    plain = _plain_pattern(format) if isinstance(format, str) and locale is not None else None
    if plain is None or isinstance(number, str):
        return flask_babel.format_decimal(number, format=format)
    value = number if isinstance(number, decimal.Decimal) else decimal.Decimal(str(number))
    if not value.is_finite():
        return flask_babel.format_decimal(number, format=format)
    (gsize, gsize2), int_min, (frac_min, frac_max) = plain
    point, group = _symbols(str(locale))
    negative = value.is_signed()
    try:
        rounded = abs(value).normalize().quantize(_QUANTUM[frac_max])
    except decimal.InvalidOperation:  # more digits than the context holds: Babel decides
        return flask_babel.format_decimal(number, format=format)
    a, _, b = f"{rounded:f}".partition(".")
    if len(a) < int_min:
        a = "0" * (int_min - len(a)) + a
    tail = ""
    while len(a) > gsize:
        tail = group + a[-gsize:] + tail
        a = a[:-gsize]
        gsize = gsize2
    frac = b or "0"
    if len(frac) < frac_min:
        frac += "0" * (frac_min - len(frac))
    if frac_max == 0 or (frac_min == 0 and int(frac) == 0):
        frac_text = ""
    else:
        while len(frac) > frac_min and frac[-1] == "0":
            frac = frac[:-1]
        frac_text = point + frac
    return ("-" if negative else "") + a + tail + frac_text


@pass_eval_context
def template_gettext(eval_ctx, string: str, **variables) -> str:
    """Jinja's newstyle ``_()`` (jinja2.ext ``_make_new_gettext``), the same text: always
    a format string, Markup (its arguments escaped) where the template autoescapes."""
    text = translations().ugettext(string)
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def init_app(app: Flask) -> None:
    """After `Babel.init_app`: the same callables and filter, cheaper."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n))
    app.jinja_env.globals["_"] = template_gettext
    app.jinja_env.filters["decimalformat"] = format_decimal
