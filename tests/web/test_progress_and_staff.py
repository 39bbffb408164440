"""The family progress view (the dashboards method, with and without data) and the staff index."""
from __future__ import annotations

import datetime as dt

from tests.conftest import sign_in
from tests.web.helpers import text

UTC = dt.timezone.utc


def test_progress_without_data_says_so_never_zero(martin):
    response = martin.get("/progres")
    assert response.status_code == 200
    page = text(response)
    assert "Pas encore de données" in page
    assert " 0 g" not in page and "0 %" not in page


def test_progress_this_month_against_the_reference(martin, world, add_weighin):
    # March (month 1, reference): 3 kg of residual waste, 3 persons over 31 days, weighed in
    # each of its 4 weeks (a reliable month).
    for day in (3, 10, 17, 24):
        add_weighin(world["martin"], "residual", 750, dt.datetime(2026, 3, day, 8, tzinfo=UTC))
    # April so far (15 days, 3 weeks started, each weighed): 1 kg of residual waste; compost
    # is diverted, a flagged one ignored.
    for day, grams in ((5, 400), (9, 300), (15, 300)):
        add_weighin(world["martin"], "residual", grams,
                    dt.datetime(2026, 4, day, 8, tzinfo=UTC))
    add_weighin(world["martin"], "biowaste", 2000, dt.datetime(2026, 4, 6, 8, tzinfo=UTC))
    add_weighin(world["martin"], "residual", 9000, dt.datetime(2026, 4, 7, 8, tzinfo=UTC),
                status="flagged")
    page = text(martin.get("/progres")).replace("\u00a0", " ")
    assert "Mois 2 sur 8." in page
    # 7 × 3000 / 93 = 225.8 g; 7 × 1000 / 45 = 155.6 g: −31.1 %, target 20 × 1/7 = 2.9 %.
    assert "226 g" in page and "156 g" in page and "−31 %" in page
    assert ("Vos déchets : −31 % par rapport au mois de référence ; l'objectif final (−20 %) "
            "est déjà atteint.") in page
    assert "Dans les clous, bravo !" in page
    assert "Biodéchets 2 kg" in page
    # glass has no weigh-in: no data, not zero
    assert "pas encore de données" in page


def test_progress_with_only_this_month(martin, world, add_weighin):
    add_weighin(world["martin"], "glass", 1000, dt.datetime(2026, 4, 5, 8, tzinfo=UTC))
    page = text(martin.get("/progres")).replace("\u00a0", " ")
    assert "la réduction ne peut pas être calculée" in page
    assert "pas encore de données" in page


def test_progress_during_the_reference_month(client, world, add_weighin, monkeypatch):
    from tracker import clock

    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 3, 20, 12, tzinfo=UTC))
    add_weighin(world["martin"], "residual", 1400, dt.datetime(2026, 3, 10, 8, tzinfo=UTC))
    sign_in(client, "martin@example.org")
    page = text(client.get("/progres"))
    assert "C'est le mois de référence" in page
    assert "Mois 1 sur 8." in page


def test_progress_in_english(martin, world, add_weighin):
    page = text(martin.get("/progres?lang=en"))
    assert "No data yet" in page


def test_staff_index_lists_editions_and_households(client, world, add_weighin):
    add_weighin(world["martin"], "residual", 1000, dt.datetime(2026, 4, 5, 8, tzinfo=UTC))
    add_weighin(world["martin"], "glass", 1000, dt.datetime(2026, 4, 9, 20, tzinfo=UTC))
    sign_in(client, "staff@example.org")
    response = client.get("/equipe/")
    assert response.status_code == 200
    page = text(response)
    assert "Défi 2026" in page and "Martin" in page and "Durand" in page
    assert "À partir du 01/03/2026, 8 mois, objectif −20 %" in page
    martin_row = page[page.index("Martin"):page.index("</tr>", page.index("Martin"))]
    assert "<td>3</td>" in martin_row and "<td>2</td>" in martin_row
    assert "09/04/2026" in martin_row
    durand_row = page[page.index("Durand"):page.index("</tr>", page.index("Durand"))]
    assert "<td>0</td>" in durand_row and "—" in durand_row


def test_staff_index_is_for_staff_only(martin):
    assert martin.get("/equipe/").status_code == 403
