"""The family chart's JSON written without plotly's passes is the text plotly writes, and
draws the figure plotly's validation gives, over random households."""
from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from hypothesis import given
from hypothesis import strategies as st
from plotly.subplots import make_subplots

from dashboards.figures import FRENCH as FRENCH_LABELS
from dashboards.figures import (PLOTLY_CONFIG, TEMPLATE, cohort_figure, cohort_figure_spec,
                                figure_html, household_figure_spec)
from dashboards.method import cohort_progress, household_progress
from dashboards.reading import cohort_as_read
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


def plotly_cohort_figure(cohort, title=None, goal_pct=20.0, labels=FRENCH_LABELS):
    """The cohort chart built through plotly (``make_subplots``, traces, axis updates), as
    `cohort_figure` did before `cohort_figure_spec`: the reference the spec must equal."""
    from dashboards.figures import _labels, _layout
    from dashboards.reading import change_labels
    from dashboards.sentences import format_goal

    x = _labels(cohort, labels)
    words = labels.words
    goal = ("" if goal_pct is None
            else labels.goal_suffix % {"goal": format_goal(goal_pct, words)})
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(
        x=x, y=cohort["n_at_target"], name=labels.at_target,
        marker_color="rgba(46,139,87,0.35)", customdata=cohort["n_with_data"],
        hovertemplate=labels.at_target_hover + "<extra></extra>"), secondary_y=True)
    fig.add_trace(go.Scatter(
        x=x, y=-cohort["target_pct"], name=labels.month_step + goal, mode="lines",
        line={"dash": "dash", "color": "#c0392b"},
        customdata=change_labels(cohort["target_pct"], words=words),
        hovertemplate=labels.month_step_hover + goal + "<extra></extra>"), secondary_y=False)
    fig.add_trace(go.Scatter(
        x=x, y=-cohort["reduction_pct"], name=labels.cohort,
        mode="lines+markers", line={"color": "#1f4e79", "width": 3},
        customdata=change_labels(cohort["reduction_pct"], words=words),
        hovertemplate=labels.cohort_hover + "<extra></extra>"), secondary_y=False)
    fig.add_trace(go.Scatter(
        x=x, y=-cohort["median_reduction_pct"], name=labels.median,
        mode="markers", marker={"symbol": "diamond", "size": 9, "color": "#7f8c8d"},
        customdata=change_labels(cohort["median_reduction_pct"], words=words),
        hovertemplate=labels.median_hover + "<extra></extra>"), secondary_y=False)
    _layout(fig, title or labels.cohort_title, labels.change_axis, labels)
    fig.update_yaxes(ticksuffix=labels.percent_tick, secondary_y=False)
    top = int(np.nanmax(cohort["n_with_data"])) if len(cohort) else 0
    fig.update_yaxes(title_text=labels.at_target, rangemode="tozero",
                     range=[0, max(top, 1) * 1.05], showgrid=False, secondary_y=True,
                     **({"dtick": 1} if top <= 5 else {"tickformat": ",d"}))
    return fig


COHORT_PAGE = {"height": 420, "autosize": True, "title": {"text": ""},  # charts.embed
               "margin": {"l": 50, "r": 40, "t": 30, "b": 30}, "xaxis": {"automargin": True},
               **{axis: {"exponentformat": "none", "separatethousands": True}
                  for axis in ("yaxis", "yaxis2")}}


@SETTINGS
@given(coverage_scenarios(), st.sampled_from([None, 20.0, 12.5]))
def test_cohort_chart_without_plotlys_validation_is_plotlys_figure(case, goal):
    w, sizes, hh, params, as_of, absences, accepted = case
    cohort = cohort_as_read(cohort_progress(household_progress(
        w, sizes, hh, params, as_of, absences=absences, accepted=accepted)),
        set())
    for frame in (cohort, cohort.assign(n_with_data=cohort["n_with_data"] * 40,
                                        n_at_target=cohort["n_at_target"] * 300)):
        ours = json.loads(block(figure_html(
            cohort_figure_spec(frame, title="Cohorte", goal_pct=goal), div_id="c",
            layout=COHORT_PAGE)))
        theirs = json.loads(block(figure_html(
            plotly_cohort_figure(frame, title="Cohorte", goal_pct=goal), div_id="c",
            layout=COHORT_PAGE)))
        assert ours == theirs
        # and the validated figure of the same data is that figure too
        checked = json.loads(block(figure_html(
            cohort_figure(frame, title="Cohorte", goal_pct=goal), div_id="c",
            layout=COHORT_PAGE)))
        assert checked == theirs
