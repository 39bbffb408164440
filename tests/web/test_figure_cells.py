"""The family page's ``grams`` and ``change`` filters (tracker/web/common/figure_cells.py) give
the text of the Jinja macros they replaced, in both languages, for every kind of value."""
from __future__ import annotations

import pytest
from flask import render_template_string

from tests.web.test_fast_i18n import numbers

#: the macros as the page had them before the filters (the reference text)
MACROS = """{% macro grams(rate) -%}
  {% if rate is none %}<span class="nodata">{{ _("no data yet") }}</span>{% else %}{{ rate|decimalformat("#,##0") }}&nbsp;g{% endif %}
{%- endmacro %}
{% macro change(value) -%}
  {% if value is none %}<span class="nodata">—</span>{% else %}{% set r = value|round(0) %}{{ "−" if r < 0 else ("+" if r > 0 else "") }}{{ (r|abs)|decimalformat("#,##0") }}{{ percent_sign() }}{% endif %}
{%- endmacro %}"""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_filters_give_the_macros_text(app, lang):
    values = [None, *(x for x in numbers() if abs(x) < 1e12)]
    with app.test_request_context(f"/?lang={lang}"):
        macros = render_template_string(
            MACROS + "{% for x in xs %}{{ grams(x) }}|{{ change(x) }}\n{% endfor %}", xs=values)
        filters = render_template_string(
            "{% for x in xs %}{{ x|grams }}|{{ x|change }}\n{% endfor %}", xs=values)
    assert filters.splitlines() == macros.splitlines()[-len(values):]
    assert ("&nbsp;%" in filters) == (lang == "fr") and "nodata" in filters
