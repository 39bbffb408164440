"""Issue 15: one URL tree per edition for staff (`/equipe/defis/<slug>/...`), the families'
leaderboard under `/foyer`. The old addresses may be bookmarked: they answer 301 to the new
ones (query string kept), and only to whom the new page is for."""
from __future__ import annotations

import pytest

from tests.conftest import sign_in

TREE = "/equipe/defis/defi-2026"


def _moves(world):
    m, d = world["martin"], world["durand"]
    return {
        "/equipe/editions/": "/equipe/defis/",
        "/equipe/editions/nouvelle": "/equipe/defis/nouveau",
        "/equipe/editions/defi-2026": f"{TREE}/reglages",
        "/equipe/editions/defi-2026/foyers": f"{TREE}/foyers",
        "/equipe/editions/defi-2026/bilan": f"{TREE}/bilan",
        "/equipe/editions/defi-2026/equipes": f"{TREE}/equipes",
        f"/equipe/foyers/{m}": f"{TREE}/foyers/{m}/fiche",
        f"/equipe/foyers/{d}/bilan": f"{TREE}/foyers/{d}/bilan",
        f"/equipe/foyers/{m}/export.json": f"{TREE}/foyers/{m}/export.json",
        f"/equipe/foyers/{m}/export.zip": f"{TREE}/foyers/{m}/export.zip",
    }


def test_old_staff_addresses_move_permanently_to_the_edition_tree(client, world):
    sign_in(client, "staff@example.org")
    for old, new in _moves(world).items():
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"] == new, old
        assert client.get(new).status_code == 200, new  # the new address is the page


def test_the_query_string_is_kept(client, world):
    sign_in(client, "staff@example.org")
    response = client.get("/equipe/editions/defi-2026/foyers?tri=nom")
    assert (response.status_code, response.headers["Location"]) == (301, f"{TREE}/foyers?tri=nom")


def test_an_unknown_household_is_not_found_not_moved(client, world):
    sign_in(client, "staff@example.org")
    assert client.get("/equipe/foyers/987654").status_code == 404


def test_a_household_under_another_edition_is_not_found(client, world):
    sign_in(client, "staff@example.org")
    assert client.get(f"/equipe/defis/autre-defi/foyers/{world['martin']}/fiche").status_code == 404
    assert client.get(f"{TREE}/foyers/{world['martin']}/fiche").status_code == 200


@pytest.mark.parametrize("who, status", [(None, 302), ("martin@example.org", 403)])
def test_old_staff_addresses_move_nobody_else(client, world, who, status):
    """Anonymous visitors go to the sign-in page, families are refused: the move says nothing
    of which households exist."""
    if who:
        sign_in(client, who)
    for old in _moves(world):
        response = client.get(old)
        assert response.status_code == status, old
        if status == 302:
            assert response.headers["Location"].startswith("/connexion"), old


def test_the_families_leaderboard_moved_under_foyer(client, world):
    sign_in(client, "martin@example.org")
    response = client.get("/equipes")
    assert (response.status_code, response.headers["Location"]) == (301, "/foyer/equipes")
