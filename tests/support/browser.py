"""Browser-test fixtures: the app served on a free port, and headless chromium through selenium.

    pytest_plugins = ["tests.support.browser"]      # or import the fixtures

`live_server(app)` serves the test app (whichever database back-end `app` was built on) with
werkzeug in a thread and yields its base URL; `browser` is a fresh headless chromium (phone-sized
window, its own profile) per test. Chromium and chromedriver come from Debian (`apt-get install
chromium chromium-driver`, which `dev.sh test` does); when they are missing the tests fail,
never skip.

Chromium is started quiet (no background networking, component updates, sync or QUIC) so that
every request it makes comes from the page; its console and network events are recorded
(`goog:loggingPrefs`) and read with `Watch`: console errors, and the URL of every request.
`phone(driver)` sets an exact phone viewport; `screenshot(driver, name)` keeps a PNG in
test-artifacts/ (git-ignored).
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("ZW_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ZW_CHROMEDRIVER", "/usr/bin/chromedriver")
PHONE = (412, 915)  # CSS pixels of a common Android phone
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture
def live_server(app):
    """The app on http://127.0.0.1:<free port> (a secure context for service workers)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def chromium_options(user_data_dir: str | None = None):
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = shutil.which(CHROMIUM) or CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--disable-dev-shm-usage",
                "--no-first-run", "--lang=fr-FR", f"--window-size={PHONE[0]},{PHONE[1]}"):
        options.add_argument(arg)
    if user_data_dir:
        options.add_argument(f"--user-data-dir={user_data_dir}")
    # The console (browser) and DevTools network events (performance), read by `Watch`.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return options


@pytest.fixture
def browser(tmp_path):
    """A headless chromium driven by chromedriver; quits after the test."""
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: apt-get install chromium"
    assert os.path.exists(CHROMEDRIVER), \
        f"{CHROMEDRIVER} is missing: apt-get install chromium-driver"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver = webdriver.Chrome(service=Service(CHROMEDRIVER),
                              options=chromium_options(str(tmp_path / "profile")))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.1, message: str = ""):
    """Poll until predicate() is truthy; returns its value or fails with the message."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or "condition not met in time")
        time.sleep(interval)


def set_offline(driver, offline: bool) -> None:
    """Cut or restore the page's network (DevTools emulation: navigator.onLine follows)."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def phone(driver, width: int = 390, height: int = 844, scale: float = 3.0) -> None:
    """An exact phone viewport (CSS pixels; 390×844 is an iPhone 12 to 15)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": scale, "mobile": True})


def screenshot(driver, name: str) -> Path:
    """Save the viewport as test-artifacts/<name>.png (kept for people, never compared)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


class Watch:
    """What the browser logged since the driver started: console entries and requested URLs.

    chromedriver hands each log entry out once, so read them through one Watch per driver.
    """

    def __init__(self, driver):
        self.driver = driver
        self.console: list[dict] = []
        self.requests: list[str] = []

    def collect(self) -> "Watch":
        self.console += self.driver.get_log("browser")
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])
            elif message.get("method") == "Network.webSocketCreated":
                self.requests.append(message["params"]["url"])
        return self

    def errors(self) -> list[str]:
        """Console errors (SEVERE): script errors, failed loads, CSP violations."""
        return [f"{e.get('source', '')}: {e['message']}" for e in self.collect().console
                if e.get("level") == "SEVERE"]

    def foreign_requests(self) -> list[str]:
        """Requests to any host but this machine (data: and blob: URLs stay in the page)."""
        return [url for url in self.collect().requests
                if urlsplit(url).scheme not in ("data", "blob", "about", "chrome")
                and urlsplit(url).hostname not in LOCAL_HOSTS]
