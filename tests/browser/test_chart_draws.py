"""Each chart is drawn once (issue 18): charts.js works out the margins before plotly draws,
from the labels and legend the chart will show, so plotly's automargin finds nothing to widen.

plotly.js draws a chart, then, if its tick labels or legend need wider margins, draws it all
again (plots.js `doAutoMargin`: `didMarginChange` → `_doPlot`; ~200 ms a chart on a desktop).
It counts those redraws in `_fullLayout._redrawFromAutoMarginCount`, set the first time one
happens: a chart drawn once has none. Checked on every page with charts, at 390×844 (a phone)
and 1,280×800 (a desktop), with no label cut (every text of the chart inside its SVG) and no
sideways scroll on the phone. Screenshots: test-artifacts/chart-<page>-<width>.png.
"""
from __future__ import annotations

import pytest

from tests.browser.test_phone_and_dashboards import charts, fits_the_phone, sign_in, sign_out
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser

SIZES = ((390, 844, True), (1280, 800, False))

#: Per chart: redrawn for its margins (plotly's counter), and the texts that reach out of the
#: chart's SVG (a tick label, an axis title or a legend entry cut by the edge).
DRAWS = """
return [...document.querySelectorAll('script[data-plotly-figure]')].map(block => {
  const div = document.getElementById(block.dataset.plotlyFigure);
  const svg = div.querySelector('svg.main-svg').getBoundingClientRect();
  const cut = [...div.querySelectorAll('svg.main-svg text')].filter(text => {
    const box = text.getBoundingClientRect();
    return box.width && (box.left < svg.left - 1 || box.right > svg.right + 1
                         || box.top < svg.top - 1 || box.bottom > svg.bottom + 1);
  }).map(text => text.textContent);
  return {id: div.id, redrawn: '_redrawFromAutoMarginCount' in div._fullLayout,
          margin: div._fullLayout._size, cut: cut};
});
"""


def pages(world):
    household = f"/equipe/defis/defi-2026/foyers/{world['martin']}"
    return {
        "martin@example.org": {"progres": "/progres", "bilan-foyer": "/foyer/bilan"},
        "staff@example.org": {"cohorte": "/equipe/defis/defi-2026/", "foyer": household,
                              "foyer-bilan": f"{household}/bilan",
                              "bilan": "/equipe/defis/defi-2026/bilan",
                              "comparaison": "/equipe/comparaison/"},
    }


def test_every_chart_is_drawn_once_without_a_label_cut(browser, live_server, seeded):
    base, found = live_server, []
    for email, paths in pages(seeded).items():
        for width, height, mobile in SIZES:
            browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
            sign_in(browser, base, email)
            for name, path in paths.items():
                browser.get(base + path)
                drawn = charts(browser)
                for chart in browser.execute_script(DRAWS):
                    found.append((name, width, chart))
                assert len(drawn) == len([f for f in found if f[:2] == (name, width)])
                if mobile:
                    assert fits_the_phone(browser, width), f"{path} scrolls sideways"
                browser.execute_script(
                    f"document.getElementById('{drawn[0]['id']}').scrollIntoView()")
                screenshot(browser, f"chart-{name}-{width}")
            sign_out(browser)
    assert {name for name, _width, _chart in found} == {
        "progres", "bilan-foyer", "cohorte", "foyer", "foyer-bilan", "bilan", "comparaison"}
    redrawn = [(name, width, c["id"], c["margin"]) for name, width, c in found if c["redrawn"]]
    assert not redrawn, f"charts drawn twice (their margins widened by plotly): {redrawn}"
    cut = [(name, width, c["id"], c["cut"]) for name, width, c in found if c["cut"]]
    assert not cut, f"texts cut by the chart's edge: {cut}"
