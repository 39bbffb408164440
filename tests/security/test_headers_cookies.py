"""Session cookie flags and the security headers of every kind of answer."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import PASSWORD, _csrf_from, sign_in


def cookies(response) -> dict[str, str]:
    """Set-Cookie headers by cookie name (the whole header, attributes included)."""
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def flags(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def sign_in_remembered(client, base_url="http://localhost"):
    """Sign in with "remember me" ticked (the form's default); the answer sets the cookies."""
    page = client.get("/connexion", base_url=base_url)
    return client.post("/connexion", base_url=base_url, headers={
        "Referer": f"{base_url}/connexion"}, data={  # HTTPS: Flask-WTF checks the referrer
        "email": "martin@example.org", "password": PASSWORD, "remember": "y",
        "csrf_token": _csrf_from(page.get_data(as_text=True))})


def test_session_and_remember_cookies_are_httponly_and_lax(client, world):
    set_cookies = cookies(sign_in_remembered(client))
    assert {"session", "remember_token"} <= set(set_cookies)
    for name in ("session", "remember_token"):
        assert {"httponly", "samesite=lax"} <= flags(set_cookies[name]), set_cookies[name]
        assert "secure" not in flags(set_cookies[name])  # plain HTTP on a laptop


@pytest.fixture
def secure_app(config):
    from tracker.app import create_app

    app = create_app(replace(config, session_cookie_secure=True), TESTING=True)
    yield app
    app.extensions["zw_db"].dispose()


def test_cookies_are_secure_with_zw_session_cookie_secure(secure_app, world, monkeypatch):
    monkeypatch.setenv("ZW_SESSION_COOKIE_SECURE", "true")
    from tracker.config import Config

    assert Config.from_env().session_cookie_secure
    response = sign_in_remembered(secure_app.test_client(), "https://localhost")
    assert response.status_code == 302
    assert {"session", "remember_token"} <= set(cookies(response))
    for name, header in cookies(response).items():
        assert {"secure", "httponly", "samesite=lax"} <= flags(header), header
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


PATHS = ["/connexion", "/pesee", "/api/v1/me", "/api/v1/openapi.json", "/nulle-part",
         "/api/v1/nulle-part", "/static/css/app.css"]


@pytest.mark.parametrize("path", PATHS)
def test_security_headers_on_every_kind_of_answer(client, world, path):
    response = client.get(path)
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "base-uri 'self'",
                      "form-action 'self'", "connect-src 'self'"):
        assert directive in csp, (path, csp)
    assert "http:" not in csp and "https:" not in csp and "*" not in csp  # nothing external
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert "Strict-Transport-Security" not in headers  # only once cookies are Secure (HTTPS)


def test_signed_in_pages_are_not_cached_by_shared_caches(client, world, now_in_edition):
    sign_in(client, "martin@example.org")
    response = client.get("/historique")
    assert response.status_code == 200
    assert "Vary" in response.headers and "Cookie" in response.headers["Vary"]
