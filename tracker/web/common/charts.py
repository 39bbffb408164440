"""Charts on pages: plotly.js (its basic build) served by this app, figures embedded as data.

No CDN anywhere: the browser loads ``/static-vendor/plotly.min.js?v=<bundle version>`` from
this app once, then keeps it (a year, immutable: a new bundle changes the URL). The file is sent
gzip-compressed to browsers that accept it (1.1 MB becomes 0.37 MB, which matters on a phone).

The bundle is plotly's *basic* build (``tracker/static/vendor/plotly-basic.min.js``, from the
npm package ``plotly.js-basic-dist-min``; version and checksum in docs/dashboards.md): the
project draws bar and scatter traces only, which it holds (with pie), a fifth of the strict
build's 5.2 MB. It compiles no code with ``new Function`` (the standard build does, which the
Content-Security-Policy, tracker/web/common/security.py, refuses: ``script-src`` has no
``'unsafe-eval'``); tests/staff/test_charts.py checks both. Its French locale follows it
(``vendor/plotly-locale-fr.js``). A figure is a
``<div>`` and a JSON data block (`dashboards.figures.figure_html`), drawn by the static
``js/charts.js``: no inline script either.
"""
from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go
from flask import Blueprint, Response, request, url_for
from markupsafe import Markup

from dashboards.figures import SEPARATORS, ChartLabels, figure_html, format_goal
from dashboards.reading import change_labels

bp = Blueprint("charts", __name__)


#: (locale, id of its translations) → (the translations, the labels): ~40 look-ups a page
#: otherwise (a tenth of the family progress page's time), the same words every time.
_LABELS: dict[tuple[str, int], tuple[object, ChartLabels]] = {}


def chart_labels() -> ChartLabels:
    """The figures' words in the page's language (dashboards stays free of Flask); built once
    per language and catalogue (the catalogues do not change while the app runs)."""
    from tracker.web.common.fast_i18n import current_locale, translations as get_translations

    translations = get_translations()
    key = (str(current_locale() or "fr"), id(translations))
    known = _LABELS.get(key)
    if known is not None and known[0] is translations:
        return known[1]
    labels = _chart_labels()
    if len(_LABELS) > 32:  # many apps (the tests): keep the memo small
        _LABELS.clear()
    _LABELS[key] = (translations, labels)
    return labels


def _chart_labels() -> ChartLabels:
    from flask_babel import get_locale, gettext as _

    from tracker.domain import STREAM_LABELS

    months = (_("January"), _("February"), _("March"), _("April"), _("May"), _("June"),
              _("July"), _("August"), _("September"), _("October"), _("November"),
              _("December"))
    streams = {key: str(label) for key, label in STREAM_LABELS.items()}
    streams["residual"] = _("Residual household waste")
    french = str(get_locale() or "fr").startswith("fr")
    return ChartLabels(
        month_names=tuple(m.lower() if french else m for m in months),
        first_day=_("1st of the month"), date=_("%(day)s %(month)s %(year)s"),
        month=_("Month %(month)s"), from_date=_("from %(date)s"),
        in_progress=" " + _("(in progress)"), streams=streams,
        separators=SEPARATORS if french else ".,",
        cohort_title=_("Cohort progress"), at_target=_("Households on target"),
        at_target_hover=_("%{y} households of %{customdata}"),
        month_step=_("The month's step"),
        month_step_hover=_("The month's step: %{customdata}"),
        goal_suffix=" " + _("(goal %(goal)s)"),
        cohort=_("Change in the cohort's waste (weighted)"),
        cohort_hover=_("Cohort: %{customdata}"),
        median=_("Median household change"), median_hover=_("Median: %{customdata}"),
        change_axis=_("Change in waste against the reference month (%)"),
        household_title=_("Household %(name)s"),
        diverted=_("%(stream)s (diverted, not counted)"),
        not_counted_hover=" " + _("(not counted)"), target_path=_("Target path"),
        target_hover=_("Target: %{y:.0f} g"), rate_axis=_("g per person per week"))

ONE_YEAR = 365 * 24 * 3600
#: Chart heights that fit a phone screen in portrait without hiding the page.
HEIGHT = 420
HEIGHT_SMALL = 360
#: plotly.js, basic build, kept in the repository (see the module docstring).
PLOTLY_JS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "plotly-basic.min.js"


@lru_cache(maxsize=1)
def _plotly_js() -> tuple[bytes, bytes]:
    """The plotly.js bundle, plain and gzip-compressed (read once per process)."""
    raw = PLOTLY_JS.read_bytes()
    return raw, gzip.compress(raw, compresslevel=9, mtime=0)


@lru_cache(maxsize=1)
def plotly_js_version() -> str:
    """The bundle's version, from its header comment (``plotly.js (basic - minified) v3.7.0``)."""
    with PLOTLY_JS.open("rb") as bundle:
        found = re.search(rb"plotly\.js[^\n]*? v(\d+\.\d+\.\d+\S*)", bundle.read(500))
    if found is None:
        raise RuntimeError(f"{PLOTLY_JS} does not name its plotly.js version")
    return found.group(1).decode()


@bp.route("/static-vendor/plotly.min.js")
def plotly_js():
    """plotly.js (basic build) kept in tracker/static/vendor, cached for a year."""
    raw, packed = _plotly_js()
    use_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response = Response(packed if use_gzip else raw, mimetype="text/javascript")
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.set_etag(f"plotly-basic-{plotly_js_version()}-{'gz' if use_gzip else 'id'}")
    return response.make_conditional(request)


def plotly_js_url() -> str:
    """The versioned URL of plotly.js on this site."""
    return url_for("charts.plotly_js", v=plotly_js_version())


def chart_scripts() -> Markup:
    """The scripts a page with charts loads: plotly.js, its French locale, then js/charts.js
    that draws them.

    All deferred: they run in order once the page is parsed, so every figure's data block
    is there, and the page shows before the 0.4 MB of plotly.js arrive.
    """
    return Markup('<script src="{}" defer></script><script src="{}" defer></script>'
                  '<script src="{}" defer></script>').format(
        plotly_js_url(), url_for("static", filename="vendor/plotly-locale-fr.js",
                                 v=plotly_js_version()),
        url_for("static", filename="js/charts.js"))


def embed(fig: go.Figure | dict, div_id: str, height: int = HEIGHT) -> Markup:
    """A figure as an HTML ``<div>`` and its data (the page loads `chart_scripts` once).

    The page's heading names the chart, so the figure's own title is dropped: on a phone it
    would run under plotly's tool bar.
    """
    layout = fig.get("layout", {}) if isinstance(fig, dict) else fig.layout.to_plotly_json()
    x_axes = [key for key in layout if key.startswith("xaxis")]
    y_axes = [key for key in layout if key.startswith("yaxis")]
    # Numbers written out ("15 000", never plotly's "15k"), grouped the French way.
    page = {"height": height, "autosize": True, "title": {"text": ""},
            "margin": {"l": 50, "r": 40, "t": 30, "b": 30},
            **{axis: {"automargin": True} for axis in x_axes or ["xaxis"]},
            **{axis: {"exponentformat": "none", "separatethousands": True}
               for axis in y_axes or ["yaxis"]}}
    return Markup(figure_html(fig, div_id=div_id, layout=page))  # merged without validation


def comparison_figure(series: list[tuple[str, list[int], list[float]]],
                      target: tuple[list[int], list[float]] | None = None,
                      title: str = "Évolution des déchets de la cohorte, mois par mois",
                      goal_pct: float | None = None) -> go.Figure:
    """One line per edition: the weighted cohort's change in waste by challenge month.

    `series` and `target` hold the method's reductions (positive for less waste); the chart
    draws them as every page reads them (DESIGN.md "How figures read"): less waste below zero,
    French hover labels, the final goal beside the month's step.
    """
    fig = go.Figure()
    for name, months, values in series:
        fig.add_trace(go.Scatter(
            x=[f"Mois {m}" for m in months], y=[None if v is None else -v for v in values],
            name=name, mode="lines+markers", customdata=change_labels(values),
            hovertemplate=name + " : %{customdata}<extra></extra>"))
    if target is not None:
        months, values = target
        goal = "" if goal_pct is None else f" (objectif {format_goal(goal_pct)})"
        fig.add_trace(go.Scatter(
            x=[f"Mois {m}" for m in months], y=[-v for v in values],
            name=f"Étape du mois{goal}", mode="lines", customdata=change_labels(values),
            line={"dash": "dash", "color": "#c0392b"},
            hovertemplate=f"Étape du mois : %{{customdata}}{goal}<extra></extra>"))
    fig.update_layout(title=title, separators=SEPARATORS, hovermode="x unified",
                      # template: added by figure_html
                      legend={"orientation": "h", "yanchor": "top", "y": -0.15},
                      yaxis_title="Évolution des déchets par rapport au mois de référence (%)")
    return fig


@bp.app_context_processor
def _chart_context() -> dict:
    """``plotly_js_url()`` and ``chart_scripts()`` in every template."""
    return {"plotly_js_url": plotly_js_url, "chart_scripts": chart_scripts}
