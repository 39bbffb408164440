"""Charts on pages: plotly.js (bar and scatter) served by this app, figures embedded as data.

No CDN anywhere: the browser loads ``/static-vendor/plotly.min.js?v=<bundle version>`` from
this app once, then keeps it (a year, immutable: a new bundle changes the URL, which names
the bundle's version and the start of its checksum). The file is sent compressed to browsers
that accept it, brotli (0.99 MB becomes 0.28 MB, which matters on a phone; browsers ask for it
over HTTPS only) or else gzip (0.35 MB), from the ``.br`` and ``.gz`` built with it: no request
compresses it (gzip level 9 took 0.25 s a request).

The bundle is plotly.js with the bar and scatter traces only, the two the project draws
(``tracker/static/vendor/plotly-bar-scatter.min.js``, built by tools/plotly from the npm
package ``plotly.js``; version, recipe and checksum in docs/dashboards.md), a fifth of the
strict build's 5.2 MB. It compiles no code with ``new Function`` (the standard build does, which
the Content-Security-Policy, tracker/web/common/security.py, refuses: ``script-src`` has no
``'unsafe-eval'``); tests/staff/test_charts.py checks both. Its French locale follows it
(``vendor/plotly-locale-fr.js``). A figure is a
``<div>`` and a JSON data block (`dashboards.figures.figure_html`), drawn by the static
``js/charts.js``: no inline script either.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go
from flask import Blueprint, Response, request, url_for
from markupsafe import Markup, escape

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

    from tracker.web.common.figure_words import sentence_words, stream_names

    months = (_("January"), _("February"), _("March"), _("April"), _("May"), _("June"),
              _("July"), _("August"), _("September"), _("October"), _("November"),
              _("December"))
    words = sentence_words()
    french = str(get_locale() or "fr").startswith("fr")
    return ChartLabels(
        month_names=tuple(m.lower() if french else m for m in months),
        first_day=_("1st of the month"), date=_("%(day)s %(month)s %(year)s"),
        month=_("Month %(month)s"), from_date=_("from %(date)s"),
        in_progress=" " + _("(in progress)"), streams=stream_names(),
        separators=SEPARATORS if french else words.decimal + words.group,
        percent_tick="\u202f%" if french else "%", words=words,
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
#: plotly.js, bar and scatter traces, kept in the repository (see the module docstring),
#: with its compressed copies beside it (``<name>.gz``, ``<name>.br``, built by tools/plotly).
PLOTLY_JS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "plotly-bar-scatter.min.js"
#: The codings the bundle is kept in, the app's choice first, with their file suffix.
CODINGS = (("br", ".br"), ("gzip", ".gz"))


def compressed(path: Path, coding: str) -> Path:
    """Where a file's copy in `coding` (one of `CODINGS`) is kept: beside it, suffix added."""
    return path.with_name(path.name + dict(CODINGS)[coding])


@lru_cache(maxsize=1)
def _plotly_js() -> dict[str, bytes]:
    """The plotly.js bundle by content coding ("identity", "br", "gzip"), read from the files
    once per process (a coding whose file is missing is not offered)."""
    found = {"identity": PLOTLY_JS.read_bytes()}
    for coding, _suffix in CODINGS:
        if compressed(PLOTLY_JS, coding).is_file():
            found[coding] = compressed(PLOTLY_JS, coding).read_bytes()
    return found


@lru_cache(maxsize=1)
def plotly_js_version() -> str:
    """The bundle's version, from its header (``plotly.js (bar-scatter - minified) v3.7.0``)."""
    with PLOTLY_JS.open("rb") as bundle:
        found = re.search(rb"plotly\.js[^\n]*? v(\d+\.\d+\.\d+\S*)", bundle.read(500))
    if found is None:
        raise RuntimeError(f"{PLOTLY_JS} does not name its plotly.js version")
    return found.group(1).decode()


@lru_cache(maxsize=1)
def plotly_js_tag() -> str:
    """What the URLs of plotly.js and its locale carry: its version and the start of its
    checksum (another build of the same version is a new URL, never an old file kept)."""
    return f"{plotly_js_version()}-{hashlib.sha256(_plotly_js()['identity']).hexdigest()[:10]}"


@bp.route("/static-vendor/plotly.min.js")
def plotly_js():
    """plotly.js (bar and scatter) kept in tracker/static/vendor, cached for a year."""
    kept = _plotly_js()
    coding = next((c for c, _suffix in CODINGS  # brotli first, if accepted (its q above 0)
                   if c in kept and request.accept_encodings[c] > 0), "identity")
    response = Response(kept[coding], mimetype="text/javascript")
    if coding != "identity":
        response.headers["Content-Encoding"] = coding
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.set_etag(f"plotly-{plotly_js_tag()}-{coding}")
    return response.make_conditional(request)


def plotly_js_url() -> str:
    """The versioned URL of plotly.js on this site."""
    return url_for("charts.plotly_js", v=plotly_js_tag())


def chart_scripts() -> Markup:
    """The scripts a page with charts loads: plotly.js, its French locale, then js/charts.js
    that draws them.

    All deferred: they run in order once the page is parsed, so every figure's data block
    is there, and the page shows before the 0.4 MB of plotly.js arrive.
    """
    return Markup('<script src="{}" defer></script><script src="{}" defer></script>'
                  '<script src="{}" defer></script>').format(
        plotly_js_url(), url_for("static", filename="vendor/plotly-locale-fr.js",
                                 v=plotly_js_tag()),
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
                      title: str | None = None, goal_pct: float | None = None,
                      labels: ChartLabels | None = None) -> go.Figure:
    """One line per edition: the weighted cohort's change in waste by challenge month.

    `series` and `target` hold the method's reductions (positive for less waste); the chart
    draws them as every page reads them (DESIGN.md "How figures read"): less waste below zero,
    hover labels in the page's language, the final goal beside the month's step.
    """
    from flask_babel import gettext as _

    labels = labels or chart_labels()
    words = labels.words
    fig = go.Figure()
    for name, months, values in series:
        fig.add_trace(go.Scatter(
            x=[labels.month % {"month": m} for m in months],
            y=[None if v is None else -v for v in values],
            name=name, mode="lines+markers", customdata=change_labels(values, words=words),
            hovertemplate=_("%(edition)s: %(change)s", edition=name, change="%{customdata}")
            + "<extra></extra>"))
    if target is not None:
        months, values = target
        goal = ("" if goal_pct is None
                else labels.goal_suffix % {"goal": format_goal(goal_pct, words)})
        fig.add_trace(go.Scatter(
            x=[labels.month % {"month": m} for m in months], y=[-v for v in values],
            name=labels.month_step + goal, mode="lines",
            customdata=change_labels(values, words=words),
            line={"dash": "dash", "color": "#c0392b"},
            hovertemplate=labels.month_step_hover + goal + "<extra></extra>"))
    fig.update_layout(title=title or _("The cohort's change in waste, month by month"),
                      separators=labels.separators, hovermode="x unified",
                      # template: added by figure_html
                      legend={"orientation": "h", "yanchor": "top", "y": -0.15},
                      yaxis_title=labels.change_axis)
    return fig


@bp.app_template_global()
def percent_sign() -> Markup:
    """What follows a percentage on a page, as the page locale writes it (Babel): ``&nbsp;%``
    in French, ``%`` in English. A template global, so imported macros see it too."""
    from tracker.web.common.figure_cells import percent_suffix

    return percent_suffix()


@bp.app_context_processor
def _chart_context() -> dict:
    """``plotly_js_url()`` and ``chart_scripts()`` in every template."""
    return {"plotly_js_url": plotly_js_url, "chart_scripts": chart_scripts}
