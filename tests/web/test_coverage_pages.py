"""Absences and reliable months on the pages: families declare absences and see the weeks
they forgot; staff declare absences and accept a month with a reason (audited)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.conftest import sign_in
from tests.web.helpers import csrf, text
from tracker.models import Absence, AcceptedMonth
from tracker.models import AuditEntry

UTC = dt.timezone.utc


def _absences(app, household_id):
    with app.extensions["zw_db"].session() as s:
        return [(a.date_from, a.date_to, a.created_by) for a in s.scalars(
            select(Absence).where(Absence.household_id == household_id))]


def test_a_family_declares_lists_and_withdraws_its_absence(app, martin, world):
    page = text(martin.get("/absences"))
    assert "Aucune absence déclarée." in page and "Premier jour d'absence" in page
    sent = martin.post("/absences", data={"csrf_token": csrf(martin, "/absences"),
                                          "date_from": "2026-04-03", "date_to": "2026-04-09"})
    assert sent.status_code == 302
    assert _absences(app, world["martin"]) == [(dt.date(2026, 4, 3), dt.date(2026, 4, 9),
                                                "martin@example.org")]
    page = text(martin.get("/absences"))
    assert "Du 3 avril 2026 au 9 avril 2026" in page
    with app.extensions["zw_db"].session() as s:
        absence_id = s.scalar(select(Absence.id))
        # a family's own declaration is not a staff action: nothing in the audit log
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "absence.declare")) \
            is None
    gone = martin.post(f"/absences/{absence_id}/supprimer",
                       data={"csrf_token": csrf(martin, "/absences")})
    assert gone.status_code == 302 and _absences(app, world["martin"]) == []


def test_absence_form_refuses_bad_dates_in_french(app, martin, world):
    token = csrf(martin, "/absences")
    for data, message in (({"date_from": "2026-04-09", "date_to": "2026-04-03"},
                           "Le dernier jour est avant le premier jour."),
                          ({"date_from": "", "date_to": ""},
                           "Indiquez le premier et le dernier jour de l'absence."),
                          ({"date_from": "2026-02-01", "date_to": "2026-02-03"},
                           "Les dates doivent être comprises dans le défi")):
        response = martin.post("/absences", data={"csrf_token": token, **data})
        assert response.status_code == 422
        assert message in text(response)
    assert _absences(app, world["martin"]) == []


def test_another_households_absence_cannot_be_withdrawn(app, client, world, now_in_edition):
    from tracker.services import coverage
    from tracker.models import Household

    with app.extensions["zw_db"].session() as s:
        other = coverage.declare_absence(s, s.get(Household, world["durand"]),
                                         date_from=dt.date(2026, 4, 1),
                                         date_to=dt.date(2026, 4, 2)).id
    assert sign_in(client, "martin@example.org").status_code == 302
    response = client.post(f"/absences/{other}/supprimer",
                           data={"csrf_token": csrf(client, "/absences")})
    assert response.status_code == 404
    assert len(_absences(app, world["durand"])) == 1


def test_progress_names_the_forgotten_weeks_and_links_to_a_past_weigh_in(
        martin, world, add_weighin):
    # March weighed every week; April (15 days so far: weeks of the 1st, 8th and 15th
    # started) only on April 2: the weeks of April 8 and 15 are missing.
    for day in (2, 9, 16, 23):
        add_weighin(world["martin"], "residual", 2000, dt.datetime(2026, 3, day, 8, tzinfo=UTC))
    add_weighin(world["martin"], "residual", 1000, dt.datetime(2026, 4, 2, 8, tzinfo=UTC))
    page = text(martin.get("/progres")).replace("\u00a0", " ")
    assert "Il manque des pesées la semaine du 8 avril." in page
    assert "Pas encore de pesée cette semaine (depuis le 15 avril)." in page
    assert "semaine du 1 avril" not in page and "semaine du 1er avril" not in page
    assert "Pas assez de pesées pour juger ce mois-ci" in page
    assert "1 semaine(s) sur 3 avec des pesées (il en faut 3)" in page
    assert "Dans les clous" not in page and "Pas encore sur la trajectoire" not in page
    assert "/pesee?jour=2026-04-08" in page and "/pesee?jour=2026-04-15" in page
    form = martin.get("/pesee?jour=2026-04-08").get_data(as_text=True)
    assert 'value="2026-04-08T12:00"' in form and '<details class="when" open' in form
    future = martin.get("/pesee?jour=2026-04-20").get_data(as_text=True)
    assert "2026-04-20T12:00" not in future  # not in the future


def test_an_absence_covers_the_forgotten_week_on_the_progress_page(app, martin, world,
                                                                   add_weighin):
    for day in (2, 9, 16, 23):
        add_weighin(world["martin"], "residual", 2000, dt.datetime(2026, 3, day, 8, tzinfo=UTC))
    add_weighin(world["martin"], "residual", 1000, dt.datetime(2026, 4, 2, 8, tzinfo=UTC))
    add_weighin(world["martin"], "residual", 1000, dt.datetime(2026, 4, 15, 8, tzinfo=UTC))
    martin.post("/absences", data={"csrf_token": csrf(martin, "/absences"),
                                   "date_from": "2026-04-08", "date_to": "2026-04-12"})
    page = text(martin.get("/progres")).replace("\u00a0", " ")
    assert "Il manque des pesées" not in page
    assert "Pas assez de pesées" not in page
    assert "Dans les clous, bravo !" in page


def test_staff_accept_a_month_with_a_reason_and_declare_an_absence(app, client, world,
                                                                   add_weighin):
    add_weighin(world["martin"], "residual", 3000, dt.datetime(2026, 3, 10, 8, tzinfo=UTC))
    assert sign_in(client, "staff@example.org").status_code == 302
    url = f"/equipe/defis/defi-2026/foyers/{world['martin']}"
    page = text(client.get(url))
    assert "Semaines pesées et absences" in page and "non : pesées manquantes" in page
    token = csrf(client, url)
    refused = client.post(url + "/mois-acceptes", data={"csrf_token": token, "month": "1",
                                                        "reason": " "})
    assert refused.status_code == 302
    assert "Indiquez pourquoi le mois est accepté." in text(client.get(url))
    done = client.post(url + "/mois-acceptes", data={"csrf_token": token, "month": "1",
                                                     "reason": "Balance prêtée, pesées notées"})
    assert done.status_code == 302
    page = text(client.get(url))
    assert "oui, accepté par l'équipe" in page and "Balance prêtée, pesées notées" in page
    client.post(url + "/absences", data={"csrf_token": token, "date_from": "2026-03-20",
                                         "date_to": "2026-03-27"})
    with app.extensions["zw_db"].session() as s:
        accepted = s.scalars(select(AcceptedMonth)).one()
        assert (accepted.month, accepted.accepted_by) == (1, "staff@example.org")
        log = {e.action: (e.actor, e.household_id, e.details)
               for e in s.scalars(select(AuditEntry))}
    assert log["progress.accept"] == ("staff@example.org", world["martin"],
                                      {"month": 1, "reason": "Balance prêtée, pesées notées"})
    assert log["absence.declare"][2]["date_from"] == "2026-03-20"
    assert "Du 20 mars 2026 au 27 mars 2026" in text(client.get(url))


def test_families_cannot_use_the_staff_forms(app, martin, world):
    url = f"/equipe/defis/defi-2026/foyers/{world['martin']}/mois-acceptes"
    response = martin.post(url, data={"csrf_token": csrf(martin, "/absences"), "month": "1",
                                      "reason": "moi-même"})
    assert response.status_code == 403
    with app.extensions["zw_db"].session() as s:
        assert s.scalar(select(AcceptedMonth.id)) is None


def test_too_early_to_tell_shows_the_weigh_ins_but_no_percentage(martin, world, add_weighin,
                                                                 monkeypatch):
    from tracker import clock

    for day in (2, 9, 16, 23):
        add_weighin(world["martin"], "residual", 2000, dt.datetime(2026, 3, day, 8, tzinfo=UTC))
    add_weighin(world["martin"], "residual", 900, dt.datetime(2026, 4, 2, 8, tzinfo=UTC))
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 4, 3, 10, tzinfo=UTC))
    page = text(martin.get("/progres")).replace("\u00a0", " ").replace("\u202f", " ")
    summary = page[page.index('class="summary"'):page.index('class="table-wrap"')]
    assert "Trop tôt pour juger ce mois-ci (3 jours écoulés) : 1 pesée jusqu'ici." in summary
    # no figure of the month: the one percentage is the final goal, the one yearly pace is
    # March's (the last complete month: 8 kg / 93 person-days × 7 = 602 g → 31 kg a year),
    # never April's 3 days (900 g / 9 × 7 = 700 g → 37 kg)
    assert summary.count("%") == 1 and "L'objectif : −20 % de déchets" in summary
    assert "Au rythme du mois 1 (le dernier mois complet) : 31 kg" in summary
    assert "37 kg" not in summary
    assert "Dans les clous" not in page and "Pas encore sur la trajectoire" not in page
    # from the 7th day on, the figures come back
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 4, 7, 10, tzinfo=UTC))
    assert "Trop tôt" not in text(martin.get("/progres"))


def test_the_cohort_page_says_who_is_left_out(client, world, add_weighin):
    for day in (2, 9, 16, 23):
        add_weighin(world["martin"], "residual", 2000, dt.datetime(2026, 3, day, 8, tzinfo=UTC))
    add_weighin(world["martin"], "residual", 1000, dt.datetime(2026, 4, 2, 8, tzinfo=UTC))
    assert sign_in(client, "staff@example.org").status_code == 302
    page = text(client.get("/equipe/defis/defi-2026/"))
    assert "1 foyer(s) avec trop peu de semaines pesées" in page
    assert "pesées manquantes : pas de verdict" in page


def test_a_household_cannot_pile_up_absences_without_end(app, martin, world):
    """Each posted form stored a row, and every progress page reads every household's
    absences: a script could fill the table. A household has MAX_ABSENCES at most (withdraw
    some, or declare longer ones), by the phone, the staff page or `zw`."""
    from tracker.models import Household
    from tracker.services import coverage

    with app.extensions["zw_db"].session() as s:
        home = s.get(Household, world["martin"])
        day = dt.date(2026, 3, 2)
        for _ in range(coverage.MAX_ABSENCES):
            coverage.declare_absence(s, home, date_from=day, date_to=day)
        s.commit()
    response = martin.post("/absences", data={"csrf_token": csrf(martin, "/absences"),
                                              "date_from": "2026-04-03",
                                              "date_to": "2026-04-09"})
    assert response.status_code == 422
    assert "Trop d'absences" in text(response)
    assert len(_absences(app, world["martin"])) == coverage.MAX_ABSENCES
