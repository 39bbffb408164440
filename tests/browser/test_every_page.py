"""Every page of a seeded edition, at 390×844 in headless chromium, as a visitor, a family and
staff: no sideways scroll, and no serious or critical accessibility violation (axe-core). The
staff pages once more at 1,280×800 (a staff laptop), for the sideways scroll only (issue 18: a
staff household page was 1,409 px wide there).

The pages come from `app.url_map` (a new page is visited without touching this file): every
GET route that the access table (tests/security/routes.py) opens to the role, its URL
arguments made from the seeded data by the access matrix's providers, kept when the page
answers 200 as HTML (downloads and redirects are left out). axe-core is injected by the
driver (tests/browser/vendor/axe-*.min.js, MPL-2.0), never served by the app: the site's
Content-Security-Policy is unchanged. Screenshots: test-artifacts/page-<role>-<endpoint>.png.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from tests.browser.test_phone_and_dashboards import charts, sign_in, wait
from tests.security.matrix import Context, _arg_values
from tests.security.matrix import EMAILS
from tests.security.routes import ROUTES
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser

WIDTH = 390
#: The staff laptop pass: (width, height) of the window, no phone emulation, no axe (the phone
#: pass checks accessibility on the same pages).
DESKTOP = (1280, 800)
AXE = sorted((Path(__file__).parent / "vendor").glob("axe-*.min.js"))[-1]
#: The kinds of route each role opens (tests/security/routes.py).
KINDS = {"anonymous": ("public",), "martin": ("public", "signed_in", "family"),
         "staff": ("public", "signed_in", "staff"), "staff-1280": ("signed_in", "staff")}
#: Pages every role must have reached: the list is not silently empty or cut short.
MUST_SEE = {"anonymous": {"auth.sign_in", "public_enrolment.sign_up", "public_reports.cohort"},
            "martin": {"family.weigh", "family.history", "family.progress", "family.correct",
                       "family_reports.household", "my_account.index"},
            "staff": {"staff.index", "staff_cohort.overview", "staff_cohort.household",
                      "staff_compare.index", "staff_households.show",
                      "staff_journal.index", "staff_devices.pair_form"}}
MUST_SEE["staff-1280"] = MUST_SEE["staff"]

#: The page's width and the outermost elements that stick out past the phone's right edge
#: without a scrolling (or clipping) box around them: what to fix.
MEASURE = """
const width = arguments[0];
function clipped(el) {
  for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (s.overflowX !== 'visible' && p.getBoundingClientRect().right <= width + 1) return true;
  }
  return false;
}
const out = [];
for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  if (r.width && r.right > width + 1 && !clipped(el)
      && !(el.parentElement && out.includes(el.parentElement))) out.push(el);
}
const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
  ' (' + Math.round(el.getBoundingClientRect().right) + ' px)';
return {scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth,
        wide: out.slice(0, 4).map(name)};
"""

AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(
  r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
         .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' +
              v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))),
  e => done(['axe failed: ' + e]));
"""


def pages_of(app, ctx, role) -> list[tuple[str, str]]:
    """(endpoint, path) of every HTML page the role may open, one per endpoint."""
    from tests.conftest import PASSWORD
    from tests.conftest import sign_in as client_sign_in

    client = app.test_client()
    if role != "anonymous":
        assert client_sign_in(client, EMAILS[_account(role)], PASSWORD).status_code == 302
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or ROUTES[rule.endpoint].kind not in KINDS[role]:
            continue
        for values, whose in _arg_values(app, rule, ctx, _account(role), fresh=False):
            if whose == "other":
                continue
            path = rule.build(values)[1]
            response = client.get(path)
            if response.status_code == 200 and response.mimetype == "text/html":
                found.append((rule.endpoint, path))
                break
    return found


def _account(role: str) -> str:
    """The account a role signs in with (the laptop pass is staff's)."""
    return role.split("-")[0]


def charts_on(driver) -> int:
    return driver.execute_script(
        "return document.querySelectorAll('script[data-plotly-figure]').length")


@pytest.mark.parametrize("role", ["anonymous", "martin", "staff", "staff-1280"])
def test_every_page_fits_a_phone_and_passes_axe(phone_browser, seeded, app, role):
    driver, watch, base = phone_browser
    desktop = role.endswith("-1280")
    width = DESKTOP[0] if desktop else WIDTH
    if desktop:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": DESKTOP[0], "height": DESKTOP[1], "deviceScaleFactor": 1, "mobile": False})
    ctx = Context(app, seeded)
    pages = pages_of(app, ctx, role)
    missing = MUST_SEE[role] - {endpoint for endpoint, _ in pages}
    assert not missing, f"pages not reached as {role}: {sorted(missing)}"
    if role != "anonymous":
        sign_in(driver, base, EMAILS[_account(role)])
    axe = AXE.read_text(encoding="utf-8")
    wide, inaccessible = [], []
    for endpoint, path in pages:
        driver.get(base + path)
        wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")
        assert driver.current_url == base + path, f"{path} went to {driver.current_url}"
        if charts_on(driver):
            charts(driver, charts_on(driver))
        measured = driver.execute_script(MEASURE, width)
        if measured["scroll"] > width or measured["inner"] != width:
            wide.append(f"{path}: {measured['scroll']} px wide (viewport {measured['inner']}): "
                        f"{', '.join(measured['wide'])}")
        if role == "martin":  # the weigh-in form one tap away, from the header
            links = driver.find_elements(By.CSS_SELECTOR, "header a[href='/pesee']")
            if not any(link.is_displayed() for link in links):
                wide.append(f"{path}: no visible link to the weigh-in form in the header")
        if not desktop:
            driver.execute_script(axe)
            inaccessible += [f"{path}: {v}" for v in driver.execute_async_script(AXE_RUN)]
        screenshot(driver, f"page-{role}-{endpoint.replace('.', '-')}")
    assert len(pages) >= len(MUST_SEE[role])
    problems = wide + inaccessible
    assert not problems, f"{len(pages)} pages as {role}:\n" + "\n".join(problems)
    assert not watch.errors(), watch.errors()
