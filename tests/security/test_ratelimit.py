"""Rate limits: sign-in per address and email, the token endpoint, the API per token."""
from __future__ import annotations

import types
from dataclasses import replace

import pytest

from tests.conftest import PASSWORD, _csrf_from, sign_in
from tracker.config import Config
from tracker.web.common import ratelimit


def count(limit: str) -> int:
    return int(limit.split("/")[0])


def attempt(client, email, password="wrong-password", address="127.0.0.1"):
    """One sign-in through the form (CSRF included) from an address."""
    env = {"REMOTE_ADDR": address}
    token = _csrf_from(client.get("/connexion", environ_base=env).get_data(as_text=True))
    return client.post("/connexion", environ_base=env,
                       data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def later(monkeypatch):
    """Move the limiter's clock past the one-minute window."""
    import limits.storage.memory as memory

    def shift(seconds):
        real = memory.time.time
        monkeypatch.setattr(memory, "time", types.SimpleNamespace(time=lambda: real() + seconds))
    return shift


def test_sign_in_is_limited_per_address_and_email(client, world, later):
    for _ in range(count(ratelimit.SIGN_IN_PER_EMAIL)):
        assert attempt(client, "martin@example.org").status_code == 400
    refused = attempt(client, "martin@example.org", PASSWORD)  # even the right password
    assert refused.status_code == 429
    assert "Trop de tentatives" in refused.get_data(as_text=True)  # the French page
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["Content-Security-Policy"]
    # Another family from the same address, and the same email from elsewhere, still sign in.
    assert attempt(client, "durand@example.org", PASSWORD).status_code == 302
    other = client.application.test_client()
    assert attempt(other, "martin@example.org", PASSWORD, address="10.1.2.3").status_code == 302
    later(61)
    assert attempt(client, "martin@example.org", PASSWORD).status_code == 302


def test_sign_in_is_limited_per_address_across_emails(client, world):
    for n in range(count(ratelimit.SIGN_IN_PER_ADDRESS)):
        assert attempt(client, f"guess{n}@example.org").status_code == 400
    assert attempt(client, "martin@example.org", PASSWORD).status_code == 429


def test_token_endpoint_is_limited_like_the_sign_in(client, world):
    for _ in range(count(ratelimit.SIGN_IN_PER_EMAIL)):
        assert client.post("/api/v1/token", json={"email": "martin@example.org",
                                                  "password": "nope"}).status_code == 401
    refused = client.post("/api/v1/token", json={"email": "martin@example.org",
                                                 "password": PASSWORD})
    assert refused.status_code == 429 and refused.is_json
    assert refused.get_json()["code"] == 429 and refused.headers["Retry-After"]
    assert client.post("/api/v1/token", json={"email": "durand@example.org",
                                              "password": PASSWORD}).status_code == 201


def test_api_is_limited_per_token(app, client, world):
    tokens = [client.post("/api/v1/token", json={"email": e, "password": PASSWORD})
              .get_json()["token"] for e in ("martin@example.org", "durand@example.org")]
    martin, durand = ({"Authorization": f"Bearer {t}"} for t in tokens)
    for _ in range(count(ratelimit.API_PER_CLIENT)):
        assert client.get("/api/v1/me", headers=martin).status_code == 200
    refused = client.get("/api/v1/me", headers=martin)
    assert refused.status_code == 429 and refused.is_json and refused.headers["Retry-After"]
    assert client.get("/api/v1/weighins", headers=martin).status_code == 429  # shared budget
    assert client.get("/api/v1/me", headers=durand).status_code == 200  # per token


def test_api_refusals_are_limited_per_address(client, world):
    for n in range(count(ratelimit.API_REFUSED_PER_ADDRESS)):
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer zw_guess{n}"}
                          ).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer zw_guess"}
                      ).status_code == 429


def test_a_guesser_does_not_lock_out_valid_tokens_from_the_same_address(app, client, world):
    """Behind a proxy without ZW_PROXY_FIX every family shares one address: after 30 bad
    tokens a minute, valid tokens and sessions from that address used to get 429 as well."""
    martin = {"Authorization": "Bearer " + client.post("/api/v1/token", json={
        "email": "martin@example.org", "password": PASSWORD}).get_json()["token"]}
    for n in range(count(ratelimit.API_REFUSED_PER_ADDRESS) + 5):
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer zw_guess{n}"}
                          ).status_code in (401, 429)
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer zw_guess"}
                      ).status_code == 429
    assert client.get("/api/v1/me").status_code == 429  # no credentials: refused as well
    for _ in range(3):
        mine = client.get("/api/v1/me", headers=martin)
        assert mine.status_code == 200 and mine.get_json()["email"] == "martin@example.org"
    assert client.post("/api/v1/weighins", headers=martin, json={
        "stream": "residual", "weight_kg": "1,2"}).status_code in (201, 422)
    browser = app.test_client()  # a signed-in page session from the same address
    sign_in(browser, "durand@example.org")
    assert browser.get("/api/v1/me").status_code == 200
    # ...and valid calls do not refill the guesser's budget
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer zw_guess"}
                      ).status_code == 429


def test_sign_in_links_are_limited_per_address(client, world):
    for _ in range(count(ratelimit.MAIL_PER_ADDRESS)):
        page = client.get("/connexion/lien")
        token = _csrf_from(page.get_data(as_text=True))
        assert client.post("/connexion/lien", data={"email": "x@example.org",
                                                    "csrf_token": token}).status_code == 200
    assert client.post("/connexion/lien", data={"email": "x@example.org",
                                                "csrf_token": token}).status_code == 429


def test_forwarded_addresses_count_only_behind_proxy_fix(config, world):
    from tracker.app import create_app

    for proxies, separate in ((0, False), (1, True)):
        app = create_app(replace(config, proxy_fix=proxies), TESTING=True)
        client = app.test_client()

        def post(address):
            return client.post("/api/v1/token", headers={"X-Forwarded-For": address},
                               json={"email": "martin@example.org", "password": "nope"})
        for _ in range(count(ratelimit.SIGN_IN_PER_EMAIL)):
            post("203.0.113.7")
        # Without ProxyFix a forged X-Forwarded-For does not buy new attempts; behind the
        # proxy, each client address has its own budget.
        assert post("203.0.113.8").status_code == (401 if separate else 429)
        app.extensions["zw_db"].dispose()


def test_limits_can_be_switched_off_and_use_the_configured_storage(config, world, monkeypatch):
    from tracker.app import create_app

    monkeypatch.setenv("ZW_RATELIMIT_STORAGE_URL", "redis://cache.internal:6379/2")
    monkeypatch.setenv("ZW_RATELIMIT_ENABLED", "false")
    from_env = Config.from_env()
    assert from_env.ratelimit_storage_url == "redis://cache.internal:6379/2"
    assert not from_env.ratelimit_enabled
    app = create_app(replace(config, ratelimit_enabled=False), TESTING=True)
    client = app.test_client()
    for _ in range(count(ratelimit.SIGN_IN_PER_EMAIL) + 2):
        assert attempt(client, "martin@example.org").status_code == 400
    app.extensions["zw_db"].dispose()


def test_a_signed_in_family_is_not_limited_by_normal_use(client, world, now_in_edition):
    sign_in(client, "martin@example.org")
    for _ in range(30):
        assert client.get("/pesee").status_code == 200
