"""The family chart's JSON written without plotly's passes is the text plotly writes, and
draws the figure plotly's validation gives, over random households."""
from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from hypothesis import given

from dashboards.figures import PLOTLY_CONFIG, TEMPLATE, figure_html, household_figure_spec
from dashboards.plotlyjson import TEMPLATE_MARKER, figure_json

from .test_coverage import coverage_scenarios
from .test_household import one_household
from .test_properties import SETTINGS

PAGE = {"height": 360, "autosize": True, "title": {"text": ""},  # tracker.web.charts.embed
        "margin": {"l": 50, "r": 40, "t": 30, "b": 30}, "xaxis": {"automargin": True}}


def plotly_text(figure: dict) -> str:
    """What plotly's encoder writes for `figure` with the real template in its layout."""
    layout = {k: (pio.templates[TEMPLATE].to_plotly_json() if k == "template" else v)
              for k, v in figure["layout"].items()}
    return pio.json.to_json_plotly({**figure, "layout": layout})


def block(html: str) -> str:
    return html.split('data-plotly-figure="c">', 1)[1].rsplit("</script>", 1)[0]


@SETTINGS
@given(coverage_scenarios())
def test_family_chart_json_is_plotlys_text_and_plotlys_figure(case):
    for household_id in case[2]["household_id"]:
        _, fast = one_household(case, household_id)
        if not len(fast.progress):
            continue
        spec = household_figure_spec(fast.streams, fast.progress, household_id,
                                     title="Vos déchets, mois par mois")
        text = block(figure_html(spec, div_id="c", layout=PAGE))
        figure = json.loads(text)
        # the same characters as plotly's encoder
        marked = {**figure, "layout": {**figure["layout"], "template": TEMPLATE_MARKER}}
        assert text == plotly_text(marked)
        # the figure plotly's validation gives for the same data, template included
        checked = go.Figure(spec).update_layout(PAGE, template=TEMPLATE).to_plotly_json()
        assert figure["config"] == PLOTLY_CONFIG
        assert figure["layout"] == checked["layout"]
        assert len(figure["data"]) == len(checked["data"])
        for ours, theirs in zip(figure["data"], checked["data"]):
            theirs = {k: (_plain(v) if k == "y" else v) for k, v in theirs.items()}
            assert ours == theirs


def _plain(values):
    """plotly keeps a y of numbers and None as a tuple/list; NaN stays None on the page."""
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in values]


def test_what_the_standard_library_cannot_write_as_plotly_goes_to_plotly():
    template = {"data": [{"type": "bar", "x": ["a</script>"], "y": np.array([1.5, np.nan])}],
                "layout": {"title": {"text": "NaN & <b>é</b>"}, "template": TEMPLATE_MARKER},
                "config": {}}
    assert figure_json(template, TEMPLATE) == plotly_text(template)
    plain = {"data": [{"type": "bar", "x": ["a</script>", "é"], "y": [1.5, None]}],
             "layout": {"template": TEMPLATE_MARKER, "height": 3}, "config": {"a": 1}}
    text = figure_json(plain, TEMPLATE)
    assert text == plotly_text(plain)
    assert "</" not in text and "\\u003c\\u002fscript\\u003e" in text
    assert figure_json({**plain, "layout": {"height": 3}}, TEMPLATE) == \
        pio.json.to_json_plotly({**plain, "layout": {"height": 3}})
