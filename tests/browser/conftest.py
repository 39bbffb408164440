"""Fixtures of the browser tests: the live app, headless chromium at phone size, a seeded
edition with a month of reference and a month of challenge for both households.

These tests run on one database back-end (the first of ZW_TEST_DATABASES; tests/conftest.py's
pytest_generate_tests): what they test is chromium with the pages, whose data and queries the
web, staff, life and security tests check on both back-ends."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.support.browser import Watch, browser, live_server, phone  # noqa: F401
from tracker import services
from tracker.models import Household

PARIS = dt.timezone(dt.timedelta(hours=1))


@pytest.fixture
def seeded(app, world, now_in_edition):
    """Weigh-ins in March (the reference month) and early April for Martin and Durand."""
    with app.extensions["zw_db"].session() as s:
        for name, scale in (("martin", 1.0), ("durand", 0.7)):
            household = s.get(Household, world[name])
            for day in (3, 10, 17, 24, 31):
                services.record_weighin(s, household, stream="residual",
                                        weight_g=int(4200 * scale), source="web",
                                        measured_at=dt.datetime(2026, 3, day, 19, 0,
                                                                tzinfo=PARIS))
                services.record_weighin(s, household, stream="packaging",
                                        weight_g=int(1500 * scale), source="web",
                                        measured_at=dt.datetime(2026, 3, day, 19, 5,
                                                                tzinfo=PARIS))
            for day in (7, 14):
                services.record_weighin(s, household, stream="residual",
                                        weight_g=int(3300 * scale), source="web",
                                        measured_at=dt.datetime(2026, 4, day, 19, 0,
                                                                tzinfo=PARIS))
    return world


@pytest.fixture
def phone_browser(browser, live_server):
    """The browser at 390×844 with its console and network watched; (driver, watch, base)."""
    phone(browser)
    return browser, Watch(browser), live_server
