"""Plotly figure builders for the staff and family dashboards, in the page's language.

Every word a figure shows comes from a `ChartLabels` the caller passes (the web layer builds
it with the page's translations, tracker.web.charts.chart_labels); `FRENCH` is the default, so
this package stays free of Flask. Builders take the frames of :mod:`dashboards.method` and
return ``go.Figure``; the tracker
embeds them with :func:`figure_html` (a ``<div>`` and the figure as JSON, no inline script) and
serves plotly.js itself (no CDN).
"""
from __future__ import annotations

import copy
import datetime as dt
import html
import math
import uuid
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from _plotly_utils.utils import convert_to_base64

from .plotlyjson import TEMPLATE_MARKER, figure_json
from .reading import change_labels
from .sentences import FRENCH as FRENCH_WORDS
from .sentences import SentenceWords, format_goal

MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]
STREAM_LABELS = {
    "residual": "Ordures ménagères résiduelles",
    "packaging": "Emballages et papiers",
    "glass": "Verre",
    "biowaste": "Biodéchets",
    "paper": "Papier",
    "textile": "Textile",
    "bulky": "Encombrants",
}
STREAM_COLORS = {
    "residual": "#5f6368",
    "packaging": "#e6b800",
    "glass": "#2e8b57",
    "biowaste": "#8b5a2b",
    "paper": "#3a7bd5",
    "textile": "#9c4f96",
    "bulky": "#b5523b",
}
# French number display: decimal comma, narrow no-break space between thousands
SEPARATORS = ",\u202f"
#: No tool bar (its zoom and pan fight a phone's scrolling, its tips are in English); the page
#: draws the chart in its language (static/js/charts.js sets plotly's locale).
PLOTLY_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True}


@dataclass(frozen=True)
class ChartLabels:
    """The words and number style of the figures (French by default: `FRENCH`)."""

    month_names: tuple[str, ...] = tuple(MONTHS_FR)
    first_day: str = "1er"  # the first of the month as written ("1er mars", "1 March")
    date: str = "%(day)s %(month)s %(year)s"
    month: str = "Mois %(month)s"
    from_date: str = "dès le %(date)s"
    in_progress: str = " (en cours)"
    streams: dict = field(default_factory=lambda: dict(STREAM_LABELS))
    separators: str = SEPARATORS
    cohort_title: str = "Progression de la cohorte"
    at_target: str = "Foyers sur la trajectoire"
    at_target_hover: str = "%{y} foyers sur %{customdata}"
    month_step: str = "Étape du mois"
    month_step_hover: str = "Étape du mois : %{customdata}"
    goal_suffix: str = " (objectif %(goal)s)"
    cohort: str = "Évolution des déchets de la cohorte (pondérée)"
    cohort_hover: str = "Cohorte : %{customdata}"
    median: str = "Évolution médiane des foyers"
    median_hover: str = "Médiane : %{customdata}"
    change_axis: str = "Évolution des déchets par rapport au mois de référence (%)"
    household_title: str = "Foyer %(name)s"
    diverted: str = "%(stream)s (détournés, non comptés)"
    not_counted_hover: str = " (non compté)"
    target_path: str = "Trajectoire de l'objectif"
    target_hover: str = "Objectif : %{y:.0f} g"
    rate_axis: str = "g par personne et par semaine"
    percent_tick: str = "\u202f%"  # the unit on each tick of a change axis: "−10 %"
    words: SentenceWords = FRENCH_WORDS  # the number style of hover labels ("−12,0 %")


FRENCH = ChartLabels()

#: The look of every figure, added when the figure is turned into HTML (see `figure_html`).
TEMPLATE = "plotly_white"


def figure_html(fig: go.Figure | dict, div_id: str | None = None,
                layout: dict | None = None) -> str:
    """An HTML ``<div>`` for ``fig`` and its figure as a JSON data block: nothing to execute.

    The page loads plotly.js and the site's ``charts.js`` once; ``charts.js`` draws every
    ``<script type="application/json" data-plotly-figure="<div id>">`` into its ``<div>``.
    plotly's own ``to_html`` writes an inline ``<script>`` calling ``Plotly.newPlot``, which a
    Content-Security-Policy without ``'unsafe-inline'`` refuses; a JSON block is data, never run.
    The template goes in here, as JSON encoded once per process (`plotlyjson.figure_json`):
    `update_layout(template=...)` would validate the whole template again for every figure
    (~30 ms, half of a progress page), and encoding it was most of a family chart's JSON.
    `layout` is merged into the figure's layout the same way, for the page's own settings
    (height, margins) without another validation pass.
    """
    if isinstance(fig, dict):  # plain data (household_figure_spec): copied, not validated
        data = {"data": list(fig.get("data", [])), "layout": copy.deepcopy(fig.get("layout", {}))}
    else:
        data = fig.to_plotly_json()
    # every chart's look: the template, encoded once per process (dashboards/plotlyjson.py)
    data.setdefault("layout", {})["template"] = TEMPLATE_MARKER
    _merge(data["layout"], layout or {})
    div_id = div_id or f"chart-{uuid.uuid4().hex[:12]}"
    height = data["layout"].get("height")
    size = f"height:{height}px; width:100%;" if isinstance(height, (int, float)) else \
        "height:100%; width:100%;"
    # plotly's encoder (numpy arrays, dates) escapes "<", ">" and "/": the block cannot close early
    figure = figure_json({"data": data["data"], "layout": data["layout"],
                          "config": PLOTLY_CONFIG}, TEMPLATE)
    return (f'<div id="{html.escape(div_id)}" class="plotly-graph-div" style="{size}"></div>'
            f'<script type="application/json" data-plotly-figure="{html.escape(div_id)}">'
            f'{figure}</script>')


def _merge(target: dict, changes: dict) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def french_date(d: dt.date, labels: ChartLabels = FRENCH) -> str:
    """``1 mars 2026`` (``1er`` for the first of the month, as written in French)."""
    day = labels.first_day if d.day == 1 else str(d.day)
    return labels.date % {"day": day, "month": labels.month_names[d.month - 1], "year": d.year}


def month_label(month: int, month_start: dt.date, complete: bool = True,
                labels: ChartLabels = FRENCH) -> str:
    """Axis label of a challenge month: ``Mois 2<br>avril 2026`` (``(en cours)`` if open)."""
    start = pd.Timestamp(month_start).date()
    when = (f"{labels.month_names[start.month - 1]} {start.year}" if start.day == 1
            else labels.from_date % {"date": french_date(start, labels)})
    return (labels.month % {"month": month} + f"<br>{when}"
            + ("" if complete else labels.in_progress))


def _labels(df: pd.DataFrame, labels: ChartLabels = FRENCH) -> list[str]:
    return [month_label(m, s, c, labels) for m, s, c in
            zip(df["month"], df["month_start"], df["complete"])]


def _layout_dict(title: str, ytitle: str, labels: ChartLabels = FRENCH) -> dict:
    return {"title": {"text": title}, "separators": labels.separators, "hovermode": "x unified",
            "legend": {"orientation": "h", "yanchor": "top", "y": -0.18},
            "margin": {"l": 60, "r": 60, "t": 60, "b": 40},  # template: added by figure_html
            # "2 000", not "2000": French writes 4-digit numbers grouped too
            "yaxis": {"title": {"text": ytitle}, "separatethousands": True}}


def _layout(fig: go.Figure, title: str, ytitle: str, labels: ChartLabels = FRENCH):
    fig.update_layout(_layout_dict(title, ytitle, labels))


def cohort_figure(cohort: pd.DataFrame, title: str | None = None,
                  goal_pct: float | None = 20.0, labels: ChartLabels = FRENCH) -> go.Figure:
    """Month by month: the cohort's change in waste vs the target path, median, bars on track.

    Drawn as every page reads a figure (DESIGN.md "How figures read"): the change in waste
    against the reference month, so less waste goes down and the step of the month reads −6 %,
    the final goal (`goal_pct`, the edition's target) beside it. Hover labels are text in the
    labels' number style (customdata): the browser's number format would write a hyphen for
    the minus.
    """
    return go.Figure(_cohort_data(cohort, title, goal_pct, labels))


def cohort_figure_spec(cohort: pd.DataFrame, title: str | None = None,
                       goal_pct: float | None = 20.0, labels: ChartLabels = FRENCH) -> dict:
    """`cohort_figure` as plain data, not validated (as `household_figure_spec`): the cohort
    page's chart, where plotly's validation was most of the chart's time. Number columns go
    as plotly sends them (typed arrays, by plotly's own `convert_to_base64`); the figure is
    the one plotly's validation gives (tests/dashboards/test_figures.py)."""
    data = _cohort_data(cohort, title, goal_pct, labels)
    convert_to_base64(data)
    return data


def _cohort_data(cohort, title, goal_pct, labels) -> dict:
    """The traces and layout of `cohort_figure` (a secondary y axis on the right, as plotly's
    ``make_subplots(specs=[[{"secondary_y": True}]])`` lays it out)."""
    x = _labels(cohort, labels)
    words = labels.words
    goal = ("" if goal_pct is None
            else labels.goal_suffix % {"goal": format_goal(goal_pct, words)})
    traces = [
        {"type": "bar", "x": x, "y": cohort["n_at_target"], "name": labels.at_target,
         "marker": {"color": "rgba(46,139,87,0.35)"}, "customdata": cohort["n_with_data"],
         "hovertemplate": labels.at_target_hover + "<extra></extra>",
         "xaxis": "x", "yaxis": "y2"},
        {"type": "scatter", "x": x, "y": -cohort["target_pct"],
         "name": labels.month_step + goal, "mode": "lines",
         "line": {"dash": "dash", "color": "#c0392b"},
         "customdata": change_labels(cohort["target_pct"], words=words),
         "hovertemplate": labels.month_step_hover + goal + "<extra></extra>",
         "xaxis": "x", "yaxis": "y"},
        {"type": "scatter", "x": x, "y": -cohort["reduction_pct"], "name": labels.cohort,
         "mode": "lines+markers", "line": {"color": "#1f4e79", "width": 3},
         "customdata": change_labels(cohort["reduction_pct"], words=words),
         "hovertemplate": labels.cohort_hover + "<extra></extra>",
         "xaxis": "x", "yaxis": "y"},
        {"type": "scatter", "x": x, "y": -cohort["median_reduction_pct"],
         "name": labels.median, "mode": "markers",
         "marker": {"symbol": "diamond", "size": 9, "color": "#7f8c8d"},
         "customdata": change_labels(cohort["median_reduction_pct"], words=words),
         "hovertemplate": labels.median_hover + "<extra></extra>",
         "xaxis": "x", "yaxis": "y"},
    ]
    layout = _layout_dict(title or labels.cohort_title, labels.change_axis, labels)
    top = int(np.nanmax(cohort["n_with_data"])) if len(cohort) else 0
    layout["xaxis"] = {"anchor": "y", "domain": [0.0, 0.94]}
    layout["yaxis"] = {"anchor": "x", "domain": [0.0, 1.0], **layout["yaxis"],
                       "ticksuffix": labels.percent_tick}  # "−10 %"
    layout["yaxis2"] = {"anchor": "x", "overlaying": "y", "side": "right",
                        "title": {"text": labels.at_target}, "rangemode": "tozero",
                        "range": [0, max(top, 1) * 1.05], "showgrid": False,
                        # households are counted whole: no "0,5" tick for a small cohort
                        **({"dtick": 1} if top <= 5 else {"tickformat": ",d"})}
    return {"data": traces, "layout": layout}


def household_figure(streams: pd.DataFrame, progress: pd.DataFrame,
                     household_id: int | None = None, include_diverted: bool = True,
                     title: str | None = None, labels: ChartLabels = FRENCH) -> go.Figure:
    """A household's monthly rate per bin (stacked) with its target path, in g/person/week."""
    return go.Figure(household_figure_spec(streams, progress, household_id, include_diverted,
                                           title, labels))


def _column_lists(df: pd.DataFrame, household_id: int | None, columns: tuple[str, ...]
                  ) -> dict[str, list]:
    """Columns of one household's rows as plain lists (NaN as None), ordered by month.

    Plain lists, not frame filtering: a page draws one household, a few dozen rows, where
    each pandas operation costs more than the Python loop.
    """
    data = {c: df[c].tolist() for c in ("household_id", "month", *columns)}
    ids = data["household_id"]
    if household_id is None:
        if len(set(ids)) > 1:
            raise ValueError("rows of several households: pass household_id")
        keep = range(len(ids))
    else:
        keep = [i for i, h in enumerate(ids) if h == household_id]
    keep = sorted(keep, key=data["month"].__getitem__)  # stable: ties keep their order
    return {c: [None if isinstance(v, float) and math.isnan(v) else v
                for v in (values[i] for i in keep)] for c, values in data.items()}


def household_figure_spec(streams: pd.DataFrame, progress: pd.DataFrame,
                          household_id: int | None = None, include_diverted: bool = True,
                          title: str | None = None, labels: ChartLabels = FRENCH) -> dict:
    """`household_figure` as plain data (``{"data": [...], "layout": {...}}``), not validated:
    for pages, where `figure_html` turns it into HTML. plotly's validation of the figure and
    its conversion back to JSON took half of the family progress page's chart time; the tests
    build the same data through `household_figure`, so plotly still checks it there."""
    s = _column_lists(streams, household_id, ("stream", "counted", "g_per_person_week"))
    early = ("too_early",) if "too_early" in progress.columns else ()
    p = _column_lists(progress, household_id, (
        "month_start", "complete", "baseline_g_per_person_week", "target_pct", "household",
        *early))
    months = p["month"]
    # Too early to tell (the first days of the month in progress): the month is named but not
    # drawn, as the page says no figure yet (a bin or two over a few days is no rate).
    hidden = {m for m, e in zip(months, p.get("too_early", ())) if e}
    x = [month_label(m, d, c, labels) for m, d, c in zip(months, p["month_start"], p["complete"])]
    by_stream: dict[str, dict[int, tuple]] = {}  # first-seen order, as pd.unique
    for stream, month, counted, rate in zip(s["stream"], s["month"], s["counted"],
                                            s["g_per_person_week"]):
        by_stream.setdefault(stream, {}).setdefault(month, (counted, rate))
    traces = []
    for stream, cells in by_stream.items():
        y = [cells[m][1] if m in cells and m not in hidden else None for m in months]
        label = labels.streams.get(stream, stream)
        flags = [cells[m][0] for m in months if m in cells and cells[m][0] is not None]
        if all(flags):  # a bin with no row in the months shown counts, as before
            traces.append({
                "type": "bar", "x": x, "y": y, "name": label,
                "marker": {"color": STREAM_COLORS.get(stream)}, "legendgroup": "counted",
                "hovertemplate": label + " : %{y:.0f} g<extra></extra>",
            })
        elif include_diverted:
            traces.append({
                "type": "scatter", "x": x, "y": y,
                "name": labels.diverted % {"stream": label}, "mode": "markers",
                "marker": {"symbol": "circle-open", "size": 10,
                           "color": STREAM_COLORS.get(stream, "#888")},
                "hovertemplate": label + " : %{y:.0f} g" + labels.not_counted_hover
                                 + "<extra></extra>",
            })
    target_rate = [None if b is None or t is None else b * (1.0 - t / 100.0)
                   for b, t in zip(p["baseline_g_per_person_week"], p["target_pct"])]
    traces.append({
        "type": "scatter", "x": x, "y": target_rate, "name": labels.target_path,
        "mode": "lines", "line": {"dash": "dash", "color": "#c0392b", "width": 2},
        "hovertemplate": labels.target_hover + "<extra></extra>",
    })
    name = p["household"][0] if months else ""
    layout = _layout_dict(title or (labels.household_title % {"name": name}).strip(),
                          labels.rate_axis, labels)
    layout["yaxis"]["ticksuffix"] = "\u202fg"  # the unit on every tick: "1 500 g"
    return {"data": traces, "layout": {**layout, "barmode": "stack"}}
