"""Links and redirects point to this site only, whatever the visitor sends.

- Host-header poisoning: a sign-in link mailed to someone else was built on the request's
  `Host:`; now every absolute link is built on ZW_PUBLIC_URL, and an unknown host gets 400.
- Open redirect: `POST /connexion?next=/%09/evil.example` answered `Location: //evil.example`
  (browsers drop the tab), a CR/LF in `next` gave a 500; now only a path of this site is kept.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from urllib.parse import quote, urlencode

import pytest

from tests.conftest import _csrf_from, sign_in
from tests.life.conftest import Outbox
from tracker import services
from tracker.config import Config
from tracker.models import Household
from tracker.web.common.urls import safe_target

SITE = "https://defi.example.org"


@pytest.fixture
def site_app(config):
    """The app as deployed: ZW_PUBLIC_URL set; `localhost` (the test client's) also trusted."""
    from tracker.app import create_app

    app = create_app(replace(config, public_url=SITE, trusted_hosts="localhost"), TESTING=True)
    yield app
    app.extensions["zw_db"].dispose()


@pytest.fixture
def site_world(site_app, monkeypatch, now_in_edition):
    monkeypatch.delenv("ZW_SMTP_HOST", raising=False)
    with site_app.extensions["zw_db"].session() as s:
        edition = services.create_edition(s, slug="defi-2026", name="Défi 2026",
                                          start=dt.date(2026, 3, 1))
        martin = services.create_household(s, edition, name="Martin", persons=3, commune="Orsay")
        services.create_account(s, email="martin@example.org", password="motdepasse-123",
                                household=martin)
        services.create_account(s, email="staff@example.org", password="motdepasse-123",
                                role="staff")
        household_id = martin.id
    return household_id


def _links(outbox: Outbox, address: str) -> list[str]:
    import re

    return [link for message in outbox.to(address)
            for link in re.findall(r"https?://\S+", outbox.body(message))]


# ------------------------------------------------------------------ host names


@pytest.mark.parametrize("host", ["evil.example", "defi.example.org.evil.example",
                                  "evil.example:443", "127.0.0.2", "localhost.evil.example"])
def test_an_unknown_host_is_refused(site_app, site_world, host):
    client = site_app.test_client()
    for method, path in (("get", "/connexion"), ("post", "/connexion/lien"),
                         ("get", "/healthz"), ("get", "/api/v1/me")):
        response = getattr(client, method)(path, headers={"Host": host})
        assert response.status_code == 400, (method, path, host)
        assert "ne répond pas" in response.get_data(as_text=True)
        assert "Set-Cookie" not in response.headers


def test_a_forged_forwarded_host_is_refused_behind_the_proxy(config, site_world):
    from tracker.app import create_app

    app = create_app(replace(config, public_url=SITE, proxy_fix=1), TESTING=True)
    try:
        client = app.test_client()
        site = {"Host": "127.0.0.1:8000", "X-Forwarded-Proto": "https"}
        assert client.get("/connexion", headers={**site, "X-Forwarded-Host": "defi.example.org"}
                          ).status_code == 200
        assert client.get("/connexion", headers={**site, "X-Forwarded-Host": "evil.example"}
                          ).status_code == 400
        assert client.get("/connexion", headers={"Host": "127.0.0.1:8000"}).status_code == 400
    finally:
        app.extensions["zw_db"].dispose()


def test_the_site_names_are_answered(site_app, site_world):
    client = site_app.test_client()
    for host in ("defi.example.org", "DEFI.example.org", "localhost", "localhost:5000"):
        assert client.get("/connexion", headers={"Host": host}).status_code == 200, host


def test_host_names_come_from_the_public_url_and_the_trusted_list():
    local = Config(instance_path="/nonexistent", secret_key="x", database_url="sqlite://",
                   broker_admin_password="x", mqtt_password="x")
    assert local.site_url == "http://127.0.0.1:5000"
    assert set(local.host_names) == {"127.0.0.1", "localhost", "::1"}
    assert replace(local, web_host="0.0.0.0", web_port=8080).site_url == "http://127.0.0.1:8080"
    deployed = replace(local, public_url="https://defi.example.org/", trusted_hosts=" www."
                       "defi.example.org , .cdn.example.org")
    assert deployed.site_url == "https://defi.example.org"
    assert deployed.host_names == ["defi.example.org", "www.defi.example.org", ".cdn.example.org"]
    for bad in ("defi.example.org", "javascript:alert(1)", "https://", "https://a@b.example",
                "https://defi.example.org/?x=1"):
        with pytest.raises(ValueError, match="ZW_PUBLIC_URL"):
            replace(local, public_url=bad).resolved()


# ------------------------------------------------------------------ links in mails and pages


def test_mailed_links_point_to_the_public_url_whatever_the_host(site_app, site_world):
    outbox = Outbox(site_app)
    client = site_app.test_client()
    forged = client.post("/connexion/lien", headers={"Host": "evil.example"},
                         data={"email": "martin@example.org"})
    assert forged.status_code == 400 and outbox.to("martin@example.org") == []
    # a trusted name other than the site's own (here the test client's `localhost`)
    token = _csrf_from(client.get("/connexion/lien").get_data(as_text=True))
    client.post("/connexion/lien", data={"email": "martin@example.org", "csrf_token": token},
                buffered=True)  # read to its end: the link is mailed after the answer
    sign_in(client, "martin@example.org", "motdepasse-123")
    token = _csrf_from(client.get("/foyer/membres").get_data(as_text=True))
    assert client.post("/foyer/membres/inviter",
                       data={"email": "alex@example.org", "csrf_token": token},
                       buffered=True).status_code == 302
    links = _links(outbox, "martin@example.org") + _links(outbox, "alex@example.org")
    assert len(links) == 2 and all(link.startswith(SITE + "/lien/") for link in links), links
    page = client.get("/ateliers").get_data(as_text=True)  # the calendar feeds' addresses
    assert f"{SITE}/calendrier/" in page and "http://localhost" not in page


def test_reminders_sent_by_the_command_link_to_the_public_url(site_app, site_world, monkeypatch):
    from tracker import clock

    with site_app.extensions["zw_db"].session() as s:
        services.record_weighin(s, s.get(Household, site_world), stream="residual",
                                weight_g=1000, source="web",
                                measured_at=dt.datetime(2026, 4, 1, 8, tzinfo=dt.timezone.utc))
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 4, 20, 7, tzinfo=dt.timezone.utc))
    result = site_app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    outbox = Outbox(site_app)
    assert _links(outbox, "martin@example.org") == [f"{SITE}/pesee"]


# ------------------------------------------------------------------ redirect targets

NASTY = ["//evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
         "/x\r\nSet-Cookie: a=b", "\\\\evil.example", "/\\evil.example", "\\/evil.example",
         "/\\/evil.example", "https:evil.example", "https://evil.example", "http:/evil.example",
         "javascript:alert(1)", "/%2F%2Fevil.example", "%2F%2Fevil.example", "/%2f/evil.example",
         "/%5Cevil.example", "/%255C%255Cevil.example", "/%252F%252Fevil.example",
         "/%09/evil.example", "/%0d%0a/evil.example", " /foyer", "/foyer ", "\u3000/evil",
         "/\u2028/evil.example", "/\u200b/evil.example", "/\ufeff/evil.example", "/\x00",
         "/a/../../evil.example", "/%2e%2e/evil.example", "evil.example", "", "/" * 3000]


@pytest.mark.parametrize("target", NASTY)
def test_safe_target_refuses_anything_but_a_path_of_this_site(target):
    assert safe_target(target) is None


@pytest.mark.parametrize("target, kept", [
    ("/pesee", "/pesee"), ("/historique?page=2", "/historique?page=2"),
    ("/equipe/qualite?defi=defi-2026&flagged=2", "/equipe/qualite?defi=defi-2026&flagged=2"),
    ("/foyer/%C3%A9t%C3%A9", "/foyer/%C3%A9t%C3%A9"), ("/foyer/été", "/foyer/%C3%A9t%C3%A9")])
def test_safe_target_keeps_paths_of_this_site(target, kept):
    assert safe_target(target) == kept


def _sign_in_to(client, query: str):
    page = client.get("/connexion")
    token = _csrf_from(page.get_data(as_text=True))
    return client.post(f"/connexion?{query}", data={
        "email": "martin@example.org", "password": "motdepasse-123", "csrf_token": token})


@pytest.mark.parametrize("target", NASTY[:30])
def test_sign_in_never_redirects_to_another_site(app, world, target):
    for query in (urlencode({"next": target}), "next=" + quote(target, safe="/:%\\")):
        response = _sign_in_to(app.test_client(), query)
        assert response.status_code == 302, (query, response.status_code)
        assert response.headers["Location"] == "/", (query, response.headers["Location"])


def test_the_reported_redirects(app, world):
    for query in ("next=/%09/evil.example", "next=/%0D%0A/evil.example", "next=%0d%0aX:y"):
        response = _sign_in_to(app.test_client(), query)
        assert response.status_code == 302 and response.headers["Location"] == "/", query


def test_sign_in_still_goes_back_to_the_page_asked_for(app, world):
    client = app.test_client()
    asked = client.get("/historique?page=2")
    assert asked.status_code == 302
    response = _sign_in_to(client, asked.headers["Location"].split("?", 1)[1])
    assert response.headers["Location"] == "/historique?page=2"


def test_staff_review_goes_back_to_its_page_only(app, world, now_in_edition):
    with app.extensions["zw_db"].session() as s:
        weighin = services.record_weighin(
            s, s.get(Household, world["martin"]), stream="residual", weight_g=40000,
            source="web", measured_at=dt.datetime(2026, 4, 2, 8, tzinfo=dt.timezone.utc))
        assert weighin.status == "flagged"
        weighin_id = weighin.id
    client = app.test_client()
    sign_in(client, "staff@example.org")
    token = _csrf_from(client.get("/equipe/qualite/").get_data(as_text=True))
    for target, expected in (("/\t/evil.example", "/equipe/qualite/"),
                             ("/equipe/qualite?defi=defi-2026", "/equipe/qualite?defi=defi-2026")):
        response = client.post(f"/equipe/qualite/pesees/{weighin_id}", data={
            "decision": "accepted", "next": target, "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"] == expected
