"""Fixtures of the security suite: the seeded world of the access matrix, fast password hashes."""
from __future__ import annotations

import functools

import pytest
from werkzeug.security import generate_password_hash

from tests.security.matrix import Context

#: A cheap hash for the suite's accounts and scales (scrypt costs ~0.25 s each): what is tested
#: here is who may call what, not the hash's strength.
FAST_HASH = functools.partial(generate_password_hash, method="pbkdf2:sha256:1000")


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    import tracker.services.accounts
    import tracker.services.devices

    for module in (tracker.services.accounts, tracker.services.devices):
        monkeypatch.setattr(module, "generate_password_hash", FAST_HASH)
    monkeypatch.setattr(tracker.services.accounts, "_DUMMY_HASH", FAST_HASH("not-a-password"))


@pytest.fixture
def matrix(app, world, now_in_edition):
    """Two households with a weigh-in each, staff, a queued mail, a pending sign-up, tokens."""
    return Context(app, world)
