"""The weigh-in form reads "1 250 g" as grams and asks about "1 250" (issue 18)."""
from __future__ import annotations

import html

from sqlalchemy import select

from tests.conftest import _csrf_from, sign_in
from tracker.models import WeighIn


def weigh(client, weight):
    token = _csrf_from(client.get("/pesee").get_data(as_text=True))
    return client.post("/pesee", data={"csrf_token": token, "stream": "residual",
                                       "weight_kg": weight})


def test_grams_typed_with_a_thousands_space_are_saved(client, world, session, now_in_edition):
    sign_in(client, "martin@example.org")
    assert weigh(client, "1\u202f250 g").status_code == 302
    assert session.scalar(select(WeighIn.weight_g)) == 1250


def test_a_thousands_space_without_unit_is_asked_about_in_french(client, world, session,
                                                                 now_in_edition):
    sign_in(client, "martin@example.org")
    response = weigh(client, "1 250")
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True)).replace("\u202f", " ")
    assert "Le poids est en kilos : 1 250 kg, c'est plus que 50 kg. Pour 1 250 grammes, " \
           "écrivez 1,25 (en kilos) ou 1 250 g." in page
    assert session.scalar(select(WeighIn.id)) is None
