"""Staff invite the households imported without an account, in headless chromium at a phone's
and a laptop's width: the households page says how many have no account, the button queues
the invitations, and the page, the household's pages and the flash fit the screen (and the
page with its invitation box passes axe-core).
Screenshots: test-artifacts/invite-<width>-*.png."""
from __future__ import annotations

import datetime as dt

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from tests.browser.test_phone_and_dashboards import sign_in, wait
from tests.browser.test_every_page import AXE, AXE_RUN
from tests.browser.test_staff_jobs import click_through, flash_text
from tests.support.browser import screenshot
from tracker import services
from tracker.models import Edition, Household, OutgoingMail

pytestmark = pytest.mark.browser

SIZES = {390: (390, 844, 3.0, True), 1280: (1280, 800, 1.0, False)}


def fits(driver, width: int) -> int:
    return driver.execute_script("return document.documentElement.scrollWidth")


@pytest.mark.parametrize("width", [390, 1280])
def test_staff_invite_the_imported_households(phone_browser, seeded, app, width):
    driver, watch, base = phone_browser
    w, h, scale, mobile = SIZES[width]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": w, "height": h, "deviceScaleFactor": scale, "mobile": mobile})
    with app.extensions["zw_db"].session() as s:
        edition = s.get(Edition, seeded["edition"])
        for name, email in (("Leroy", "leroy@example.org"),
                            ("Famille Moreau-Lefèvre de la Grande Rue", "moreau@example.org"),
                            ("Petit", "petit@example.org")):
            services.create_household(s, edition, name=name, persons=3, commune="Orsay",
                                      emails=email)
        # the household page's hardest rows: a doubtful weigh-in (its review form) with a
        # long note
        martin = s.get(Household, seeded["martin"])
        flagged = services.record_weighin(
            s, martin, stream="residual", weight_g=18000, source="web",
            measured_at=dt.datetime(2026, 4, 12, 19, 0, tzinfo=dt.timezone.utc),
            note="Sac du grenier vidé pendant le rangement de printemps, " * 3)
        assert flagged.status == "flagged"
    sign_in(driver, base, "staff@example.org")
    households = f"{base}/equipe/defis/defi-2026/foyers"
    driver.get(households)
    box = driver.find_element(By.CSS_SELECTOR, ".invite-box")
    assert "3 foyer(s) avec une adresse n'ont pas encore de compte." in box.text
    assert fits(driver, width) <= width, f"households page {fits(driver, width)} px wide"
    screenshot(driver, f"invite-{width}-households")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    assert driver.execute_async_script(AXE_RUN) == []  # no serious or critical violation
    click_through(driver, box.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "3 foyer(s) invité(s) (3 courriel(s) en file)" in flash_text(driver)
    assert fits(driver, width) <= width
    screenshot(driver, f"invite-{width}-households-invited")
    with app.extensions["zw_db"].session() as s:
        assert sorted(s.scalars(select(OutgoingMail.to_addr))) == [
            "leroy@example.org", "moreau@example.org", "petit@example.org"]
        martin = s.get(Household, seeded["martin"]).id
    for name, path in (("household", f"/equipe/defis/defi-2026/foyers/{martin}"),
                       ("household-card", f"/equipe/defis/defi-2026/foyers/{martin}/fiche")):
        driver.get(base + path)
        wait(driver).until(lambda d: d.execute_script("return document.readyState") ==
                           "complete")
        assert fits(driver, width) <= width, f"{path}: {fits(driver, width)} px wide"
        screenshot(driver, f"invite-{width}-{name}")
    assert not watch.errors(), watch.errors()
