"""Charts on pages: plotly.js served from the installed plotly package, figures embedded.

No CDN anywhere: the browser loads ``/static-vendor/plotly.min.js?v=<plotly version>`` from
this app once, then keeps it (a year, immutable: a new plotly version changes the URL). The
file is sent gzip-compressed to browsers that accept it (4.8 MB becomes about 1.4 MB, which
matters on a phone).
"""
from __future__ import annotations

import gzip
from functools import lru_cache

import plotly
import plotly.graph_objects as go
from flask import Blueprint, Response, request, url_for
from markupsafe import Markup

from dashboards.figures import SEPARATORS, figure_html, plotly_js_path

bp = Blueprint("charts", __name__)

ONE_YEAR = 365 * 24 * 3600
#: Chart heights that fit a phone screen in portrait without hiding the page.
HEIGHT = 420
HEIGHT_SMALL = 360


@lru_cache(maxsize=1)
def _plotly_js() -> tuple[bytes, bytes]:
    """The plotly.js bundle, plain and gzip-compressed (read once per process)."""
    raw = plotly_js_path().read_bytes()
    return raw, gzip.compress(raw, compresslevel=6, mtime=0)


@bp.route("/static-vendor/plotly.min.js")
def plotly_js():
    """plotly.min.js of the installed plotly package, cached for a year."""
    raw, packed = _plotly_js()
    use_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response = Response(packed if use_gzip else raw, mimetype="text/javascript")
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.set_etag(f"plotly-{plotly.__version__}-{'gz' if use_gzip else 'id'}")
    return response.make_conditional(request)


def plotly_js_url() -> str:
    """The versioned URL of plotly.js on this site."""
    return url_for("charts.plotly_js", v=plotly.__version__)


def embed(fig: go.Figure | dict, div_id: str, height: int = HEIGHT) -> Markup:
    """A figure as an HTML ``<div>`` (plotly.js is loaded once by the page, not inlined).

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
    """``plotly_js_url()`` in every template."""
    return {"plotly_js_url": plotly_js_url}
