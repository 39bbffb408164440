"""Every route of the app, called as anonymous, as each of two households and as staff."""
from __future__ import annotations

import pytest

from tests.security.matrix import ROLES, run, unclassified


def test_every_route_is_classified(app):
    missing = unclassified(app)
    assert not missing, (
        f"routes without an access rule: {missing}; classify them in ROUTES of "
        f"tests/security/routes.py (public, signed_in, family, staff, api_*)")


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, matrix, role):
    assert not unclassified(app), "classify the new routes first (test_every_route_is_classified)"
    outcome = run(app, matrix, role)
    assert outcome.calls > 40
    assert not outcome.problems, "\n".join([f"{len(outcome.problems)} problem(s):",
                                            *outcome.problems])
