"""A figure's JSON for a page, as plotly writes it, without encoding plotly's template each time.

`figures.figure_html` sends every chart with the ``plotly_white`` template inside its layout
(6.7 kB of JSON, three quarters of a family chart's text). plotly's encoder
(``plotly.io.json.to_json_plotly``) walks it again for every chart, through a Python-level
``default`` hook. Here the template is encoded once per process, by plotly's own encoder, and
spliced into the JSON of the rest of the figure, which the standard library writes with the
same settings (compact separators, ASCII escapes, then ``<``, ``>`` and ``/`` escaped so that
the text cannot close its ``<script>`` block). The text is the one plotly writes, character
for character (``tests/dashboards/test_plotlyjson.py``); anything the standard library does not
write as plotly would (NaN, numpy arrays, dates: plotly's encoder converts them) goes to
plotly's encoder instead.
"""
from __future__ import annotations

import json
from functools import lru_cache

import plotly.io as pio

#: Stands for the template in the layout while the rest of the figure is encoded.
TEMPLATE_MARKER = "@@zw-plotly-template@@"
_SWAP = (("<", "\\u003c"), (">", "\\u003e"), ("/", "\\u002f"))  # as plotly.io._json._swap_json


def _safe(text: str) -> str:
    for unsafe, escaped in _SWAP:
        if unsafe in text:
            text = text.replace(unsafe, escaped)
    return text


@lru_cache(maxsize=None)
def template_text(name: str) -> str:
    """A plotly template's JSON as plotly writes it, encoded once per process."""
    return pio.json.to_json_plotly(pio.templates[name].to_plotly_json())


class _NotPlain(TypeError):
    pass


def _refuse(value):
    raise _NotPlain(type(value).__name__)


def figure_json(figure: dict, template_name: str) -> str:
    """``pio.json.to_json_plotly(figure)`` where ``figure["layout"]["template"]`` is
    `TEMPLATE_MARKER` standing for plotly's template `template_name`: the same text, the
    template encoded once."""
    try:
        text = json.dumps(figure, separators=(",", ":"), allow_nan=False, default=_refuse)
    except (_NotPlain, ValueError):  # numpy, dates, NaN: plotly's encoder converts them
        text = None
    marker = json.dumps(TEMPLATE_MARKER)
    if text is None or text.count(marker) != 1 or "NaN" in text or "Infinity" in text:
        # (plotly re-encodes a text holding "NaN" or "Infinity": leave those to it)
        template = pio.templates[template_name].to_plotly_json()
        layout = {k: (template if k == "template" and v == TEMPLATE_MARKER else v)
                  for k, v in figure.get("layout", {}).items()}
        return pio.json.to_json_plotly({**figure, "layout": layout})
    return _safe(text).replace(marker, template_text(template_name), 1)
