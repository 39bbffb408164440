"""Staff pair a scale in headless chromium at 390×844: the result page shows the password once
with its settings and QR code, fits the phone, and a reload shows no password. The screenshot
is test-artifacts/browser-pairing.png."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.test_phone_and_dashboards import assert_clean, fits_the_phone, sign_in, wait
from tests.support.browser import screenshot
from tracker.web.staff import devices as staff_devices

pytestmark = pytest.mark.browser


def test_staff_pair_a_scale_on_a_phone(phone_browser, world, monkeypatch):
    registered = {}
    monkeypatch.setattr(staff_devices, "register_at_broker",
                        lambda device_id, secret: registered.update({device_id: secret}))
    driver, watch, base = phone_browser
    sign_in(driver, base, "staff@example.org")
    driver.get(f"{base}/equipe/balances/")
    driver.find_element(By.LINK_TEXT, "Appairer une balance").click()
    wait(driver).until(lambda d: d.current_url.endswith("/appairer"))
    assert fits_the_phone(driver), "the pairing form is wider than the phone"
    Select(driver.find_element(By.ID, "pair-household")).select_by_visible_text("Durand")
    Select(driver.find_element(By.ID, "pair-stream")).select_by_value("glass")
    Select(driver.find_element(By.ID, "pair-firmware")).select_by_value("tasmota")
    driver.find_element(By.CSS_SELECTOR, "form.pair-form button[type=submit]").click()
    secret_box = wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "input.secret"))
    (device_id, secret), = registered.items()
    assert secret_box[0].get_attribute("value") == secret
    qr = driver.find_element(By.CSS_SELECTOR, ".pair-qr img")
    assert driver.execute_script("return arguments[0].naturalWidth", qr) > 0, "QR not drawn"
    assert fits_the_phone(driver), "the pairing result is wider than the phone"
    assert_clean(watch, "pairing")
    screenshot(driver, "browser-pairing")
    driver.execute_script("arguments[0].scrollIntoView()", qr)
    screenshot(driver, "browser-pairing-qr")
    driver.refresh()  # chromium posts the form again: nothing new, no password
    wait(driver).until(lambda d: d.current_url.endswith("/equipe/balances/"))
    assert secret not in driver.page_source and device_id in driver.page_source
    assert len(registered) == 1
