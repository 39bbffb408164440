"""Benchmark: how long a chart page takes to draw in headless chromium, plotly.js strict build
(the bundle the pages loaded before) against the bar-scatter build they load now, in one run.

The script seeds a SQLite edition (two households, a reference month and a month of
challenge), serves the app with werkzeug on 127.0.0.1, signs a family in, and loads its
progress page (/progres) at 390×844 with the browser's cache disabled (a first visit), until
every chart of the page is drawn (its SVG holds the traces: a chart that fails is never
counted as drawn): the time from navigation start, read in the
page (`performance.now()`). Both bundles are served by the same app, gzip-compressed as in
production (`/static-vendor/plotly.min.js`, from a `.gz` made before the first load: no request
compresses), alternated load after load. Two conditions:

* local: no throttling (a desktop on this machine);
* phone: DevTools' CPU slowdown ×4 and a 4G link (9 Mbit/s down, 40 ms round trip).

It prints the median of each and the ratio now / before (the goal of issue 18: at most 0.5).
The strict bundle is read from git history (the commit that last held
tracker/static/vendor/plotly-strict.min.js) or from --before FILE. `--also NAME=FILE` adds
another bundle to the same alternation (a candidate, or `basic=git` for plotly's basic build
served before the bar-scatter one), reported against the same "before".

"Before" is the page as it was: with the strict bundle, the browser gets `static/js/charts.js`
as it was before each chart was drawn once (`--before-charts REV`, default the parent of the
commit that did it; `none` measures the bundles alone, today's charts.js for both).

    PYTHONPATH=. .venv/bin/python bench/page_load.py [--repeat 5] [--before FILE] [--also NAME=FILE]
        [--before-charts REV|none]
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STRICT = "tracker/static/vendor/plotly-strict.min.js"
BASIC = "tracker/static/vendor/plotly-basic.min.js"
PASSWORD = "motdepasse-123"
DRAWN = """
const done = arguments[arguments.length - 1];
const check = () => {
  const blocks = document.querySelectorAll('script[data-plotly-figure]');
  const divs = [...blocks].map(b => document.getElementById(b.dataset.plotlyFigure));
  const drawn = d => d && d.querySelector('svg.main-svg .cartesianlayer .trace');
  if (blocks.length && divs.every(drawn)) {
    done(performance.now());
  } else { setTimeout(check, 5); }
};
check();
"""
CONDITIONS = {
    "local": None,
    "phone": {"cpu": 4, "network": {"offline": False, "latency": 40,
                                    "downloadThroughput": 9_000_000 / 8,
                                    "uploadThroughput": 3_000_000 / 8}},
}


def old_bundle(path: str | None, name: str = STRICT) -> bytes:
    """A bundle from a file, or the last version of `name` in git history."""
    if path and path != "git":
        return Path(path).read_bytes()
    commit = subprocess.run(["git", "log", "-1", "--format=%H", "--diff-filter=D", "--", name],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    rev = f"{commit}^" if commit else "HEAD"
    return subprocess.run(["git", "show", f"{rev}:{name}"], cwd=ROOT, capture_output=True,
                          check=True).stdout


def with_gzip(path: Path, content: bytes) -> Path:
    """`content` written to `path`, and gzip-compressed beside it, as the app serves it."""
    path.write_bytes(content)
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(content, compresslevel=9,
                                                                mtime=0))
    return path


def seeded_app(folder: Path):
    from tracker import services
    from tracker.app import create_app
    from tracker.config import Config
    from tracker.migrate import upgrade

    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    app = create_app(Config(instance_path=folder / "instance", database_url=url,
                            secret_key="bench", broker_admin_password="x", mqtt_password="x"))
    paris = dt.timezone(dt.timedelta(hours=1))
    with app.extensions["zw_db"].session() as s:
        edition = services.create_edition(s, slug="defi-bench", name="Défi banc",
                                          start=dt.date.today().replace(day=1)
                                          - dt.timedelta(days=40))
        household = services.create_household(s, edition, name="Martin", persons=3,
                                              commune="Orsay")
        services.create_account(s, email="martin@example.org", password=PASSWORD,
                                household=household)
        start = edition.start_date
        for day in range(0, 39, 3):  # up to yesterday
            when = dt.datetime.combine(start + dt.timedelta(days=day), dt.time(19), paris)
            for stream, grams in (("residual", 4200), ("packaging", 1500), ("glass", 900)):
                services.record_weighin(s, household, stream=stream, weight_g=grams,
                                        source="web", measured_at=when)
    return app


def serve(app):
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def browser(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    from tests.support.browser import CHROMEDRIVER, chromium_options, phone

    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=chromium_options(profile))
    phone(driver)
    return driver, By


#: The draw-once charts.js came with this commit (docs/dashboards.md); "before" serves the file
#: as it was in its parent unless --before-charts says otherwise.
DRAW_ONCE = "03a77b5"
CHARTS_JS = "tracker/static/js/charts.js"
#: the charts.js the browser gets for the bundle being measured (None: the app's own file)
SERVED_CHARTS_JS: dict[str, bytes | None] = {"now": None}


def old_charts_js(rev: str) -> bytes:
    """charts.js as it was at a revision (`none`: the app's own, as the bundles alone)."""
    return subprocess.run(["git", "show", f"{rev}:{CHARTS_JS}"], cwd=ROOT, capture_output=True,
                          check=True).stdout


def serve_charts_js(app) -> None:
    """Answer /static/js/charts.js with `SERVED_CHARTS_JS["now"]` when one is set."""
    from flask import Response, request

    @app.before_request
    def _old_charts():
        if request.path.endswith("/static/js/charts.js") and SERVED_CHARTS_JS["now"]:
            return Response(SERVED_CHARTS_JS["now"], mimetype="text/javascript")
        return None


def use_bundle(charts, path: Path, charts_js: bytes | None = None) -> None:
    SERVED_CHARTS_JS["now"] = charts_js
    charts.PLOTLY_JS = path
    charts._plotly_js.cache_clear()
    charts.plotly_js_version.cache_clear()
    charts.plotly_js_tag.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", help="the strict bundle (default: from git history)")
    parser.add_argument("--also", action="append", default=[], metavar="NAME=FILE",
                        help="another bundle to load in turn (basic=git: the basic build)")
    parser.add_argument("--before-charts", default=f"{DRAW_ONCE}^", metavar="REV",
                        help="the charts.js of 'before': the page as it was at REV (default: "
                             "before charts were drawn once); 'none': today's for both")
    args = parser.parse_args()
    before_js = None if args.before_charts == "none" else old_charts_js(args.before_charts)

    from tracker.web.common import charts

    folder = Path(tempfile.mkdtemp(prefix="zw-page-load-"))
    before = with_gzip(folder / "plotly-strict.min.js", old_bundle(args.before))
    bundles = {"before (strict)": before}
    for also in args.also:
        name, _, path = also.partition("=")
        bundles[name] = with_gzip(folder / f"{name}.min.js",
                                  old_bundle(path, BASIC if name == "basic" else STRICT))
    bundles["now"] = charts.PLOTLY_JS
    app = seeded_app(folder)
    serve_charts_js(app)
    server, base = serve(app)
    driver, By = browser(str(folder / "profile"))
    try:
        driver.get(f"{base}/connexion")
        driver.find_element(By.ID, "email").send_keys("martin@example.org")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        print(f"chart page /progres at 390x844, cache disabled, median of {args.repeat}; "
              f"before: the strict bundle and charts.js of {args.before_charts}")
        for name, bundle in bundles.items():
            use_bundle(charts, bundle)
            kept = charts._plotly_js()
            print(f"  {name:16} {len(kept['identity']) / 1e6:.2f} MB, "
                  f"gzip {len(kept['gzip']) / 1e6:.2f} MB (sent; br is asked on https only)")
        for condition, throttle in CONDITIONS.items():
            driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate",
                                   {"rate": throttle["cpu"] if throttle else 1})
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", throttle["network"]
                                   if throttle else {"offline": False, "latency": 0,
                                                     "downloadThroughput": -1,
                                                     "uploadThroughput": -1})
            times: dict[str, list[float]] = {name: [] for name in bundles}
            for _ in range(args.repeat + 1):  # the first round warms the server up
                for name, bundle in bundles.items():
                    use_bundle(charts, bundle, before_js if name == "before (strict)" else None)
                    driver.get(f"{base}/progres")
                    times[name].append(driver.execute_async_script(DRAWN))
            medians = {name: statistics.median(t[1:]) for name, t in times.items()}
            old = medians.pop("before (strict)")
            print(f"{condition:6} before {old:7.0f} ms   " + "   ".join(
                f"{name} {new:7.0f} ms, {name}/before {new / old:.2f}"
                for name, new in medians.items()))
    finally:
        driver.quit()
        server.shutdown()


if __name__ == "__main__":
    main()
