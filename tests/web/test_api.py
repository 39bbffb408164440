"""REST API v1: token and session auth, CSRF for the session, weigh-ins, errors, OpenAPI."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import PASSWORD, sign_in
from tests.web.helpers import count_weighins, csrf, weighins

UTC = dt.timezone.utc


def token_for(client, email="martin@example.org"):
    response = client.post("/api/v1/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


@pytest.fixture
def api(client, world, now_in_edition):
    """The Martin family's headers with a bearer token."""
    return {"Authorization": f"Bearer {token_for(client)}"}


def assert_422(response, field, message):
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == 422 and body["status"] == "Unprocessable Entity"
    messages = body["errors"]["json"][field]
    assert isinstance(messages, list)
    assert any(message in m for m in messages), messages


# --- authentication -----------------------------------------------------------------------------

@pytest.mark.parametrize("method,path", [("get", "/api/v1/weighins"), ("post", "/api/v1/weighins"),
                                         ("get", "/api/v1/weighins/1"),
                                         ("delete", "/api/v1/weighins/1"), ("get", "/api/v1/me")])
def test_anonymous_gets_401_json(client, world, method, path):
    response = getattr(client, method)(path, json={})
    assert response.status_code == 401
    assert response.get_json()["code"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_401(client, world):
    response = client.get("/api/v1/weighins", headers={"Authorization": "Bearer zw_nope"})
    assert response.status_code == 401


def test_token_with_wrong_password_is_401(client, world):
    response = client.post("/api/v1/token", json={"email": "martin@example.org",
                                                   "password": "nope-nope"})
    assert response.status_code == 401 and "token" not in response.get_json()


def test_token_needs_email_and_password(client, world):
    assert_422(client.post("/api/v1/token", json={"email": "martin@example.org"}), "password", "")


def test_each_new_token_works_beside_the_others(client, world):
    """Tokens are named and listed on the account page, revoked one by one (issue 14): a new one
    no longer replaces the previous one."""
    old = token_for(client)
    new = token_for(client)
    assert old != new
    for token in (old, new):
        assert client.get("/api/v1/me",
                          headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_me(client, api, world):
    body = client.get("/api/v1/me", headers=api).get_json()
    assert body["email"] == "martin@example.org" and body["role"] == "family"
    assert body["household"]["name"] == "Martin" and body["household"]["persons"] == 3
    assert body["household"]["edition"] == "defi-2026"
    assert "password" not in str(body) and "token" not in str(body)


def test_staff_have_no_household_endpoints(client, world):
    headers = {"Authorization": f"Bearer {token_for(client, 'staff@example.org')}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["household"] is None
    response = client.get("/api/v1/weighins", headers=headers)
    assert response.status_code == 403 and response.get_json()["code"] == 403
    assert client.post("/api/v1/weighins", headers=headers,
                       json={"stream": "glass", "weight_kg": 1}).status_code == 403


# --- weigh-ins with a token ---------------------------------------------------------------------

def test_create_list_get_patch_put_delete(app, client, api, world, now_in_edition):
    response = client.post("/api/v1/weighins", headers=api,
                           json={"stream": "verre", "weight_kg": "1,5"})
    assert response.status_code == 201
    created = response.get_json()
    assert (created["stream"], created["weight_g"], created["weight_kg"]) == ("glass", 1500, 1.5)
    assert created["source"] == "api" and created["status"] == "accepted"
    assert created["measured_at"].startswith("2026-04-15T10:00")
    wid = created["id"]

    listing = client.get("/api/v1/weighins", headers=api)
    assert listing.status_code == 200 and [w["id"] for w in listing.get_json()] == [wid]
    assert '"total": 1' in listing.headers["X-Pagination"]
    assert client.get(f"/api/v1/weighins/{wid}", headers=api).get_json()["weight_g"] == 1500

    patched = client.patch(f"/api/v1/weighins/{wid}", headers=api, json={"weight_kg": 2})
    assert patched.status_code == 200 and patched.get_json()["weight_g"] == 2000
    assert patched.get_json()["stream"] == "glass"

    put = client.put(f"/api/v1/weighins/{wid}", headers=api,
                     json={"stream": "residual", "weight_kg": 0.75,
                           "measured_at": "2026-04-02T09:15:00"})
    assert put.status_code == 200
    row = weighins(app, world["martin"])[0]
    assert (row.stream, row.weight_g) == ("residual", 750)
    assert row.measured_at == dt.datetime(2026, 4, 2, 7, 15, tzinfo=UTC)  # local Paris time

    assert client.delete(f"/api/v1/weighins/{wid}", headers=api).status_code == 204
    assert count_weighins(app) == 0
    assert client.get(f"/api/v1/weighins/{wid}", headers=api).status_code == 404


def test_listing_is_paginated_and_only_the_households(client, api, world, add_weighin):
    for day in range(1, 6):
        add_weighin(world["martin"], "residual", 1000 + day,
                    dt.datetime(2026, 4, day, 8, tzinfo=UTC))
    add_weighin(world["durand"], "glass", 500)
    page = client.get("/api/v1/weighins?page=2&page_size=2", headers=api)
    assert [w["weight_g"] for w in page.get_json()] == [1003, 1002]
    assert '"total": 5' in page.headers["X-Pagination"]


BAD = [
    ({"weight_kg": -1}, "weight_kg", "Le poids doit être supérieur à 0 kg."),
    ({"weight_kg": "0"}, "weight_kg", "Le poids doit être supérieur à 0 kg."),
    ({"weight_kg": 50.001}, "weight_kg", "Le poids ne peut pas dépasser 50 kg"),
    ({"weight_kg": "lourd"}, "weight_kg", "Le poids doit être un nombre de kilos"),
    ({"measured_at": "2026-04-16T12:00:00+02:00"}, "measured_at", "La date est dans le futur."),
    ({"measured_at": "2025-12-01T12:00:00"}, "measured_at", "La date est en dehors du défi"),
    ({"stream": "plastique"}, "stream", "Poubelle inconnue : plastique."),
    ({"stream": "bulky"}, "stream", "Poubelle inconnue : bulky."),
    ({"colour": "blue"}, "colour", ""),
]


@pytest.mark.parametrize("change,field,message", BAD)
def test_bad_input_is_422_with_field_errors(app, client, api, change, field, message):
    body = {"stream": "residual", "weight_kg": "1,2", **change}
    assert_422(client.post("/api/v1/weighins", headers=api, json=body), field, message)
    assert count_weighins(app) == 0


@pytest.mark.parametrize("change,field,message", BAD[:8])
def test_bad_patch_changes_nothing(app, client, api, world, add_weighin, change, field, message):
    wid = add_weighin(world["martin"], "residual", 1250)
    assert_422(client.patch(f"/api/v1/weighins/{wid}", headers=api, json=change), field, message)
    row = weighins(app, world["martin"])[0]
    assert (row.stream, row.weight_g) == ("residual", 1250)


@pytest.mark.parametrize("change,field,message", [
    ({"measured_at": None}, "measured_at", "Indiquez une date et une heure."),
    ({"weight_kg": None}, "weight_kg", "Indiquez le poids."),
    ({"stream": None}, "stream", "Choisissez une poubelle."),
    ({"note": None}, "note", "Laissez la note vide plutôt que null."),
])
def test_a_null_in_a_patch_is_refused_in_french(app, client, api, world, add_weighin, change,
                                                field, message):
    wid = add_weighin(world["martin"], "residual", 1250)
    assert_422(client.patch(f"/api/v1/weighins/{wid}", headers=api, json=change), field, message)
    row = weighins(app, world["martin"])[0]
    assert (row.stream, row.weight_g) == ("residual", 1250)


def test_messages_in_english_on_request(client, api):
    response = client.post("/api/v1/weighins?lang=en", headers=api,
                           json={"stream": "residual", "weight_kg": 0})
    assert_422(response, "weight_kg", "The weight must be more than 0 kg.")


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_another_households_weigh_in_is_404(app, client, api, world, add_weighin, method):
    theirs = add_weighin(world["durand"], "glass", 2000)
    response = getattr(client, method)(f"/api/v1/weighins/{theirs}", headers=api,
                                       json={"stream": "residual", "weight_kg": 9})
    assert response.status_code == 404
    assert response.get_json()["errors"]["json"]["id"] == ["Cette pesée n'existe pas dans "
                                                           "votre foyer."]
    [row] = weighins(app, world["durand"])
    assert (row.stream, row.weight_g) == ("glass", 2000)


def test_token_requests_need_no_csrf(app, client, api):
    """A bearer token is not sent by browsers on their own: no CSRF token is needed."""
    response = client.post("/api/v1/weighins", headers=api,
                           json={"stream": "glass", "weight_kg": 1})
    assert response.status_code == 201


# --- weigh-ins with the session cookie ------------------------------------------------------------

def test_session_reads_without_csrf_but_writes_need_it(app, client, world, now_in_edition):
    sign_in(client, "martin@example.org")
    assert client.get("/api/v1/weighins").status_code == 200
    body = {"stream": "glass", "weight_kg": "1,5"}
    refused = client.post("/api/v1/weighins", json=body)
    assert refused.status_code == 400 and refused.get_json()["code"] == 400
    assert client.post("/api/v1/weighins", json=body,
                       headers={"X-CSRFToken": "forged"}).status_code == 400
    assert count_weighins(app) == 0
    token = csrf(client)
    created = client.post("/api/v1/weighins", json=body, headers={"X-CSRFToken": token})
    assert created.status_code == 201
    wid = created.get_json()["id"]
    assert client.delete(f"/api/v1/weighins/{wid}").status_code == 400
    assert client.delete(f"/api/v1/weighins/{wid}",
                         headers={"X-CSRFToken": token}).status_code == 204
    assert count_weighins(app) == 0


# --- OpenAPI ------------------------------------------------------------------------------------

def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    assert set(paths["/api/v1/weighins"]) >= {"get", "post"}
    assert set(paths["/api/v1/weighins/{weighin_id}"]) >= {"get", "patch", "put", "delete"}
    assert "get" in paths["/api/v1/me"] and "post" in paths["/api/v1/token"]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert "X-CSRFToken" in spec["info"]["description"]
    assert "WeighInInput" in spec["components"]["schemas"]
