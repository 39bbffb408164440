"""End-of-challenge reports: a household's journey and kg avoided; the cohort report, published."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import sign_in
from tests.life.helpers import post, text, visible
from tracker import clock, services
from tracker.models import Edition, Household
from tracker.services import reports

PARIS = dt.timezone(dt.timedelta(hours=1))
#: name -> (March grams, April grams); Martin has 3 persons, Durand 2 (the world's sizes).
GRAMS = {"martin": (31000, 24000), "durand": (31000, 18000)}


@pytest.fixture
def finished_month(app, world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 5, 2, 10, tzinfo=dt.timezone.utc))
    with app.extensions["zw_db"].session() as s:
        for name, (march, april) in GRAMS.items():
            household = s.get(Household, world[name])
            for month, grams in ((3, march), (4, april)):
                # one bin in each week of the month: reliable months (DESIGN.md coverage)
                for day, stream in ((3, "residual"), (10, "packaging"), (17, "residual"),
                                    (24, "glass")):
                    services.record_weighin(s, household, stream=stream, weight_g=grams // 4,
                                            source="web", check_median=False,
                                            measured_at=dt.datetime(2026, month, day, 9,
                                                                    tzinfo=PARIS))
    return world


def test_household_report_month_by_month_and_kg_avoided(app, client, finished_month):
    with app.extensions["zw_db"].session() as s:
        report = reports.household_report(s, s.get(Household, finished_month["martin"]))
    # (31000 g over 93 person-days as the reference) vs 24000 g over 90 person-days in April
    assert round(report.avoided_kg, 3) == 6.0
    assert [m["month"] for m in report.months] == [1, 2, 3]
    assert round(report.last_reduction_pct, 1) == 20.0 and report.months_on_track == 1
    assert report.months[2]["g_per_person_week"] is None  # May has no data: empty, not zero
    sign_in(client, "martin@example.org")
    page = client.get("/foyer/bilan")
    assert page.status_code == 200
    shown = visible(page)
    assert "6,0 kg" in shown and "Martin" in shown and "Durand" not in shown
    assert "/static-vendor/plotly.min.js" in text(page) and "cdn" not in text(page).lower()
    assert "data-print" in text(page) and "/static/js/page.js" in text(page)


def test_cohort_report_and_publication(app, client, finished_month):
    with app.extensions["zw_db"].session() as s:
        report = reports.cohort_report(s, s.get(Edition, finished_month["edition"]))
    assert report.month == 2 and report.month_complete
    assert round(report.reduction_pct, 1) == 30.0      # 1 - (5600 + 4200) / (7000 + 7000)
    assert report.households_at_target == 2 and report.households == 2
    assert round(report.avoided_kg, 1) == 18.0           # 6 + 12
    assert [(b["stream"], round(b["reduction_pct"], 1)) for b in report.bins] == [
        ("residual", 30.0), ("packaging", 30.0), ("glass", 30.0)]
    assert [(p["month"], p["reporting"], p["households"]) for p in report.participation] == [
        (1, 2, 2), (2, 2, 2), (3, 0, 2)]

    anonymous = app.test_client()
    assert anonymous.get("/resultats/defi-2026").status_code == 404  # not published yet
    sign_in(client, "staff@example.org")
    page = client.get("/equipe/defis/defi-2026/bilan")
    assert page.status_code == 200 and "−30,0 %" in visible(page)
    post(client, "/equipe/defis/defi-2026/bilan/publier",
         token_from="/equipe/defis/defi-2026/bilan")
    public = anonymous.get("/resultats/defi-2026")
    assert public.status_code == 200
    shown = visible(public)
    assert "−30,0 %" in shown and "18 kg" in shown
    assert "Martin" not in shown and "Durand" not in shown and "csrf_token" not in text(public)
    household = f"/equipe/defis/defi-2026/foyers/{finished_month['durand']}"
    assert client.get(household + "/bilan").status_code == 200


def test_report_access_rules(app, client, world, now_in_edition):
    assert "/connexion" in client.get("/foyer/bilan").headers["Location"]
    assert "/connexion" in client.get("/equipe/defis/defi-2026/bilan").headers["Location"]
    sign_in(client, "martin@example.org")
    assert client.get("/equipe/defis/defi-2026/bilan").status_code == 403
    assert client.get(f"/equipe/defis/defi-2026/foyers/{world['durand']}/bilan").status_code == 403
    assert client.get("/foyer/bilan").status_code == 200  # no data yet: still a page


def test_published_figures_stay_as_published_until_staff_republish(app, client, finished_month):
    """An erasure after publication changes the live report, not the published one."""
    anonymous = app.test_client()
    sign_in(client, "staff@example.org")
    bilan = "/equipe/defis/defi-2026/bilan"
    post(client, bilan + "/publier", token_from=bilan)
    published = visible(anonymous.get("/resultats/defi-2026"))
    assert "−30,0 %" in published and "18 kg" in published
    path = f"/equipe/defis/defi-2026/foyers/{finished_month['durand']}"
    assert post(client, path + "/effacer", {"confirm_name": "Durand"},
                token_from=path + "/fiche").status_code == 302

    assert "−20,0 %" in visible(client.get(bilan))               # live: Martin alone
    public = anonymous.get("/resultats/defi-2026")
    assert public.status_code == 200 and visible(public) == published  # frozen
    assert "cohort-chart" in text(public)

    post(client, bilan + "/publier", token_from=bilan)
    republished = visible(anonymous.get("/resultats/defi-2026"))
    assert "−20,0 %" in republished and "−30,0 %" not in republished
    post(client, bilan + "/retirer", token_from=bilan)
    assert anonymous.get("/resultats/defi-2026").status_code == 404
    from sqlalchemy import select

    from tracker.models import AuditEntry

    with app.extensions["zw_db"].session() as s:
        actions = s.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("report.%")).order_by(AuditEntry.id)).all()
    assert actions == ["report.publish", "report.republish", "report.withdraw"]


def test_a_report_published_before_snapshots_is_frozen_at_its_first_view(app, finished_month):
    from tracker.services.preferences import edition_settings

    with app.extensions["zw_db"].session() as s:
        settings = edition_settings(s, s.get(Edition, finished_month["edition"]))
        settings.report_published_at = clock.now()
    anonymous = app.test_client()
    first = visible(anonymous.get("/resultats/defi-2026"))
    assert "−30,0 %" in first
    with app.extensions["zw_db"].session() as s:
        settings = edition_settings(s, s.get(Edition, finished_month["edition"]))
        assert settings.report_figures["reduction_pct"] == pytest.approx(30.0)
        household = s.get(Household, finished_month["durand"])
        services.record_weighin(s, household, stream="residual", weight_g=30000,
                                source="web", check_median=False,
                                measured_at=dt.datetime(2026, 4, 20, 9, tzinfo=PARIS))
    assert visible(anonymous.get("/resultats/defi-2026")) == first
