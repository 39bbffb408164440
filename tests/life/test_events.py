"""Workshops: publish, sign up, waiting list promoted on cancel, reminder the day before, iCal."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.conftest import sign_in
from tests.life.helpers import post, text
from tracker import clock, services
from tracker.models import Edition, Household
from tracker.models import Event, EventRegistration
from tracker.services import events as event_service, ical

UTC = dt.timezone.utc
EVENT = {"title": "Atelier compost", "starts_at": "2026-04-20T18:30", "ends_at": "2026-04-20T20:00",
         "place": "Maison des associations, Orsay", "meeting_url": "", "capacity": "1",
         "description": "Apprendre à composter; en appartement, aussi."}


def _third_household(app, world):
    with app.extensions["zw_db"].session() as s:
        edition = s.get(Edition, world["edition"])
        household = services.create_household(s, edition, name="Bernard", persons=1)
        services.create_account(s, email="bernard@example.org", password="motdepasse-123",
                                household=household)
        return household.id


def _status(app, household_id):
    with app.extensions["zw_db"].session() as s:
        return s.scalar(select(EventRegistration.status).where(
            EventRegistration.household_id == household_id))


def test_sign_up_waiting_list_and_promotion_on_cancel(app, client, world, outbox,
                                                      now_in_edition):
    bernard = _third_household(app, world)
    sign_in(client, "staff@example.org")
    response = post(client, f"/equipe/ateliers/nouveau?edition={world['edition']}", EVENT)
    assert response.status_code == 302, text(response)
    with app.extensions["zw_db"].session() as s:
        event = s.scalar(select(Event))
        assert event.starts_at == dt.datetime(2026, 4, 20, 16, 30, tzinfo=UTC)  # Paris, summer
        event_id = event.id

    families = {}
    for name, email in (("martin", "martin@example.org"), ("durand", "durand@example.org"),
                        ("bernard", "bernard@example.org")):
        families[name] = app.test_client()
        sign_in(families[name], email)
        page = families[name].get("/ateliers")
        assert "Atelier compost" in text(page)
        post(families[name], f"/ateliers/{event_id}/inscription", token_from="/ateliers")
    assert _status(app, world["martin"]) == "confirmed"
    assert _status(app, world["durand"]) == "waiting"
    assert _status(app, bernard) == "waiting"
    # signing up twice changes nothing
    post(families["martin"], f"/ateliers/{event_id}/inscription", token_from="/ateliers")
    with app.extensions["zw_db"].session() as s:
        assert len(s.scalars(select(EventRegistration)).all()) == 3

    # Martin cancels: Durand (first on the list) is promoted and told by email
    post(families["martin"], f"/ateliers/{event_id}/annulation", token_from="/ateliers")
    assert _status(app, world["martin"]) is None
    assert _status(app, world["durand"]) == "confirmed"
    assert _status(app, bernard) == "waiting"
    promoted = outbox.last("durand@example.org")
    assert "Atelier compost" in promoted["Subject"]
    assert outbox.to("bernard@example.org") == []

    # staff add a place: Bernard is promoted too
    post(client, f"/equipe/ateliers/{event_id}", {**EVENT, "capacity": "2"})
    assert _status(app, bernard) == "confirmed"
    assert outbox.to("bernard@example.org")
    staff_page = text(client.get(f"/equipe/ateliers/{event_id}"))
    assert "Durand" in staff_page and "Bernard" in staff_page


def test_reminder_the_day_before_once(app, runner, world, outbox, monkeypatch):
    with app.extensions["zw_db"].session() as s:
        edition = s.get(Edition, world["edition"])
        event = event_service.create_event(
            s, edition, None, title="Réunion en ligne", meeting_url="https://visio.example.org/x",
            starts_at=dt.datetime(2026, 4, 20, 16, 30, tzinfo=UTC),
            ends_at=dt.datetime(2026, 4, 20, 18, 0, tzinfo=UTC))
        event_service.register(s, event, s.get(Household, world["martin"]),
                               now=dt.datetime(2026, 4, 1, tzinfo=UTC))
    # two days before: nothing
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 4, 18, 7, 0, tzinfo=UTC))
    assert "0 event" in runner.invoke(args=["reminders", "send"]).output
    assert outbox.to("martin@example.org") == []
    # the day before at 9:00 Paris: one reminder with the meeting link
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 4, 19, 7, 0, tzinfo=UTC))
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0 and "1 event" in result.output, result.output
    reminder = outbox.last("martin@example.org")
    assert "Réunion en ligne" in reminder["Subject"]
    assert "https://visio.example.org/x" in outbox.body(reminder)
    # run again: not twice
    runner.invoke(args=["reminders", "send"])
    assert len(outbox.to("martin@example.org")) == 1


def test_ical_feeds(app, client, world, now_in_edition):
    with app.extensions["zw_db"].session() as s:
        edition = s.get(Edition, world["edition"])
        event = event_service.create_event(
            s, edition, None, title="Atelier, couture; zéro déchet " + "x" * 80,
            description="Ligne 1\nLigne 2", meeting_url="https://visio.example.org/secret",
            starts_at=dt.datetime(2026, 4, 20, 16, 30, tzinfo=UTC),
            ends_at=dt.datetime(2026, 4, 20, 18, 0, tzinfo=UTC), capacity=1)
        event_service.create_event(s, edition, None, title="Autre atelier",
                                   starts_at=dt.datetime(2026, 5, 2, 8, tzinfo=UTC),
                                   ends_at=dt.datetime(2026, 5, 2, 10, tzinfo=UTC))
        event_service.register(s, event, s.get(Household, world["martin"]))
    public = client.get("/calendrier/edition/defi-2026.ics")
    assert public.status_code == 200 and public.mimetype == "text/calendar"
    body = public.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and body.endswith(
        "END:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == 2 and "DTSTART:20260420T163000Z" in body
    assert "secret" not in body  # no meeting links in the public feed
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    unfolded = body.replace("\r\n ", "")
    assert "SUMMARY:Atelier\\, couture\\; zéro déchet" in unfolded
    assert "DESCRIPTION:Ligne 1\\nLigne 2" in unfolded

    sign_in(client, "martin@example.org")
    page = text(client.get("/ateliers"))
    feed = page.split("/calendrier/")[1].split('"')[0]
    assert not feed.startswith("edition/")
    anonymous = app.test_client()
    mine = anonymous.get("/calendrier/" + feed).get_data(as_text=True)
    assert mine.count("BEGIN:VEVENT") == 1 and "visio.example.org/secret" in mine.replace(
        "\r\n ", "")
    assert anonymous.get("/calendrier/not-a-token.ics").status_code == 404
    post(client, "/ateliers/calendrier/renouveler", token_from="/ateliers")
    assert anonymous.get("/calendrier/" + feed).status_code == 404


def test_fold_never_cuts_a_character():
    line = "SUMMARY:" + "é" * 100
    folded = ical.fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_event_access_rules(app, client, world, now_in_edition):
    with app.extensions["zw_db"].session() as s:
        other = services.create_edition(s, slug="autre", name="Autre",
                                         start=dt.date(2026, 3, 1))
        foreign = event_service.create_event(
            s, other, None, title="Ailleurs", starts_at=dt.datetime(2026, 5, 1, tzinfo=UTC),
            ends_at=dt.datetime(2026, 5, 1, 2, tzinfo=UTC))
        foreign_id = foreign.id
    for path in ("/ateliers", "/equipe/ateliers", "/equipe/ateliers/nouveau"):
        assert "/connexion" in client.get(path).headers["Location"]
    sign_in(client, "martin@example.org")
    assert client.get("/equipe/ateliers").status_code == 403
    assert client.get(f"/equipe/ateliers/{foreign_id}").status_code == 403
    # another edition's event is not the family's to join
    assert post(client, f"/ateliers/{foreign_id}/inscription",
                token_from="/ateliers").status_code == 404
    assert client.post(f"/ateliers/{foreign_id}/inscription").status_code == 400  # no CSRF


def test_event_form_errors(staff, world, now_in_edition):
    path = f"/equipe/ateliers/nouveau?edition={world['edition']}"
    assert post(staff, path, {**EVENT, "title": ""}).status_code == 422
    assert post(staff, path, {**EVENT, "ends_at": "2026-04-20T17:00"}).status_code == 422
    assert post(staff, path, {**EVENT, "capacity": "0"}).status_code == 422
    assert post(staff, path, {**EVENT, "meeting_url": "javascript:alert(1)"}).status_code == 422
