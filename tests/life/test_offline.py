"""Offline weigh-in: the API stores each queued entry once; the queue's unit tests (node); the
installable page; the whole path in headless chromium."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, sign_in
from tests.life.helpers import csrf, text
from tests.support.browser import browser, live_server, set_offline, wait_for  # noqa: F401
from tracker import services
from tracker.models import WeighIn

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1/weighins"


def _count(app, **where):
    with app.extensions["zw_db"].session() as s:
        query = select(func.count(WeighIn.id))
        for name, value in where.items():
            query = query.where(getattr(WeighIn, name) == value)
        return s.scalar(query)


def test_the_queue_logic_under_node():
    node = shutil.which("node")
    assert node, "node is needed for the offline queue's unit tests"
    result = subprocess.run([node, "--test", str(ROOT / "tests/life/js")], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout


def test_api_stores_a_client_uuid_once(app, client, world, now_in_edition):
    sign_in(client, "martin@example.org")
    headers = {"X-CSRFToken": csrf(client, "/pesee")}
    key = str(uuid.uuid4())
    body = {"stream": "residual", "weight_kg": "1,4", "client_uuid": key,
            "measured_at": "2026-04-14T19:30:00+02:00"}
    first = client.post(API, json=body, headers=headers)
    assert first.status_code == 201, first.get_json()
    again = client.post(API, json=body, headers=headers)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    assert _count(app, client_uuid=key) == 1 and _count(app) == 1
    # without a client uuid: as before
    assert client.post(API, json={"stream": "glass", "weight_kg": "0,5"},
                       headers=headers).status_code == 201
    # a malformed uuid is a field error
    bad = client.post(API, json={**body, "client_uuid": "nope"}, headers=headers)
    assert bad.status_code == 422 and "client_uuid" in bad.get_json()["errors"]["json"]
    # another household cannot reuse (or probe) the uuid
    other = app.test_client()
    sign_in(other, "durand@example.org")
    clash = other.post(API, json=body, headers={"X-CSRFToken": csrf(other, "/pesee")})
    assert clash.status_code == 422 and _count(app) == 2


def test_simultaneous_arrivals_meet_the_unique_index(app, world, now_in_edition, monkeypatch):
    """The pre-check misses (both requests looked before either wrote): the index decides."""
    from tracker.models import Household
    from tracker.services import offline

    key = str(uuid.uuid4())
    values = dict(stream="residual", weight_g=1200, source="api",
                  measured_at=dt.datetime(2026, 4, 14, 8, tzinfo=dt.timezone.utc))
    with app.extensions["zw_db"].session() as s:
        offline.record_once(s, s.get(Household, world["martin"]), client_uuid=key, **values)
    real = offline._existing
    calls = {"n": 0}

    def blind_once(session, k, household):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(session, k, household)

    monkeypatch.setattr(offline, "_existing", blind_once)
    with app.extensions["zw_db"].session() as s:
        weighin, created = offline.record_once(s, s.get(Household, world["martin"]),
                                               client_uuid=key, **values)
        assert not created and weighin.client_uuid == key
        # the session is still usable after the rolled-back savepoint
        services.record_weighin(s, s.get(Household, world["martin"]), stream="glass",
                                weight_g=300, source="api",
                                measured_at=dt.datetime(2026, 4, 14, 9, tzinfo=dt.timezone.utc))
    assert _count(app, client_uuid=key) == 1 and _count(app) == 2


def test_installable_page_manifest_and_service_worker(client, world, now_in_edition):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.mimetype == "application/manifest+json"
    data = manifest.get_json(force=True)
    assert data["start_url"] == "/pesee" and data["display"] == "standalone"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in data["icons"]}
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.mimetype
    assert worker.headers["Service-Worker-Allowed"] == "/"
    sign_in(client, "martin@example.org")
    page = text(client.get("/pesee"))
    assert 'rel="manifest"' in page and "pwa/offline.js" in page and 'id="zw-offline"' in page


# --- the whole path in a real browser -------------------------------------------------------

@pytest.fixture
def running_edition(app):
    """An edition running today (real clock: the browser's clock cannot be frozen)."""
    with app.extensions["zw_db"].session() as s:
        start = dt.date.today().replace(day=1)
        edition = services.create_edition(s, slug="en-cours", name="Défi en cours", start=start)
        household = services.create_household(s, edition, name="Famille Hors-Ligne", persons=2)
        services.create_account(s, email="offline@example.org", password=PASSWORD,
                                household=household)
        return household.id


def _signed_in_under_the_service_worker(b, live_server) -> None:
    """Sign in as the running edition's family; the service worker takes control and a reload
    caches the weigh-in page for offline use."""
    from selenium.webdriver.common.by import By

    b.get(live_server + "/connexion")
    b.find_element(By.ID, "email").send_keys("offline@example.org")
    b.find_element(By.ID, "password").send_keys(PASSWORD)
    b.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for(lambda: "/pesee" in b.current_url, message="not on the weigh-in page after sign-in")
    assert b.execute_async_script(
        "const done = arguments[0]; navigator.serviceWorker.ready.then(() => done(true));")
    b.refresh()
    wait_for(lambda: b.execute_script("return !!navigator.serviceWorker.controller"),
             message="the service worker does not control the page")


@pytest.mark.browser
def test_offline_entries_are_sent_once_when_the_network_returns(app, running_edition,
                                                                live_server, browser):
    from selenium.webdriver.common.by import By

    b = browser
    _signed_in_under_the_service_worker(b, live_server)

    set_offline(b, True)
    wait_for(lambda: b.execute_script("return navigator.onLine === false"))
    for stream, weight in (("residual", "1,4"), ("glass", "0,6")):
        b.find_element(By.CSS_SELECTOR, f"label[for=stream-{stream}]").click()
        field = b.find_element(By.ID, "weight_kg")
        field.clear()
        field.send_keys(weight)
        b.find_element(By.CSS_SELECTOR, "form.weighin-form button[type=submit]").click()
    status = b.find_element(By.CSS_SELECTOR, "#zw-offline [data-status]")
    assert "2" in status.text and status.is_displayed()
    assert b.execute_script("return window.zwOfflineQueue.pending().length") == 2
    assert _count(app, household_id=running_edition) == 0

    # the page opens again without network (from the service worker's cache); the queue stays
    b.refresh()
    wait_for(lambda: b.find_elements(By.ID, "weight_kg"), message="no page offline")
    assert b.execute_script("return window.zwOfflineQueue.pending().length") == 2

    set_offline(b, False)
    wait_for(lambda: _count(app, household_id=running_edition) == 2, timeout=15,
             message="the queued weigh-ins were not sent when the network returned")
    wait_for(lambda: b.execute_script("return window.zwOfflineQueue.pending().length") == 0)
    with app.extensions["zw_db"].session() as s:
        stored = s.scalars(select(WeighIn).where(WeighIn.household_id == running_edition)
                           .order_by(WeighIn.id)).all()
        assert [(w.stream, w.weight_g) for w in stored] == [("residual", 1400), ("glass", 600)]
        assert all(w.client_uuid for w in stored)
        sent = stored[0]
        again = {"id": sent.client_uuid, "stream": "residual", "weight_kg": "1,4",
                 "measured_at": sent.measured_at.isoformat(), "note": "", "attempts": 1}
    # the answer to an entry was lost: the phone sends it again; it is still stored once
    b.execute_script(
        "localStorage.setItem('zw-offline-queue:' + arguments[0], JSON.stringify([arguments[1]]));"
        "return window.zwOfflineQueue.flush();", running_edition, again)
    wait_for(lambda: b.execute_script("return window.zwOfflineQueue.pending().length") == 0)
    assert _count(app, household_id=running_edition) == 2


class DropAnswer:
    """WSGI middleware of the live server: while `mode` is set, a form post to /pesee loses its
    connection, after the app stored it ("after": the answer is lost) or before ("before":
    nothing arrived). The browser sees a network error, as with a signal lost mid-flight."""

    def __init__(self, app):
        self.app, self.mode, self.dropped = app, None, 0

    def __call__(self, environ, start_response):
        if self.mode and environ["REQUEST_METHOD"] == "POST" and \
                environ["PATH_INFO"] == "/pesee":
            if self.mode == "after":
                list(self.app(environ, lambda *args, **kwargs: None))  # stored, answer lost
            self.dropped += 1
            sock = environ["werkzeug.socket"]
            sock.shutdown(2)
            sock.close()
            return []
        return self.app(environ, start_response)


@pytest.mark.browser
def test_a_form_post_lost_mid_flight_is_queued_and_stored_once(app, running_edition,
                                                               live_server, browser):
    """The signal dies while the form is sent (the phone still believes it is online): the
    service worker keeps the post, the page queues it under the form's number and sends it;
    stored once whether the server had it already or not, and nothing to type again."""
    from selenium.webdriver.common.by import By

    dropper = app.wsgi_app = DropAnswer(app.wsgi_app)
    b = browser
    _signed_in_under_the_service_worker(b, live_server)

    for mode, stream, weight, grams in (("after", "residual", "1,3", 1300),
                                        ("before", "glass", "0,7", 700)):
        number = b.find_element(By.NAME, "client_uuid").get_attribute("value")
        assert uuid.UUID(number).version == 4
        dropper.mode = mode
        b.find_element(By.CSS_SELECTOR, f"label[for=stream-{stream}]").click()
        field = b.find_element(By.ID, "weight_kg")
        field.clear()
        field.send_keys(weight)
        b.find_element(By.CSS_SELECTOR, "form.weighin-form button[type=submit]").click()
        wait_for(lambda: dropper.dropped, message="the post was not dropped")
        dropper.mode = None
        wait_for(lambda: _count(app, household_id=running_edition, client_uuid=number) == 1,
                 timeout=15, message=f"the post kept by the service worker ({mode}) was not "
                                     "sent again")
        wait_for(lambda: b.execute_script(
            "return window.zwOfflineQueue && window.zwOfflineQueue.pending().length === 0"),
            message="the kept post stays in the queue")
        assert "#rescue" not in b.current_url and "hors-ligne" not in b.current_url
        assert "Inutile de la saisir à nouveau" in b.page_source or \
            "viennent d'être envoyée" in b.page_source
        dropper.dropped = 0
    with app.extensions["zw_db"].session() as s:
        stored = s.scalars(select(WeighIn).where(WeighIn.household_id == running_edition)
                           .order_by(WeighIn.id)).all()
        assert [(w.stream, w.weight_g) for w in stored] == [("residual", 1300), ("glass", 700)]
