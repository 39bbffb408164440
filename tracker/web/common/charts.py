"""Charts on pages: plotly.js (its strict build) served by this app, figures embedded as data.

No CDN anywhere: the browser loads ``/static-vendor/plotly.min.js?v=<bundle version>`` from
this app once, then keeps it (a year, immutable: a new bundle changes the URL). The file is sent
gzip-compressed to browsers that accept it (5.2 MB becomes about 1.6 MB, which matters on a
phone).

The bundle is plotly's *strict* build (``tracker/static/vendor/plotly-strict.min.js``, from the
npm package ``plotly.js-strict-dist-min``; version and checksum in docs/dashboards.md): the
standard build compiles some code with ``new Function``, which the Content-Security-Policy
(tracker/web/common/security.py) refuses since ``script-src`` has no ``'unsafe-eval'``. A figure is a
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

from dashboards.figures import SEPARATORS, figure_html

bp = Blueprint("charts", __name__)

ONE_YEAR = 365 * 24 * 3600
#: Chart heights that fit a phone screen in portrait without hiding the page.
HEIGHT = 420
HEIGHT_SMALL = 360
#: plotly.js, strict build, kept in the repository (see the module docstring).
PLOTLY_JS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "plotly-strict.min.js"


@lru_cache(maxsize=1)
def _plotly_js() -> tuple[bytes, bytes]:
    """The plotly.js bundle, plain and gzip-compressed (read once per process)."""
    raw = PLOTLY_JS.read_bytes()
    return raw, gzip.compress(raw, compresslevel=6, mtime=0)


@lru_cache(maxsize=1)
def plotly_js_version() -> str:
    """The bundle's version, from its header comment (``plotly.js (strict - minified) v3.7.0``)."""
    with PLOTLY_JS.open("rb") as bundle:
        found = re.search(rb"plotly\.js[^\n]*? v(\d+\.\d+\.\d+\S*)", bundle.read(500))
    if found is None:
        raise RuntimeError(f"{PLOTLY_JS} does not name its plotly.js version")
    return found.group(1).decode()


@bp.route("/static-vendor/plotly.min.js")
def plotly_js():
    """plotly.js (strict build) kept in tracker/static/vendor, cached for a year."""
    raw, packed = _plotly_js()
    use_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response = Response(packed if use_gzip else raw, mimetype="text/javascript")
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.set_etag(f"plotly-strict-{plotly_js_version()}-{'gz' if use_gzip else 'id'}")
    return response.make_conditional(request)


def plotly_js_url() -> str:
    """The versioned URL of plotly.js on this site."""
    return url_for("charts.plotly_js", v=plotly_js_version())


def chart_scripts() -> Markup:
    """The scripts a page with charts loads: plotly.js, then js/charts.js that draws them.

    Both deferred: they run in order once the page is parsed, so every figure's data block
    is there, and the page shows before the 1.5 MB of plotly.js arrive.
    """
    return Markup('<script src="{}" defer></script><script src="{}" defer></script>').format(
        plotly_js_url(), url_for("static", filename="js/charts.js"))


def embed(fig: go.Figure | dict, div_id: str, height: int = HEIGHT) -> Markup:
    """A figure as an HTML ``<div>`` and its data (the page loads `chart_scripts` once).

    The page's heading names the chart, so the figure's own title is dropped: on a phone it
    would run under plotly's tool bar.
    """
    layout = fig.get("layout", {}) if isinstance(fig, dict) else fig.layout.to_plotly_json()
    x_axes = [key for key in layout if key.startswith("xaxis")]
    page = {"height": height, "autosize": True, "title": {"text": ""},
            "margin": {"l": 50, "r": 40, "t": 30, "b": 30},
            **{axis: {"automargin": True} for axis in x_axes or ["xaxis"]}}
    return Markup(figure_html(fig, div_id=div_id, layout=page))  # merged without validation


def comparison_figure(series: list[tuple[str, list[int], list[float]]],
                      target: tuple[list[int], list[float]] | None = None,
                      title: str = "Réduction de la cohorte, mois par mois") -> go.Figure:
    """One line per edition: weighted cohort reduction by challenge month (1, 2, ...)."""
    fig = go.Figure()
    for name, months, values in series:
        fig.add_trace(go.Scatter(
            x=[f"Mois {m}" for m in months], y=values, name=name, mode="lines+markers",
            hovertemplate=name + " : %{y:.1f} %<extra></extra>"))
    if target is not None:
        months, values = target
        fig.add_trace(go.Scatter(
            x=[f"Mois {m}" for m in months], y=values, name="Objectif", mode="lines",
            line={"dash": "dash", "color": "#c0392b"},
            hovertemplate="Objectif : %{y:.1f} %<extra></extra>"))
    fig.update_layout(title=title, separators=SEPARATORS, hovermode="x unified",
                      # template: added by figure_html (validated once per process)
                      legend={"orientation": "h", "yanchor": "top", "y": -0.15},
                      yaxis_title="Réduction par rapport au mois de référence (%)")
    return fig


@bp.app_context_processor
def _chart_context() -> dict:
    """``plotly_js_url()`` and ``chart_scripts()`` in every template."""
    return {"plotly_js_url": plotly_js_url, "chart_scripts": chart_scripts}
