"""plotly.js comes from this site (the installed plotly package), never from another host."""
from __future__ import annotations

import gzip
import re

import plotly

from dashboards.figures import plotly_js_path
from tests.conftest import sign_in
from tests.staff.conftest import SLUG

EXTERNAL = re.compile(r"""\b(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def test_plotly_js_is_served_from_the_package_with_long_cache(client):
    response = client.get(f"/static-vendor/plotly.min.js?v={plotly.__version__}")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.data == plotly_js_path().read_bytes()
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    packed = client.get("/static-vendor/plotly.min.js",
                        headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plotly_js_path().read_bytes()
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
        assert scripts == [f"/static-vendor/plotly.min.js?v={plotly.__version__}"], path
        assert "Plotly.newPlot" in html
