"""Fixtures of the ingest tests: paired scales in the test world."""
from __future__ import annotations

import pytest

from tests.ingest.helpers import Counter
from tracker.models import Household
from tracker.services.devices import provision_device, revoke_device


@pytest.fixture
def scales(app, world):
    """Two scales of Martin (`sc-martin`, residual; `sc-revoked`, revoked) and one of Durand."""
    secrets = {}
    with app.extensions["zw_db"].session() as s:
        martin, durand = s.get(Household, world["martin"]), s.get(Household, world["durand"])
        for device_id, home, stream in (("sc-martin", martin, "residual"),
                                        ("sc-revoked", martin, "residual"),
                                        ("sc-durand", durand, "glass")):
            _, secrets[device_id] = provision_device(s, home, stream=stream,
                                                     device_id=device_id)
        revoke_device(s, "sc-revoked")
    return secrets


@pytest.fixture
def counter(database_url):
    """Counts the weigh-ins and dead letters in the test database, from outside the app."""
    counter = Counter(database_url)
    yield counter
    counter.close()
