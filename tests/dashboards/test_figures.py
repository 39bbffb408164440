"""Plotly figure builders: traces, French labels, HTML without plotly.js."""
from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import pytest

from dashboards.figures import (
    cohort_figure,
    figure_html,
    household_figure,
    month_label,
)
from dashboards.method import cohort_progress, household_progress, stream_progress
from dashboards.reading import change_labels

from .factories import MARCH, accepted, households, noon, sizes, weighins

D = dt.date


@pytest.fixture
def frames():
    h = households([(1, "Dupont"), (2, "Martin")])
    s = sizes([(1, 2, D(2026, 3, 1)), (2, 3, D(2026, 3, 1))])
    w = weighins([noon(D(2026, 3, 3), 1, "residual", 6200),
                  noon(D(2026, 3, 4), 1, "glass", 3100),
                  noon(D(2026, 4, 3), 1, "residual", 4000),
                  noon(D(2026, 4, 4), 1, "biowaste", 2000),
                  noon(D(2026, 3, 3), 2, "residual", 9300),
                  noon(D(2026, 4, 3), 2, "residual", 9300)])
    args = (w, s, h, MARCH, D(2026, 4, 20))
    p = household_progress(*args, accepted=accepted([1, 2]))  # coverage aside
    return p, stream_progress(*args), cohort_progress(p)


def test_cohort_figure(frames):
    _, _, cohort = frames
    fig = cohort_figure(cohort)
    assert isinstance(fig, go.Figure)
    names = [t.name for t in fig.data]
    assert names == ["Foyers sur la trajectoire", "Étape du mois (objectif \u221220\u00a0%)",
                     "Évolution des déchets de la cohorte (pondérée)",
                     "Évolution médiane des foyers"]
    # drawn as the pages read it: the change in waste, less waste below zero
    assert list(fig.data[1].y) == pytest.approx(list(-cohort["target_pct"]))
    assert list(fig.data[2].y) == pytest.approx(list(-cohort["reduction_pct"]))
    assert list(fig.data[3].y) == pytest.approx(list(-cohort["median_reduction_pct"]))
    assert fig.layout.yaxis.title.text.startswith("Évolution des déchets")
    assert list(fig.data[0].y) == list(cohort["n_at_target"])
    # hover labels in French typography (the browser would print a hyphen for the minus)
    assert list(fig.data[2].customdata) == change_labels(cohort["reduction_pct"])
    assert all(label.startswith(("\u2212", "+", "0")) for label in fig.data[2].customdata
               if label)
    assert "objectif \u221220" in fig.data[1].hovertemplate
    assert fig.data[0].type == "bar" and fig.data[0].yaxis == "y2"
    assert fig.layout.separators == ",\u202f"
    assert "mois de référence" in fig.layout.yaxis.title.text
    assert fig.data[2].x[1] == "Mois 2<br>avril 2026 (en cours)"
    # households are whole: a small cohort's axis steps by one, a large one prints integers
    assert cohort["n_with_data"].max() <= 5 and fig.layout.yaxis2.dtick == 1
    large = cohort.assign(n_with_data=cohort["n_with_data"] * 20)
    assert cohort_figure(large).layout.yaxis2.tickformat == ",d"


def test_household_figure_stacks_counted_bins_and_draws_the_target(frames):
    progress, streams, _ = frames
    fig = household_figure(streams, progress, household_id=1)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [b.name for b in bars] == ["Ordures ménagères résiduelles", "Emballages et papiers",
                                      "Verre"]
    assert fig.layout.barmode == "stack"
    assert list(bars[0].y) == pytest.approx([6200 / 62 * 7, 4000 / 40 * 7])
    target = next(t for t in fig.data if t.name == "Trajectoire de l'objectif")
    base = 9300 / 62 * 7
    assert list(target.y) == pytest.approx([base, base * (1 - 20 / 7 / 100)])
    diverted = [t for t in fig.data if "non comptés" in (t.name or "")]
    assert len(diverted) == 1 and diverted[0].name.startswith("Biodéchets")
    assert fig.layout.title.text == "Foyer Dupont"
    assert fig.layout.yaxis.title.text == "g par personne et par semaine"
    assert fig.layout.yaxis.separatethousands  # "2 000 g", as French writes it
    assert not [t for t in household_figure(streams, progress, 1, include_diverted=False).data
                if "non comptés" in (t.name or "")]


def test_household_figure_names_but_does_not_draw_a_too_early_month():
    """On the 3rd of a month one bin reads as a huge rate: the page says "too early", so the
    chart shows the month without its bars (the baseline month stays drawn)."""
    h = households([(1, "Dupont")])
    s = sizes([(1, 2, D(2026, 3, 1))])
    w = weighins([noon(D(2026, 3, d), 1, "residual", 1500) for d in (2, 9, 16, 23)]
                 + [noon(D(2026, 4, 2), 1, "residual", 9000)])
    args = (w, s, h, MARCH, D(2026, 4, 3))
    progress = household_progress(*args)
    assert progress["too_early"].tolist() == [False, True]
    fig = household_figure(stream_progress(*args), progress, household_id=1)
    [bar] = [t for t in fig.data if t.type == "bar" and t.name.startswith("Ordures")]
    assert len(bar.x) == 2 and bar.y[0] == pytest.approx(6000 / 62 * 7) and bar.y[1] is None


def test_household_figure_needs_one_household(frames):
    progress, streams, _ = frames
    with pytest.raises(ValueError):
        household_figure(streams, progress)


def test_figure_html_does_not_embed_plotly_js(frames):
    html = figure_html(cohort_figure(frames[2]), div_id="cohorte")
    assert html.lstrip().startswith("<div")
    assert "<script src" not in html
    assert 'id="cohorte"' in html
    assert "cdn.plot.ly" not in html
    assert len(html) < 200_000  # plotly.min.js alone is several MB
    assert _plot_json(html)[2]["displaylogo"] is False


def test_figure_html_holds_data_and_no_code(frames):
    """Only a JSON data block (never executed, so no CSP 'unsafe-inline'), which a title
    holding "</script>" cannot close early."""
    import re

    fig = cohort_figure(frames[2], title="</script><script>alert(1)</script>")
    html = figure_html(fig, div_id="c")
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts == [' type="application/json" data-plotly-figure="c"']
    assert html.count("</script>") == 1 and html.endswith("</script>")
    assert "Plotly.newPlot" not in html
    assert _plot_json(html)[1]["title"]["text"] == "</script><script>alert(1)</script>"


def test_month_label():
    assert month_label(1, D(2026, 3, 1)) == "Mois 1<br>mars 2026"
    assert month_label(2, D(2026, 2, 28), complete=False) == (
        "Mois 2<br>dès le 28 février 2026 (en cours)")


def _plot_json(html: str) -> tuple[list, dict, dict]:
    """The traces, layout and config that static/js/charts.js hands to Plotly.newPlot."""
    import json
    import re

    block = re.search(r'<script type="application/json" data-plotly-figure="[^"]+">(.*?)</script>',
                      html, re.S)
    figure = json.loads(block.group(1))
    return figure["data"], figure["layout"], figure["config"]


def test_household_spec_renders_as_the_validated_figure(frames):
    """The page's fast path (plain data, no validation) draws exactly what plotly's
    validated figure draws."""
    from dashboards.figures import household_figure_spec

    progress, streams, _ = frames
    fast = figure_html(household_figure_spec(streams, progress, 1), div_id="c")
    checked = figure_html(household_figure(streams, progress, 1), div_id="c")
    fast_data, fast_layout, _ = _plot_json(fast)
    checked_data, checked_layout, _ = _plot_json(checked)
    assert fast_layout == checked_layout
    assert len(fast_data) == len(checked_data) == 5
    for ours, theirs in zip(fast_data, checked_data):
        assert ours.keys() == theirs.keys()
        # plotly may send y as typed binary, the spec sends a list (None where no data)
        assert _numbers(ours["y"]) == pytest.approx(_numbers(theirs["y"]), nan_ok=True)
        assert {k: v for k, v in ours.items() if k != "y"} == \
            {k: v for k, v in theirs.items() if k != "y"}


def _numbers(values) -> list[float]:
    import base64

    import numpy as np

    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), values["dtype"]).tolist()
    return [float("nan") if v is None else float(v) for v in values]
