"""An offline weigh-in sent later reads "Saisie hors connexion, envoyée le …", not "API"."""
from __future__ import annotations

import datetime as dt
import html
import uuid

from tests.conftest import sign_in
from tracker import services
from tracker.models import Household

UTC = dt.timezone.utc


def history(client) -> str:
    return html.unescape(client.get("/historique").get_data(as_text=True))


def test_each_source_in_the_familys_words(client, world, session, now_in_edition):
    martin = session.get(Household, world["martin"])
    weighed = dt.datetime(2026, 4, 12, 7, 30, tzinfo=UTC)
    late = services.record_weighin(session, martin, stream="residual", weight_g=1100,
                                   measured_at=weighed, source="api")
    late.client_uuid, late.created_at = str(uuid.uuid4()), dt.datetime(2026, 4, 13, 16, 5,
                                                                        tzinfo=UTC)
    soon = services.record_weighin(session, martin, stream="glass", weight_g=900,
                                   measured_at=weighed, source="api")
    soon.client_uuid, soon.created_at = str(uuid.uuid4()), weighed + dt.timedelta(seconds=20)
    script = services.record_weighin(session, martin, stream="packaging", weight_g=800,
                                     measured_at=weighed, source="api")
    script.created_at = weighed + dt.timedelta(days=1)
    session.commit()
    sign_in(client, "martin@example.org")
    page = history(client)
    # 16:05 UTC is 18:05 in Paris (summer time)
    assert "Source : Saisie hors connexion, envoyée le 13/04/2026 à 18:05" in page
    assert "Source : Saisie hors connexion, envoyée au retour du réseau" in page
    assert page.count("Source : Application (API)") == 1  # the one without an entry number


def test_the_staff_page_says_it_too(client, world, session, now_in_edition):
    martin = session.get(Household, world["martin"])
    late = services.record_weighin(session, martin, stream="residual", weight_g=1100,
                                   measured_at=dt.datetime(2026, 4, 12, 7, 30, tzinfo=UTC),
                                   source="api")
    late.client_uuid, late.created_at = str(uuid.uuid4()), dt.datetime(2026, 4, 13, 16, 5,
                                                                        tzinfo=UTC)
    session.commit()
    sign_in(client, "staff@example.org")
    page = html.unescape(client.get(f"/equipe/defis/defi-2026/foyers/{world['martin']}")
                         .get_data(as_text=True))
    assert "Saisie hors connexion, envoyée le 13/04/2026 à 18:05" in page
