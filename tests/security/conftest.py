"""Fixtures of the security suite: the seeded world of the access matrix (cheap password
hashes come from tests/conftest.py's `fast_password_hashing`, for every test)."""
from __future__ import annotations

import pytest

from tests.security.matrix import Context


@pytest.fixture
def matrix(app, world, now_in_edition):
    """Two households with a weigh-in each, staff, a queued mail, a pending sign-up, tokens."""
    return Context(app, world)
