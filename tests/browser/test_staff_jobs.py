"""Issue 18: every staff job of an edition done in headless chromium, without `zw`.

From an app holding only a staff account, a staff member creates an edition with its sign-up
open, approves a family's sign-up (made on the public page in a second browser session),
imports households from a CSV file, pairs a scale, follows the cohort and a household, reminds
a silent family, enters then corrects a weigh-in, writes an announcement and sends it by mail,
downloads the progress CSV and publishes the results. After each step the page's French
message is checked, and the database through the app's services.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from tests.browser.test_phone_and_dashboards import sign_in, wait
from tests.conftest import PASSWORD
from tests.support.browser import Watch, screenshot
from tracker import services
from tracker.models import Household, WeighIn
from tracker.web.staff import devices as staff_devices

pytestmark = pytest.mark.browser

SLUG = "defi-2027"


def flash_text(driver) -> str:
    """The text of the page's success flashes once shown (read again if the page was replaced
    while reading)."""
    def texts(d):
        try:
            found = d.find_elements(By.CSS_SELECTOR, ".flash-success")
            return " ".join(f.text for f in found) if found else False
        except StaleElementReferenceException:
            return False
    return wait(driver).until(texts, message="no success message on " + driver.current_url)


def click_through(driver, button) -> None:
    """Click a button that submits its form and wait for the next page."""
    page = driver.find_element(By.TAG_NAME, "html")
    button.click()
    wait(driver).until(EC.staleness_of(page), message="the form was not submitted")


def submit(driver, form_css: str = "main form.stack") -> None:
    """Submit and wait for the next page: the old one's flash must not be read as the new's."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, f"{form_css} button[type=submit]").click()
    wait(driver).until(EC.staleness_of(page), message="the form was not submitted")


def outbox(app, kind: str) -> list:
    from tracker.models.mail import OutgoingMail

    with app.extensions["zw_db"].session() as s:
        return [(m.to_addr, m.household_id) for m in
                s.scalars(select(OutgoingMail).where(OutgoingMail.kind == kind))]


def households(app) -> dict[str, SimpleNamespace]:
    """The edition's households by name: id, persons (today, 15 April) and town."""
    with app.extensions["zw_db"].session() as s:
        edition = services.get_edition(s, SLUG)
        return {h.name: SimpleNamespace(id=h.id, commune=h.commune,
                                        persons=h.persons_on(dt.date(2026, 4, 15)))
                for h in s.scalars(select(Household).where(Household.edition_id == edition.id))}


def test_every_staff_job_of_an_edition_in_the_browser(app, browser, live_server, tmp_path,
                                                      now_in_edition, monkeypatch):
    with app.extensions["zw_db"].session() as s:  # set-up: the only account, no edition
        services.create_account(s, email="staff@example.org", password=PASSWORD, role="staff")
    registered = {}
    monkeypatch.setattr(staff_devices, "register_at_broker",
                        lambda device_id, secret: registered.update({device_id: secret}))
    driver, base = browser, live_server
    driver.set_window_size(1280, 1000)
    watch = Watch(driver)
    sign_in(driver, base, "staff@example.org")

    # 1. create: the edition (started 1 March; "now" is 15 April), then open its sign-up.
    driver.get(f"{base}/equipe/defis/")
    driver.get(f"{base}/equipe/defis/nouveau")
    driver.find_element(By.ID, "slug").send_keys(SLUG)
    driver.find_element(By.ID, "name").send_keys("Défi 2027")
    driver.execute_script("arguments[0].value = '2026-03-01'", driver.find_element(By.ID, "start"))
    submit(driver)
    assert "Édition Défi 2027 créée." in flash_text(driver)
    assert driver.current_url.endswith(f"/equipe/defis/{SLUG}/reglages")
    assert requests.get(f"{base}/inscription/{SLUG}", timeout=30).status_code == 404
    driver.find_element(By.ID, "enrolment_open").click()  # its settings: sign-up opened
    submit(driver)
    assert "Édition enregistrée." in flash_text(driver)
    assert driver.find_element(By.ID, "enrolment_open").is_selected()
    with app.extensions["zw_db"].session() as s:
        edition = services.get_edition(s, SLUG)
        assert (edition.name, edition.start_date.isoformat(), edition.months) == \
            ("Défi 2027", "2026-03-01", 8)

    # 2. enrol: a family signs up on the public page (its own session), staff approve it.
    driver.switch_to.new_window("window")
    driver.delete_all_cookies()  # the family is not signed in
    driver.get(f"{base}/inscription/{SLUG}")
    driver.find_element(By.ID, "household_name").send_keys("Famille Leroy")
    driver.find_element(By.ID, "persons").send_keys("4")
    driver.find_element(By.ID, "commune").send_keys("Palaiseau")
    driver.find_element(By.ID, "email").send_keys("leroy@example.org")
    driver.find_element(By.ID, "consent").click()
    submit(driver)
    wait(driver).until(lambda d: d.current_url.endswith(f"/inscription/{SLUG}/merci"))
    assert [a for a, _ in outbox(app, "enrolment_received")] == ["leroy@example.org"]
    sign_in(driver, base, "staff@example.org")
    driver.get(f"{base}/equipe/inscriptions")
    card = driver.find_element(By.XPATH, "//li[contains(@class,'card')]"
                                         "[.//strong[text()='Famille Leroy']]")
    click_through(driver, card.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]"))
    assert "Famille Leroy" in flash_text(driver) and "leroy@example.org" in flash_text(driver)
    assert "Aucune inscription en attente." in driver.find_element(By.TAG_NAME, "main").text
    leroy = households(app)["Famille Leroy"]
    assert leroy.persons == 4
    assert outbox(app, "invitation") == [("leroy@example.org", leroy.id)]

    # 3. import: households from a CSV file, checked then confirmed.
    upload = tmp_path / "foyers.csv"
    upload.write_text("foyer;personnes;courriel;commune\n"
                      "Famille Petit;2;petit@example.org;Orsay\n"
                      "Famille Moreau;3;moreau@example.org;Massy\n", encoding="utf-8")
    driver.get(f"{base}/equipe/defis/{SLUG}/")
    driver.find_element(By.LINK_TEXT, "Importer des foyers (CSV)").click()
    wait(driver).until(lambda d: d.current_url.endswith("/foyers/importer"))
    driver.find_element(By.ID, "import-file").send_keys(str(upload))
    click_through(driver, driver.find_element(By.CSS_SELECTOR, "form.staff-form button[type=submit]"))
    check = wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".import-check"))
    assert "Le fichier est correct" in check[0].text
    assert set(households(app)) == {"Famille Leroy"}, "the check saved something"
    click_through(driver, check[0].find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert "2 foyer(s) importé(s)" in flash_text(driver)
    found = households(app)
    assert set(found) == {"Famille Leroy", "Famille Petit", "Famille Moreau"}
    assert (found["Famille Petit"].persons, found["Famille Moreau"].commune) == (2, "Massy")

    # 4. pair: a scale for the Petit household's grey bin; its password shown once.
    driver.get(f"{base}/equipe/balances/appairer")
    Select(driver.find_element(By.ID, "pair-household")).select_by_visible_text("Famille Petit")
    Select(driver.find_element(By.ID, "pair-stream")).select_by_value("residual")
    click_through(driver, driver.find_element(By.CSS_SELECTOR, "form.pair-form button[type=submit]"))
    secret_box = wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "input.secret"))
    (device_id, secret), = registered.items()
    assert secret_box[0].get_attribute("value") == secret
    with app.extensions["zw_db"].session() as s:
        from tracker.models import Device

        device = s.get(Device, device_id)
        assert device.household_id == found["Famille Petit"].id

    # 5. follow: the cohort page lists the households; one household's page.
    driver.get(f"{base}/equipe/defis/{SLUG}/")
    main = driver.find_element(By.TAG_NAME, "main").text
    assert "3 foyers" in main
    for name in found:
        assert name in main
    driver.find_element(By.CSS_SELECTOR, "table.households").find_element(
        By.LINK_TEXT, "Famille Moreau").click()
    wait(driver).until(lambda d: f"/foyers/{found['Famille Moreau'].id}" in d.current_url)
    assert "Famille Moreau" in driver.find_element(By.TAG_NAME, "h1").text

    # 6. remind: the Leroy family (an account, never weighed) is silent: « Relancer ».
    #    (The imported households have no account yet: their button says so, no mail.)
    driver.get(f"{base}/equipe/defis/{SLUG}/")
    silent = driver.find_element(By.XPATH, "//section[.//h2[@id='silent-title']]")
    for name in found:
        assert name in silent.text
    click_through(driver, silent.find_element(By.XPATH, ".//li[a[text()='Famille Leroy']]//button"))
    assert "Relance prête pour Famille Leroy" in flash_text(driver)
    assert outbox(app, "staff_reminder") == [("leroy@example.org", leroy.id)]

    # 7. correct: a weigh-in entered for Leroy (paper sheet), then corrected.
    driver.get(f"{base}/equipe/defis/{SLUG}/foyers/{leroy.id}")
    driver.find_element(By.LINK_TEXT, "Saisir une pesée pour le foyer").click()
    driver.find_element(By.CSS_SELECTOR, "label[for=stream-residual]").click()
    driver.find_element(By.ID, "weight_kg").send_keys("4,2")
    submit(driver, "form.weighin-form")
    assert "4,2 kg" in flash_text(driver)
    with app.extensions["zw_db"].session() as s:
        (weighin,) = s.scalars(select(WeighIn).where(WeighIn.household_id == leroy.id)).all()
        assert (weighin.weight_g, weighin.source, weighin.stream) == (4200, "staff", "residual")
        weighin_id = weighin.id
    driver.find_element(By.CSS_SELECTOR,
                        f"a[href$='/pesees/{weighin_id}/corriger']").click()
    weight = driver.find_element(By.ID, "weight_kg")
    weight.clear()
    weight.send_keys("2,4")
    submit(driver, "form.weighin-form")
    assert "Pesée corrigée." in flash_text(driver)
    with app.extensions["zw_db"].session() as s:
        corrected = s.get(WeighIn, weighin_id)
        assert (corrected.weight_g, corrected.source) == (2400, "staff")

    # 8. announce: a news post for the edition, sent by mail to the families who chose it
    #    (the Leroy family's choice is set-up: a family's setting, not a staff job).
    with app.extensions["zw_db"].session() as s:
        from tracker.services import news_mail

        news_mail.set_choice(s, s.get(Household, leroy.id), "post")
    driver.get(f"{base}/equipe/actualites/nouvelle")
    Select(driver.find_element(By.ID, "edition_id")).select_by_visible_text("Défi 2027")
    driver.find_element(By.ID, "title").send_keys("Atelier compost samedi")
    driver.find_element(By.ID, "body").send_keys("Rendez-vous à la ressourcerie à 10 h.")
    submit(driver)
    assert "Publié." in flash_text(driver)
    click_through(driver, driver.find_element(
        By.CSS_SELECTOR, "form[action$='/envoyer-par-courriel'] button[type=submit]"))
    assert "1 adresse(s)" in flash_text(driver)
    assert outbox(app, "news_post") == [("leroy@example.org", leroy.id)]

    # 9. export: the cohort page's CSV link, downloaded with the staff session's cookie.
    driver.get(f"{base}/equipe/defis/{SLUG}/")
    link = driver.find_element(By.LINK_TEXT, "CSV").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in driver.get_cookies()}
    response = requests.get(link, cookies=cookies, timeout=30)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8")))
    assert ",".join(header) == (  # DESIGN.md, "Progress CSV"
        "household,month,month_start,month_end,complete,weighins,counted_kg,person_days,"
        "g_per_person_week,reduction_pct,target_pct,on_track,absent_days,weeks_covered,"
        "weeks,reliable")
    by_key = {(r[0], r[1]): dict(zip(header, r)) for r in rows}
    assert sorted(by_key) == sorted((name, month) for name in found for month in "12")
    april = by_key[("Famille Leroy", "2")]  # the corrected weigh-in, not the first one
    assert (april["weighins"], april["counted_kg"]) == ("1", "2.400")
    assert requests.get(link, timeout=30, allow_redirects=False).status_code in (302, 303, 401,
                                                                                 403)

    # 10. publish: the staff report page's action; the public page answers.
    assert requests.get(f"{base}/resultats/{SLUG}", timeout=30).status_code == 404
    driver.get(f"{base}/equipe/defis/{SLUG}/bilan")
    click_through(driver, driver.find_element(
        By.CSS_SELECTOR, "form[action$='/bilan/publier'] button[type=submit]"))
    assert "Le bilan est publié." in flash_text(driver)
    public = requests.get(f"{base}/resultats/{SLUG}", timeout=30)
    assert public.status_code == 200 and "Défi 2027" in public.text
    screenshot(driver, "browser-staff-jobs")
    assert not watch.errors(), watch.errors()
