"""plotly.js comes from this site (its bar and scatter build, kept in tracker/static/vendor),
never from another host."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import plotly

from tracker.web.common.charts import (PLOTLY_JS, compressed, plotly_js_tag,
                                       plotly_js_version)
from tests.conftest import sign_in
from tests.staff.conftest import SLUG

EXTERNAL = re.compile(r"""\b(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def test_plotly_js_is_served_from_the_vendored_bundle_with_long_cache(client):
    response = client.get(f"/static-vendor/plotly.min.js?v={plotly_js_tag()}")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.data == PLOTLY_JS.read_bytes()
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert "Accept-Encoding" in response.headers["Vary"]
    packed = client.get("/static-vendor/plotly.min.js",
                        headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.data) < 360_000, len(packed.data)  # a phone downloads this
    # sent as built (tools/plotly), never compressed on a request; the copy is the bundle's
    assert packed.data == compressed(PLOTLY_JS, "gzip").read_bytes()
    assert gzip.decompress(packed.data) == PLOTLY_JS.read_bytes()
    # brotli where accepted (browsers ask for it over HTTPS), smaller still
    smaller = client.get("/static-vendor/plotly.min.js",
                         headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert smaller.headers["Content-Encoding"] == "br"
    assert len(smaller.data) < 300_000, len(smaller.data)
    assert smaller.data == compressed(PLOTLY_JS, "br").read_bytes()
    assert brotli.decompress(smaller.data) == PLOTLY_JS.read_bytes()
    refused = client.get("/static-vendor/plotly.min.js", headers={"Accept-Encoding": "br;q=0"})
    assert "Content-Encoding" not in refused.headers and refused.data == response.data
    assert len({packed.headers["ETag"], smaller.headers["ETag"], response.headers["ETag"]}) == 3
    again = client.get("/static-vendor/plotly.min.js",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def pages(cohort):
    return ["/equipe/", f"/equipe/defis/{SLUG}/", f"/equipe/defis/{SLUG}/foyers/{cohort['martin']}",
            "/equipe/qualite/", "/equipe/balances/", "/equipe/comparaison/"]


def test_no_page_loads_anything_from_another_host(client, cohort):
    sign_in(client, "staff@example.org")
    for path in pages(cohort):
        html = client.get(path).get_data(as_text=True)
        assert not EXTERNAL.findall(html), path
    client.post("/deconnexion", data={})
    client.get("/connexion")
    sign_in(client, "martin@example.org")
    html = client.get("/progres").get_data(as_text=True)
    assert not EXTERNAL.findall(html)
    assert "cdn.plot.ly" not in html


def test_pages_with_charts_load_the_local_plotly_once(client, cohort):
    sign_in(client, "staff@example.org")
    for path in pages(cohort)[1:3] + ["/equipe/comparaison/"]:
        html = client.get(path).get_data(as_text=True)
        scripts = re.findall(r'<script src="([^"]+)"', html)
        assert scripts == [f"/static-vendor/plotly.min.js?v={plotly_js_tag()}",
                           f"/static/vendor/plotly-locale-fr.js?v={plotly_js_tag()}",
                           "/static/js/charts.js"], path
        assert 'type="application/json" data-plotly-figure=' in html


def test_the_bundle_is_bar_scatter_of_the_python_packages_major_version():
    """The build of tools/plotly (bar and scatter: every trace the figures use), compiling no
    code (no `new Function` or `Function(...)`: the CSP has no 'unsafe-eval'), of the plotly.js
    major version the installed plotly writes figures for (docs/dashboards.md: upgrading)."""
    bundle = PLOTLY_JS.read_bytes()
    assert "plotly.js (bar-scatter - minified) v" in bundle[:300].decode()
    assert plotly_js_tag().startswith(plotly_js_version() + "-")
    assert not re.findall(rb"\bnew Function\b|[^.\w$]Function\(|\beval\(", bundle)
    locale = PLOTLY_JS.with_name("plotly-locale-fr.js").read_text(encoding="utf-8")
    assert "name: 'fr'" in locale and "Plotly.register(locale)" in locale
    bundled = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").open().read(300)
    python_js = re.search(r"plotly\.js v(\d+)\.", bundled).group(1)
    assert plotly_js_version().split(".")[0] == python_js
