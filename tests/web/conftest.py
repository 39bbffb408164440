"""Fixtures of the web tests: signed-in clients and a few stored weigh-ins."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import sign_in
from tracker import services
from tracker.models import Household

PARIS = dt.timezone(dt.timedelta(hours=2))  # summer time in April 2026


@pytest.fixture
def martin(client, world, now_in_edition):
    """A client signed in as the Martin family, time frozen inside the edition."""
    assert sign_in(client, "martin@example.org").status_code == 302
    return client


@pytest.fixture
def add_weighin(app, now_in_edition):
    """Store a weigh-in directly through the service layer; returns its id."""

    def add(household_id, stream="residual", weight_g=1000,
            measured_at=dt.datetime(2026, 4, 10, 8, 0, tzinfo=PARIS), status=None):
        with app.extensions["zw_db"].session() as s:
            household = s.get(Household, household_id)
            w = services.record_weighin(s, household, stream=stream, weight_g=weight_g,
                                        measured_at=measured_at, source="web")
            if status:
                w.status = status
            s.flush()
            return w.id

    return add
