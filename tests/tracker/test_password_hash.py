"""The password and scale-secret hashes production stores: werkzeug's scrypt.

Every other test runs with a cheap hash (tests/conftest.py, `fast_password_hashing`); these,
marked `real_password_hash`, keep the real one: what is stored, that it verifies, that a wrong
password fails, that the unknown-email dummy costs what a real check costs (same method), and
a sign-in through the form on top of it.
"""
from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash

from tests.conftest import PASSWORD, sign_in
from tracker import services
from tracker.models import Account, Device, Household
from tracker.services import accounts, devices

pytestmark = pytest.mark.real_password_hash


def _method(hashed: str) -> str:
    return hashed.split("$", 1)[0]


def test_accounts_and_scales_store_scrypt(app, world, session):
    account = session.query(Account).filter_by(email="martin@example.org").one()
    assert account.password_hash.startswith("scrypt:")
    assert PASSWORD not in account.password_hash
    assert services.authenticate(session, "martin@example.org", PASSWORD).id == account.id
    assert services.authenticate(session, "martin@example.org", PASSWORD + "x") is None
    # The unknown-email path checks a dummy of the same method: both take the same time.
    assert _method(accounts._DUMMY_HASH) == _method(account.password_hash)
    assert services.authenticate(session, "nobody@example.org", PASSWORD) is None

    device, secret = devices.provision_device(session, session.get(Household, world["martin"]))
    assert session.get(Device, device.id).secret_hash.startswith("scrypt:")
    assert check_password_hash(device.secret_hash, secret)
    assert devices.check_secret(device, secret) and not devices.check_secret(device, "x" * 32)


def test_sign_in_through_the_form_on_the_real_hash(app, world):
    assert sign_in(app.test_client(), "martin@example.org").status_code == 302
    assert sign_in(app.test_client(), "martin@example.org", PASSWORD + "x").status_code == 400
