"""News and tips (staff post, families read and search), weekly reminders to silent households."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.conftest import sign_in
from tests.life.helpers import post, text
from tracker import clock, services
from tracker.models import Edition, Household
from tracker.models import HouseholdSettings, Post
from tracker.demo import DEMO_TIPS
from tracker.services import news

UTC = dt.timezone.utc


def test_staff_post_news_and_tips_families_read_and_search(app, client, world, now_in_edition):
    sign_in(client, "staff@example.org")
    assert post(client, "/equipe/actualites/nouvelle",
                {"kind": "news", "title": "Lancement du mois 2", "body": "Bravo à tous !",
                 "edition_id": str(world["edition"])}).status_code == 302
    for title, body, tags in (("Composter en appartement", "Le lombricomposteur...",
                               "compost, cuisine"),
                              ("Acheter en vrac", "Des bocaux et des sacs en tissu.",
                               "courses"),
                              ("Réparer plutôt que jeter", "Les repair cafés.", "Réemploi")):
        post(client, "/equipe/actualites/nouvelle",
             {"kind": "tip", "title": title, "body": body, "tags": tags})
    with app.extensions["zw_db"].session() as s:
        other = services.create_edition(s, slug="autre", name="Autre",
                                         start=dt.date(2026, 3, 1))
        news.save_post(s, None, None, kind="news", title="Réservé à l'autre édition",
                       edition_id=other.id)
    assert post(client, "/equipe/actualites/nouvelle", {"kind": "tip", "title": ""}
                ).status_code == 422
    assert "Lancement du mois 2" in text(client.get("/equipe/actualites"))

    family = app.test_client()
    sign_in(family, "martin@example.org")
    home = text(family.get("/pesee"))
    assert "Lancement du mois 2" in home and "Réservé à l'autre édition" not in home
    listing = text(family.get("/actualites"))
    assert "Lancement du mois 2" in listing and "Réservé à l'autre édition" not in listing
    assert "Composter en appartement" in text(family.get("/astuces"))
    found = text(family.get("/astuces?q=reparer"))  # accents and case ignored
    assert "Réparer plutôt que jeter" in found and "Acheter en vrac" not in found
    by_tag = text(family.get("/astuces?tag=compost"))
    assert "Composter en appartement" in by_tag and "Acheter en vrac" not in by_tag
    assert "Acheter en vrac" in text(family.get("/astuces?q=BOCAUX"))


def test_news_pages_access_rules(client, world):
    for path in ("/actualites", "/astuces", "/equipe/actualites", "/equipe/actualites/nouvelle"):
        assert "/connexion" in client.get(path).headers["Location"], path
    sign_in(client, "martin@example.org")
    assert client.get("/equipe/actualites").status_code == 403
    assert client.get("/equipe/actualites/nouvelle").status_code == 403


def _weigh(app, household_id, when):
    with app.extensions["zw_db"].session() as s:
        services.record_weighin(s, s.get(Household, household_id), stream="residual",
                                weight_g=1000, source="web", measured_at=when, now=when)


def test_weekly_reminder_to_silent_households(app, runner, world, outbox, monkeypatch):
    # Martin weighed on 1 April, Durand on 10 April; staff switched Durand's reminders... later
    _weigh(app, world["martin"], dt.datetime(2026, 4, 1, 8, tzinfo=UTC))
    _weigh(app, world["durand"], dt.datetime(2026, 4, 10, 8, tzinfo=UTC))

    def run(day):
        monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 4, day, 7, tzinfo=UTC))
        result = runner.invoke(args=["reminders", "send"])
        assert result.exit_code == 0, result.output
        return result.output

    assert "0 silent" in run(14)             # 13 days for Martin: not yet
    assert "1 silent" in run(15)             # 14 days: Martin
    message = outbox.last("martin@example.org")
    assert "14" in message["Subject"] and "/pesee" in outbox.body(message)
    assert "0 silent" in run(20)             # once a week only
    assert "2 silent" in run(24)             # Martin again, Durand now silent too
    assert len(outbox.to("martin@example.org")) == 2

    # staff switch Durand's reminders off; a weigh-in ends Martin's silence
    sign_in(app_client := app.test_client(), "staff@example.org")
    fiche = f"/equipe/defis/defi-2026/foyers/{world['durand']}/fiche"
    post(app_client, fiche.replace("/fiche", "/rappels"), token_from=fiche)
    _weigh(app, world["martin"], dt.datetime(2026, 4, 25, 8, tzinfo=UTC))
    assert "0 silent" in run(30)
    with app.extensions["zw_db"].session() as s:
        assert not s.get(HouseholdSettings, world["durand"]).reminders_enabled


def test_no_reminder_outside_a_running_edition(app, runner, world, outbox, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 12, 1, 7, tzinfo=UTC))
    assert "0 silent" in runner.invoke(args=["reminders", "send"]).output
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 3, 10, 7, tzinfo=UTC))
    assert "0 silent" in runner.invoke(args=["reminders", "send", "--dry-run"]).output
    assert outbox.messages() == []


def test_life_demo_content(app, runner, world, now_in_edition):
    result = runner.invoke(args=["life", "seed-demo", "--challenge", "defi-2026"])
    assert result.exit_code == 0, result.output
    assert "3 workshops" in result.output
    with app.extensions["zw_db"].session() as s:
        assert len(news.search_tips(s, world["edition"])) == len(DEMO_TIPS) == 5
        edition = s.get(Edition, world["edition"])
        assert edition_settings_open(s, edition)


def edition_settings_open(s, edition):
    from tracker.services.preferences import edition_settings

    settings = edition_settings(s, edition)
    return settings.enrolment_open and settings.teams_enabled


def test_a_family_switches_its_own_reminders(app, client, world, outbox, monkeypatch, runner):
    _weigh(app, world["martin"], dt.datetime(2026, 4, 1, 8, tzinfo=UTC))
    sign_in(client, "martin@example.org")
    page = text(client.get("/foyer/membres"))
    assert 'name="reminders_enabled" type="checkbox" value="y" checked' in page
    response = post(client, "/foyer/membres/rappels", token_from="/foyer/membres",
                    follow_redirects=True)
    assert "Les rappels par courriel sont désactivés." in text(response)
    assert 'value="y" checked' not in text(client.get("/foyer/membres"))
    with app.extensions["zw_db"].session() as s:
        assert not s.get(HouseholdSettings, world["martin"]).reminders_enabled
        assert s.get(HouseholdSettings, world["durand"]) is None  # only its own household
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 4, 20, 7, tzinfo=UTC))
    assert "0 silent" in runner.invoke(args=["reminders", "send"]).output  # 19 days: silent
    post(client, "/foyer/membres/rappels", {"reminders_enabled": "y"}, token_from="/foyer/membres")
    assert "1 silent" in runner.invoke(args=["reminders", "send"]).output
    assert outbox.to("martin@example.org")
