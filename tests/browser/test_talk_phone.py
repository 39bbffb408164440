"""The discussion pages on a phone (390×844, headless chromium): a family asks from the form,
reads the thread with a long unbroken word in it, and answers; no sideways scroll, no script
needed. Screenshots: test-artifacts/talk-*.png."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser.test_phone_and_dashboards import sign_in, wait
from tests.support.browser import screenshot
from tracker.models import Account
from tracker.services import talk

pytestmark = pytest.mark.browser


def _width(driver) -> int:
    return driver.execute_script("return document.scrollingElement.scrollWidth")


def test_ask_read_and_answer_on_a_phone(phone_browser, world, app, now_in_edition):
    driver, watch, base = phone_browser
    with app.extensions["zw_db"].session() as s:
        durand = s.query(Account).filter_by(email="durand@example.org").one()
        staff = s.query(Account).filter_by(email="staff@example.org").one()
        question, _n = talk.ask(s, durand, title="Le compost en appartement, ça sent ?",
                                body="Nous vivons au 4e étage sans balcon.")
        talk.answer(s, staff, question, "Pas s'il est bien équilibré : ajoutez du carton.\n"
                    "Voir https://example.org/un-lien-tres-long-sans-espace-aucun-pour-voir")
        s.commit()
    sign_in(driver, base, "martin@example.org")
    driver.get(base + "/questions")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Questions"
    driver.find_element(By.ID, "title").send_keys("Où jeter les pots de yaourt ?")
    driver.find_element(By.ID, "body").send_keys("<b>Ceux</b> en plastique.")
    screenshot(driver, "talk-questions")
    assert _width(driver) <= 390
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait(driver).until(lambda d: "/questions/" in d.current_url and "Ceux" in d.page_source)
    assert "<b>Ceux</b> en plastique." in driver.find_element(By.TAG_NAME, "main").text
    driver.get(base + f"/questions/{question.id}")
    assert _width(driver) <= 390
    screenshot(driver, "talk-thread")
    driver.find_element(By.ID, "body").send_keys("Merci !")
    driver.find_element(By.CSS_SELECTOR, "#reponse button[type=submit]").click()
    # the page is replaced by the redirect: read its source, an element may go stale
    wait(driver).until(lambda d: "/questions/" in d.current_url and "Merci !" in d.page_source)
    screenshot(driver, "talk-thread-answered")
    assert not watch.errors(), watch.errors()
