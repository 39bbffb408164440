"""End to end in headless chromium at phone size: a family records a weigh-in in three taps and
finds it in its history and its progress chart; staff open the cohort dashboards. No console
error, no request to another host. Screenshots go to test-artifacts/browser-*.png."""
from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import PASSWORD
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser

CHARTS_RENDERED = """
const plots = [...document.querySelectorAll('.js-plotly-plot, .plotly-graph-div')];
return plots.map(p => ({id: p.id, svg: !!p.querySelector('svg.main-svg'),
                        traces: (p.data || []).length,
                        background: p._fullLayout && p._fullLayout.plot_bgcolor,
                        drawn: p.querySelectorAll('.scatterlayer .trace, .barlayer .trace')
                                .length}));
"""


def wait(driver, seconds=15):
    return WebDriverWait(driver, seconds)


def sign_in(driver, base, email):
    driver.get(f"{base}/connexion")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait(driver).until(lambda d: "/connexion" not in d.current_url)


def sign_out(driver):
    """Through the header's "Menu" (a <details>, folded until tapped)."""
    button = driver.find_element(By.CSS_SELECTOR, "nav form[action$='/deconnexion'] button")
    if not button.is_displayed():
        driver.find_element(By.CSS_SELECTOR, "header details.more > summary").click()
    button.click()
    wait(driver).until(lambda d: "/connexion" in d.current_url)


def charts(driver, minimum=1):
    """The page's plotly charts once drawn: each with its SVG and at least one trace."""
    def drawn(d):
        found = d.execute_script(CHARTS_RENDERED)
        return found if len(found) >= minimum and all(
            c["svg"] and c["traces"] and c["drawn"] for c in found) else False
    found = wait(driver, 20).until(drawn, message="the charts were not drawn")
    # The project's look (plotly_white), not plotly's default blue-grey plot area.
    assert {c["background"] for c in found} == {"white"}, found
    return found


def fits_the_phone(driver, width: int = 390) -> bool:
    """No sideways scroll at the phone's width. Not against window.innerWidth: a mobile
    viewport widens to the page's content, so a 1,000 px page would still "fit"."""
    return driver.execute_script("return document.documentElement.scrollWidth") <= width + 1


#: Words of the bin tiles drawn on more than one line (a name cut mid-word), as "word@lines".
WORDS_CUT = """
const cut = [];
for (const span of document.querySelectorAll('.tile label span')) {
  const node = span.firstChild, text = node.textContent;
  for (const m of text.matchAll(/\\S+/g)) {
    const range = document.createRange();
    range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (lines.size > 1) cut.push(m[0] + '@' + lines.size);
  }
}
return cut;
"""


def assert_clean(watch, step):
    assert any("/static" in url for url in watch.collect().requests), \
        "no request was recorded: is the performance log on?"
    assert not watch.errors(), f"console errors after {step}: {watch.errors()}"
    assert not watch.foreign_requests(), \
        f"requests left this machine after {step}: {watch.foreign_requests()}"


def test_a_family_records_a_weigh_in_in_three_taps(phone_browser, seeded):
    driver, watch, base = phone_browser
    sign_in(driver, base, "martin@example.org")
    assert driver.current_url == f"{base}/pesee"
    assert driver.execute_script("return window.innerWidth") == 390
    assert fits_the_phone(driver)
    assert driver.execute_script(WORDS_CUT) == [], "a bin's name is cut mid-word"
    screenshot(driver, "browser-1-weigh")

    taps = []

    def tap(element):
        taps.append(element)
        element.click()

    tap(driver.find_element(By.CSS_SELECTOR, "label[for=stream-glass]"))  # 1: the bin
    weight = driver.find_element(By.ID, "weight_kg")
    tap(weight)  # 2: the weight field (the phone's number pad opens)...
    weight.send_keys("1,35")  # ... and the weight is typed
    tap(driver.find_element(By.CSS_SELECTOR, "form.weighin-form button[type=submit]"))  # 3
    flash = wait(driver).until(EC.visibility_of_element_located(
        (By.CSS_SELECTOR, ".flash-success")))
    assert "1,35 kg" in flash.text and "verre" in flash.text.lower()
    assert len(taps) == 3
    screenshot(driver, "browser-2-saved")
    assert_clean(watch, "the weigh-in")

    driver.find_element(By.CSS_SELECTOR, "nav a[href='/historique']").click()
    wait(driver).until(EC.url_contains("/historique"))
    newest = driver.find_elements(By.CSS_SELECTOR, "main .weight")[0]
    assert newest.text == "1,35 kg"
    assert "Verre" in driver.find_element(By.TAG_NAME, "main").text
    assert fits_the_phone(driver)
    screenshot(driver, "browser-3-history")

    driver.find_element(By.CSS_SELECTOR, "nav a[href='/progres']").click()
    wait(driver).until(EC.url_contains("/progres"))
    drawn = charts(driver)
    assert [c["id"] for c in drawn] == ["family-chart"]
    assert fits_the_phone(driver)
    driver.execute_script("document.getElementById('family-chart').scrollIntoView()")
    screenshot(driver, "browser-4-progress")
    assert_clean(watch, "the history and progress pages")


def test_staff_see_the_cohort_dashboards_drawn(phone_browser, seeded, app):
    driver, watch, base = phone_browser
    sign_in(driver, base, "staff@example.org")
    assert driver.current_url.rstrip("/").endswith("/equipe")
    driver.get(f"{base}/equipe/defis/defi-2026/")
    assert [c["id"] for c in charts(driver)] == ["cohort-chart"]
    driver.execute_script("document.getElementById('cohort-chart').scrollIntoView()")
    screenshot(driver, "browser-5-cohort")
    links = [a.get_attribute("href") for a in
             driver.find_elements(By.CSS_SELECTOR, "a[href*='/equipe/defis/defi-2026/foyers/']")]
    # a household's page (the cohort page also links to the CSV import, a size change...)
    found = links
    links = [href for href in links if re.search(r"/foyers/\d+/?(\?|$)", href)]
    assert links, f"the cohort page links to no household: {found}"
    driver.get(links[0])
    assert [c["id"] for c in charts(driver)] == ["household-chart"]
    screenshot(driver, "browser-6-household")
    driver.get(f"{base}/equipe/comparaison/")
    assert [c["id"] for c in charts(driver)] == ["compare-chart"]
    screenshot(driver, "browser-7-compare")
    assert any("plotly" in url for url in watch.collect().requests)  # served by the app
    assert_clean(watch, "the staff dashboards")
    sign_out(driver)



def test_staff_pages_with_wide_tables_fit_the_phone(phone_browser, seeded, app, world,
                                                   now_in_edition):
    """A wide table scrolls inside its wrapper, never the page: the cohort sorted by a column
    (its visually hidden "sorted" hint once escaped the wrapper), a household with a scale
    (its table had no wrapper) and the journal (cells broke inside words)."""
    from tracker.models import Household
    from tracker.services.devices import provision_device

    with app.extensions["zw_db"].session() as s:
        device, _secret = provision_device(s, s.get(Household, world["martin"]),
                                           label="balance de la cuisine")
        device.last_seen, device.online, device.battery_pct = now_in_edition, True, 80
    driver, watch, base = phone_browser
    sign_in(driver, base, "staff@example.org")
    wide = []
    for path in ("/equipe/defis/defi-2026/?tri=silence&sens=desc",
                 f"/equipe/defis/defi-2026/foyers/{world['martin']}", "/equipe/journal"):
        driver.get(base + path)
        if not fits_the_phone(driver):
            wide.append((path, driver.execute_script(
                "return document.documentElement.scrollWidth")))
    screenshot(driver, "browser-8-journal")
    assert not wide, f"pages wider than the phone: {wide}"
    assert_clean(watch, "the staff pages with wide tables")
