"""The pages that run scripts, in headless chromium under the site's Content-Security-Policy
(`script-src 'self'`): no violation reported, the charts drawn, the page behaviours working.

Violations are caught twice: a `securitypolicyviolation` listener installed before any page
script runs (DevTools `Page.addScriptToEvaluateOnNewDocument`, which the page's CSP does not
govern), and chromium's console ("Refused to execute inline script...", "Refused to evaluate
a string as JavaScript..."). A control injects an inline script and handler and expects both
refused and reported: the watch sees what it looks for, and the policy refuses them.
Screenshots: test-artifacts/csp-*.png.
"""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser.test_phone_and_dashboards import charts, sign_in, sign_out, wait
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
                    ' at ' + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || ''));
}, true);
"""
CSP_WORDS = ("Content Security Policy", "Refused to")


@pytest.fixture
def csp_browser(phone_browser):
    driver, watch, base = phone_browser
    driver.execute_cdp_cmd("Page.enable", {})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LISTEN})
    return driver, watch, base


def violations(driver, watch) -> list[str]:
    """The page's reported violations and the console's CSP messages since the last look."""
    seen = driver.execute_script("return window.__csp || ['the listener is missing']")
    console = [e["message"] for e in watch.collect().console
               if any(word in e["message"] for word in CSP_WORDS)]
    watch.console.clear()  # the next page starts clean
    return seen + console


def visit(driver, watch, url, chart_ids=()):
    """Open url, wait for its charts (by id) and check nothing was refused or failed."""
    driver.get(url)
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")
    if chart_ids:
        assert sorted(c["id"] for c in charts(driver, len(chart_ids))) == sorted(chart_ids), url
    errors = watch.errors()
    found = violations(driver, watch)
    assert not found, f"{url}: {found}"
    assert not errors, f"{url}: console errors {errors}"


def test_the_watch_sees_a_refused_inline_script(csp_browser, seeded):
    driver, watch, base = csp_browser
    driver.get(f"{base}/connexion")
    ran = driver.execute_script("""
        const s = document.createElement('script');
        s.textContent = 'window.__inline = true';
        document.head.appendChild(s);
        const b = document.createElement('button');
        b.setAttribute('onclick', 'window.__handler = true');
        document.body.appendChild(b); b.click();
        return [!!window.__inline, !!window.__handler];""")
    assert ran == [False, False], "an inline script or handler ran"
    wait(driver).until(lambda d: len(d.execute_script("return window.__csp")) >= 2)
    found = violations(driver, watch)
    assert any("script-src" in v for v in found), found


def test_family_pages_run_their_scripts_under_the_policy(csp_browser, seeded):
    driver, watch, base = csp_browser
    sign_in(driver, base, "martin@example.org")
    assert driver.current_url == f"{base}/pesee"
    # The weigh-in page: queue.js loaded, offline.js registered the service worker.
    assert driver.execute_script("return typeof window.ZwQueue") == "object"
    assert driver.execute_async_script(
        "const done = arguments[0]; navigator.serviceWorker.ready.then(() => done(true));")
    visit(driver, watch, f"{base}/pesee")

    visit(driver, watch, f"{base}/progres", ["family-chart"])
    driver.execute_script("document.getElementById('family-chart').scrollIntoView()")
    screenshot(driver, "csp-family-progress")

    visit(driver, watch, f"{base}/foyer/bilan", ["household-chart"])
    assert_prints(driver)

    visit(driver, watch, f"{base}/ateliers")
    feed = driver.find_element(By.CSS_SELECTOR, "input[data-select-on-focus]")
    feed.click()
    assert driver.execute_script(
        "const i = arguments[0]; return [i.selectionStart, i.selectionEnd, i.value.length];",
        feed) == [0, len(feed.get_attribute("value")), len(feed.get_attribute("value"))]
    assert not violations(driver, watch)
    sign_out(driver)


def assert_prints(driver):
    """The report's "Print or save as PDF" button calls window.print() (static/js/page.js)."""
    driver.execute_script("window.print = function () { window.__printed = true; };")
    driver.find_element(By.CSS_SELECTOR, "button[data-print]").click()
    assert driver.execute_script("return window.__printed === true"), "nothing printed"


def test_staff_and_public_pages_run_their_scripts_under_the_policy(csp_browser, seeded):
    driver, watch, base = csp_browser
    sign_in(driver, base, "staff@example.org")
    visit(driver, watch, f"{base}/equipe/defis/defi-2026/", ["cohort-chart"])
    driver.execute_script("document.getElementById('cohort-chart').scrollIntoView()")
    screenshot(driver, "csp-staff-cohort")
    visit(driver, watch, f"{base}/equipe/defis/defi-2026/foyers/{seeded['martin']}",
          ["household-chart"])
    visit(driver, watch, f"{base}/equipe/comparaison/", ["compare-chart"])
    visit(driver, watch, f"{base}/equipe/defis/defi-2026/foyers/{seeded['martin']}/bilan", ["household-chart"])
    assert_prints(driver)
    visit(driver, watch, f"{base}/equipe/defis/defi-2026/bilan", ["bins-chart", "cohort-chart"])
    driver.find_element(By.CSS_SELECTOR, "form.row button[type=submit]").click()  # publish
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "a[href='/resultats/defi-2026']"))
    sign_out(driver)

    visit(driver, watch, f"{base}/resultats/defi-2026", ["bins-chart", "cohort-chart"])
    assert_prints(driver)
    assert not watch.foreign_requests(), watch.foreign_requests()
