"""The family progress page: the dashboards method for the signed-in household only."""
from __future__ import annotations

import datetime as dt

from tests.conftest import PASSWORD, sign_in
from tests.staff.conftest import page_text, without_charts
from tracker import services
from tracker.models import Household


def test_the_sentence_and_the_bins(family, cohort):
    text = without_charts(page_text(family.get("/progres")))
    # −20 % in month 2: past the month's step (−3 %), the final goal is met already
    assert ("Vos déchets : −20 % par rapport au mois de référence ; l'objectif final (−20 %) "
            "est déjà atteint.") in text
    assert "Mois 2 sur 8." in text and "Dans les clous, bravo !" in text
    bins = text[text.index('class="progress"'):]
    bins = bins[:bins.index("</table>")]
    residual = bins[bins.index("Ordures ménagères"):]
    assert "700 g" in residual[:residual.index("</tr>")]
    assert "560 g" in residual[:residual.index("</tr>")]
    assert "−20 %" in residual[:residual.index("</tr>")]
    glass = bins[bins.index("Verre"):]
    assert "pas encore de données" in glass[:glass.index("</tr>")]  # never zero
    # only complete months are projected over a year: March, 700 × 52.18 = 37 kg (April's
    # 560 g so far is not); its grey bin (all residual) beside ADEME's national figure
    assert ("Au rythme du mois 1 (le dernier mois complet) : 37 kg de déchets comptés par "
            "personne et par an. Votre poubelle grise : 37 kg par personne et par an, pour une "
            "moyenne nationale de 254 kg par habitant (ADEME, campagne nationale de "
            "caractérisation MODECOM 2017).") in text
    assert "29 kg" not in text and "Si la tendance" not in text  # 1 complete month: no forecast
    assert "Pesées de ce mois en attente de vérification par l'équipe (pas encore comptées) : 1" \
        in text


def test_only_the_household_s_own_figures(family, cohort):
    html = family.get("/progres").get_data(as_text=True)
    for other in ("Durand", "Petit", "Bernard"):
        assert other not in html


def test_no_data_yet_is_not_zero(app, cohort):
    with app.extensions["zw_db"].session() as s:
        household = services.create_household(s, s.get(Household, cohort["martin"]).edition,
                                               name="Nouveau", persons=2)
        services.create_account(s, email="nouveau@example.org", password=PASSWORD,
                                household=household)
        s.commit()
    client = app.test_client()
    assert sign_in(client, "nouveau@example.org").status_code == 302
    text = without_charts(page_text(client.get("/progres")))
    assert "Pas encore de données : enregistrez vos premières pesées" in text
    assert ("Pas de pesée pendant le mois de référence : la réduction ne peut pas être calculée."
            in text)
    bins = text[text.index('class="progress"'):]
    bins = bins[:bins.index("</table>")]
    assert " 0 g" not in bins and "0 %" not in bins
    assert bins.count("pas encore de données") == 8  # 4 rows (3 bins + total) × 2 columns
    assert 'id="family-chart"' not in text


def test_before_the_start(client, world, monkeypatch):
    from tracker import clock

    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 2, 10, tzinfo=dt.timezone.utc))
    sign_in(client, "martin@example.org")
    assert "Le défi n'a pas encore commencé." in page_text(client.get("/progres"))
