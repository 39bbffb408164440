"""The first screen of /progres at 390×844 for a reliable, an unreliable and a too-early month:
where the family stands against the −20 % goal is read without scrolling, in French, and
nothing is judged when it cannot be. Screenshots: test-artifacts/progress-first-screen-*.png."""
from __future__ import annotations

import datetime as dt

import pytest
from selenium.webdriver.common.by import By

from tests.browser.test_phone_and_dashboards import assert_clean, fits_the_phone, sign_in
from tests.support.browser import screenshot
from tracker import clock, services
from tracker.models import Household

pytestmark = pytest.mark.browser
UTC = dt.timezone.utc
HEIGHT = 844


def _weigh(app, household_id, days):
    with app.extensions["zw_db"].session() as s:
        household = s.get(Household, household_id)
        for month, day, residual, packaging in days:
            for stream, grams, hour in (("residual", residual, 8), ("packaging", packaging, 9)):
                services.record_weighin(s, household, stream=stream, weight_g=grams,
                                        source="web", now=clock.now(),
                                        measured_at=dt.datetime(2026, month, day, hour,
                                                                tzinfo=UTC))


REFERENCE = [(3, d, 3000, 1000) for d in (2, 9, 16, 23)]


def _first_screen(driver, base, name):
    sign_in(driver, base, "martin@example.org")
    driver.get(f"{base}/progres")
    glance = driver.find_element(By.CSS_SELECTOR, ".sentence.glance")
    top = driver.execute_script("return arguments[0].getBoundingClientRect().bottom", glance)
    assert top <= HEIGHT, f"the glance sentence ends at {top} px, below the first screen"
    assert fits_the_phone(driver)
    screenshot(driver, f"progress-first-screen-{name}")
    return driver.find_element(By.TAG_NAME, "main").text


def test_a_reliable_month(phone_browser, app, world, now_in_edition):
    driver, watch, base = phone_browser
    _weigh(app, world["martin"], REFERENCE + [(4, d, 2000, 300) for d in (2, 9, 15)])
    text = _first_screen(driver, base, "reliable")
    assert "sur la trajectoire" in text and "objectif final −20 %" in text
    assert "Ce qui a le plus changé : emballages et papiers" in text
    assert "Une astuce pour cette poubelle" in text
    assert "Dans les clous, bravo !" in text
    assert_clean(watch, "the progress page")


def test_an_unreliable_month(phone_browser, app, world, now_in_edition):
    driver, watch, base = phone_browser
    _weigh(app, world["martin"], REFERENCE + [(4, 2, 2600, 500)])
    text = _first_screen(driver, base, "unreliable")
    assert "à confirmer (des semaines sans pesée)" in text and "objectif final −20 %" in text
    assert "Pas assez de pesées" in text
    assert "Dans les clous" not in text and "Pas encore sur la trajectoire" not in text
    assert_clean(watch, "the progress page")


def test_a_month_too_early_to_tell(phone_browser, app, world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 4, 3, 10, tzinfo=UTC))
    driver, watch, base = phone_browser
    _weigh(app, world["martin"], REFERENCE + [(4, 2, 2600, 500)])
    text = _first_screen(driver, base, "too-early")
    assert "Trop tôt pour juger" in text and "objectif : −20 %" in text.replace("\u00a0", " ")
    assert "Ce qui a le plus changé" not in text and "Dans les clous" not in text
    # the pace of the complete month only (March), never the 3 days of April
    assert "Au rythme du mois 1 (le dernier mois complet)" in text
    assert_clean(watch, "the progress page")
