"""Family pages: sign-in, the weigh-in form, the history with correct and delete, CSRF, language."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import sign_in
from tests.web.helpers import count_weighins, csrf, field_has_error, text, weighins

UTC = dt.timezone.utc


# --- sign-in and access ---------------------------------------------------------------------

def test_sign_in_success_lands_on_the_weigh_in_page(client, world):
    response = sign_in(client, "martin@example.org")
    assert response.status_code == 302
    home = client.get(response.headers["Location"])
    assert home.status_code == 302 and home.headers["Location"].endswith("/pesee")


def test_sign_in_failure_says_so_in_french(client, world):
    response = sign_in(client, "martin@example.org", "wrong-password")
    assert response.status_code == 400
    assert "Adresse e-mail inconnue ou mot de passe incorrect." in text(response)
    assert client.get("/pesee").status_code == 302


def test_sign_in_page_is_french_and_accessible(client):
    page = text(client.get("/connexion"))
    assert '<html lang="fr">' in page
    assert 'href="#main"' in page and "Aller au contenu" in page
    assert '<label for="email">Adresse e-mail</label>' in page
    assert "?lang=en" in page  # the language switch


@pytest.mark.parametrize("path", ["/pesee", "/historique", "/progres", "/pesees/1/corriger",
                                  "/pesees/1/supprimer", "/equipe/"])
def test_anonymous_visitors_are_sent_to_the_sign_in_page(client, world, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


def test_home_routes_by_role(client, world):
    assert "/connexion" in client.get("/").headers["Location"]
    sign_in(client, "staff@example.org")
    assert client.get("/").headers["Location"].endswith("/equipe/")
    assert client.get("/pesee").headers["Location"].endswith("/equipe/")


def test_sign_out(martin):
    token = csrf(martin)
    response = martin.post("/deconnexion", data={"csrf_token": token})
    assert response.status_code == 302
    assert martin.get("/pesee").status_code == 302


# --- recording a weigh-in ---------------------------------------------------------------------

def test_weigh_in_page_has_tiles_decimal_input_and_hidden_date(martin):
    page = text(martin.get("/pesee"))
    assert "<fieldset" in page and "<legend>Quelle poubelle ?</legend>" in page
    for label in ("Ordures ménagères", "Emballages et papiers", "Verre", "Biodéchets"):
        assert label in page
    assert 'inputmode="decimal"' in page and "autofocus" in page
    assert "<summary>Changer la date</summary>" in page
    assert 'type="datetime-local"' in page and 'value="2026-04-15T12:00"' in page
    # The form needs no script; the only ones are the offline queue's, deferred (issue 6).
    scripts = re.findall(r"<script[^>]*>", page)
    assert all("/static/pwa/" in tag and " defer" in tag for tag in scripts), scripts


def test_record_with_a_comma_decimal_in_french(app, martin, world, now_in_edition):
    token = csrf(martin)
    response = martin.post("/pesee", data={
        "csrf_token": token, "stream": "residual", "weight_kg": "1,25",
        "measured_at": "2026-04-15T12:00", "measured_at_shown": "2026-04-15T12:00"})
    assert response.status_code == 302
    page = text(martin.get(response.headers["Location"]))
    assert "Pesée enregistrée : 1,25 kg (ordures ménagères)" in page
    [row] = weighins(app, world["martin"])
    assert (row.stream, row.weight_g, row.source, row.status) == ("residual", 1250, "web",
                                                                  "accepted")
    assert row.measured_at == now_in_edition  # the untouched default means "now"


def test_record_with_a_chosen_local_time_and_a_dot(app, martin, world):
    response = martin.post("/pesee", data={
        "csrf_token": csrf(martin), "stream": "glass", "weight_kg": "2.5",
        "measured_at": "2026-04-10T08:30", "measured_at_shown": "2026-04-15T12:00"})
    assert response.status_code == 302
    [row] = weighins(app, world["martin"])
    assert row.weight_g == 2500
    assert row.measured_at == dt.datetime(2026, 4, 10, 6, 30, tzinfo=UTC)  # Paris is UTC+2


def test_the_same_form_sent_twice_is_stored_once(app, martin, world):
    """The page's script numbers each form (client_uuid): a double tap, or a post whose answer
    was lost and that the service worker kept, is stored once; without a number (no script)
    or with a number that is not a UUID, as before."""
    number = "0b6f4ae2-5c1e-4b83-9f0e-6a1d2c3b4a59"
    data = {"csrf_token": csrf(martin), "stream": "glass", "weight_kg": "1,5",
            "client_uuid": number}
    assert martin.post("/pesee", data=data).status_code == 302
    again = martin.post("/pesee", data=data, follow_redirects=True)
    assert "Cette pesée était déjà enregistrée : elle ne compte qu'une fois." in text(again)
    [row] = weighins(app, world["martin"])
    assert (row.weight_g, row.client_uuid) == (1500, number)
    for value in ("", "not-a-uuid"):
        martin.post("/pesee", data={**data, "client_uuid": value})
    assert count_weighins(app, world["martin"]) == 3
    page = martin.get("/pesee").get_data(as_text=True)
    assert '<input type="hidden" name="client_uuid" value="">' in page  # filled by the script
    # Another household's number is refused, nothing stored, nothing of Martin's shown.
    martin.post("/deconnexion", data={"csrf_token": csrf(martin)})
    assert sign_in(martin, "durand@example.org").status_code == 302
    refused = martin.post("/pesee", data={**data, "csrf_token": csrf(martin)})
    assert refused.status_code == 422 and "Martin" not in text(refused)
    assert "Ce numéro de saisie est déjà utilisé." in text(refused)
    assert count_weighins(app, world["durand"]) == 0


def test_last_used_bin_is_preselected(martin):
    martin.post("/pesee", data={"csrf_token": csrf(martin), "stream": "glass",
                                "weight_kg": "1"})
    page = martin.get("/pesee").get_data(as_text=True)
    assert 'id="stream-glass" value="glass"\n               checked' in page


def test_a_heavy_reading_is_flagged_and_the_family_told(app, martin, world):
    response = martin.post("/pesee", data={"csrf_token": csrf(martin), "stream": "residual",
                                           "weight_kg": "20"}, follow_redirects=True)
    assert "l'équipe la vérifiera" in text(response)
    assert weighins(app, world["martin"])[0].status == "flagged"


BAD_INPUTS = [
    ({"weight_kg": "-1"}, "weight_kg", "Le poids doit être supérieur à 0 kg."),
    ({"weight_kg": "0"}, "weight_kg", "Le poids doit être supérieur à 0 kg."),
    ({"weight_kg": "50,5"}, "weight_kg", "Le poids ne peut pas dépasser 50 kg pour une pesée."),
    ({"weight_kg": "beaucoup"}, "weight_kg", "Le poids doit être un nombre de kilos"),
    ({"weight_kg": ""}, "weight_kg", "Indiquez le poids."),
    ({"measured_at": "2026-04-16T12:00"}, "measured_at", "La date est dans le futur."),
    ({"measured_at": "2026-02-20T12:00"}, "measured_at",
     "La date est en dehors du défi (du 01/03/2026 au 31/10/2026)."),
    ({"measured_at": "hier"}, "measured_at", "Date ou heure non reconnue."),
    ({"stream": "plastique"}, "stream", "Poubelle inconnue : plastique."),
    ({"stream": "textile"}, "stream", "Poubelle inconnue : textile."),  # not in this edition
    ({"stream": ""}, "stream", "Choisissez une poubelle."),
]


@pytest.mark.parametrize("change,field,message", BAD_INPUTS)
def test_bad_input_is_refused_with_a_french_message(app, martin, world, change, field, message):
    data = {"csrf_token": csrf(martin), "stream": "residual", "weight_kg": "1,2",
            "measured_at": "2026-04-15T12:00", "measured_at_shown": "2026-04-15T12:00",
            **change}
    response = martin.post("/pesee", data=data)
    assert response.status_code == 422
    page = text(response)
    assert message in page
    if field == "stream":
        assert 'aria-describedby="stream-error"' in page
        assert 'aria-invalid="true"' in page
    else:
        assert field_has_error(page, field)
    assert count_weighins(app) == 0


def test_the_form_keeps_what_was_typed_after_an_error(martin):
    page = text(martin.post("/pesee", data={"csrf_token": csrf(martin), "stream": "glass",
                                            "weight_kg": "abc"}))
    assert 'value="abc"' in page
    assert 'value="glass"\n               checked' in page


def test_csrf_is_enforced_on_the_weigh_in_form(app, martin):
    response = martin.post("/pesee", data={"stream": "residual", "weight_kg": "1,2"})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in text(response)
    response = martin.post("/pesee", data={"csrf_token": "forged", "stream": "residual",
                                           "weight_kg": "1,2"})
    assert response.status_code == 400
    assert count_weighins(app) == 0


# --- history, correct, delete -----------------------------------------------------------------

def test_history_lists_newest_first_with_source_and_status(martin, world, add_weighin):
    add_weighin(world["martin"], "residual", 1250, dt.datetime(2026, 4, 1, 8, tzinfo=UTC))
    add_weighin(world["martin"], "glass", 3400, dt.datetime(2026, 4, 12, 8, tzinfo=UTC))
    add_weighin(world["martin"], "residual", 16000, dt.datetime(2026, 4, 13, 8, tzinfo=UTC))
    add_weighin(world["durand"], "packaging", 777)
    page = text(martin.get("/historique"))
    assert page.index("16 kg") < page.index("3,4 kg") < page.index("1,25 kg")
    assert "0,777" not in page  # not another household's
    assert "Site web" in page and "Comptée" in page and "À vérifier" in page
    assert page.count(">Corriger</a>") == 3 and page.count("Oui, supprimer") == 3


def test_history_is_paginated(martin, world, add_weighin):
    for day in range(1, 26):
        add_weighin(world["martin"], "residual", 1000 + day,
                    dt.datetime(2026, 3, day, 8, tzinfo=UTC))
    first = text(martin.get("/historique"))
    assert first.count(">Corriger</a>") == 20 and "?page=2" in first and "1,025 kg" in first
    second = text(martin.get("/historique?page=2"))
    assert second.count(">Corriger</a>") == 5 and "Plus récentes" in second
    assert "1,001 kg" in second


def test_history_without_weigh_ins(martin):
    assert "Aucune pesée pour le moment." in text(martin.get("/historique"))


def test_correct_a_weigh_in(app, martin, world, add_weighin):
    wid = add_weighin(world["martin"], "residual", 1250)
    page = text(martin.get(f"/pesees/{wid}/corriger"))
    assert 'value="1,25"' in page and 'value="2026-04-10T08:00"' in page
    response = martin.post(f"/pesees/{wid}/corriger", data={
        "csrf_token": csrf(martin), "stream": "packaging", "weight_kg": "2,5",
        "measured_at": "2026-04-10T08:00"})
    assert response.status_code == 302
    assert "Pesée corrigée." in text(martin.get(response.headers["Location"]))
    [row] = weighins(app, world["martin"])
    assert (row.stream, row.weight_g) == ("packaging", 2500)
    assert row.measured_at == dt.datetime(2026, 4, 10, 6, 0, tzinfo=UTC)


def test_correct_with_bad_input_changes_nothing(app, martin, world, add_weighin):
    wid = add_weighin(world["martin"], "residual", 1250)
    response = martin.post(f"/pesees/{wid}/corriger", data={
        "csrf_token": csrf(martin), "stream": "residual", "weight_kg": "60",
        "measured_at": "2026-04-10T08:00"})
    assert response.status_code == 422
    assert "Le poids ne peut pas dépasser 50 kg" in text(response)
    response = martin.post(f"/pesees/{wid}/corriger", data={
        "csrf_token": csrf(martin), "stream": "residual", "weight_kg": "1",
        "measured_at": "2027-01-01T08:00"})
    assert response.status_code == 422 and "La date est dans le futur." in text(response)
    assert weighins(app, world["martin"])[0].weight_g == 1250


def test_delete_a_weigh_in_after_confirmation(app, martin, world, add_weighin):
    wid = add_weighin(world["martin"])
    page = text(martin.get(f"/pesees/{wid}/supprimer"))
    assert "Supprimer définitivement cette pesée ?" in page
    response = martin.post(f"/pesees/{wid}/supprimer", data={"csrf_token": csrf(martin)})
    assert response.status_code == 302
    assert "Pesée supprimée." in text(martin.get(response.headers["Location"]))
    assert count_weighins(app) == 0


def test_delete_needs_the_csrf_token(app, martin, world, add_weighin):
    wid = add_weighin(world["martin"])
    assert martin.post(f"/pesees/{wid}/supprimer").status_code == 400
    assert count_weighins(app) == 1


@pytest.mark.parametrize("method,suffix", [("get", "corriger"), ("post", "corriger"),
                                           ("get", "supprimer"), ("post", "supprimer")])
def test_another_households_weigh_in_is_not_found(app, martin, world, add_weighin, method,
                                                  suffix):
    theirs = add_weighin(world["durand"], "glass", 2000)
    data = {"csrf_token": csrf(martin), "stream": "residual", "weight_kg": "9"}
    response = getattr(martin, method)(f"/pesees/{theirs}/{suffix}", data=data)
    assert response.status_code == 404
    assert "Cette pesée n'existe pas dans votre foyer." in text(response)
    [row] = weighins(app, world["durand"])
    assert (row.stream, row.weight_g) == ("glass", 2000)


def test_unknown_weigh_in_is_not_found(martin):
    assert martin.get("/pesees/999999/corriger").status_code == 404


# --- language -----------------------------------------------------------------------------------

def test_english_on_request_and_remembered(app, martin, world):
    page = text(martin.get("/pesee?lang=en"))
    assert '<html lang="en">' in page and "New weigh-in" in page and "Residual waste" in page
    assert "?lang=fr" in page
    response = martin.post("/pesee", data={"csrf_token": csrf(martin), "stream": "glass",
                                           "weight_kg": "0"})
    assert "The weight must be more than 0 kg." in text(response)
    response = martin.post("/pesee", data={"csrf_token": csrf(martin), "stream": "glass",
                                           "weight_kg": "1,5"}, follow_redirects=True)
    assert "Weigh-in saved: 1.5 kg (glass)" in text(response)
    assert "Nouvelle pesée" in text(martin.get("/pesee?lang=fr"))


def test_no_external_urls_in_pages(martin):
    for path in ("/pesee", "/historique", "/progres"):
        page = martin.get(path).get_data(as_text=True)
        assert "http://" not in page and "https://" not in page and "//cdn" not in page
