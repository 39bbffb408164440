"""Editions from the staff pages: create, configure by phase, several side by side, past read-only."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.conftest import sign_in
from tests.life.helpers import post, text
from tracker.models import Edition
from tracker.models import AuditEntry, EditionSettings

NEW = {"slug": "defi-2027", "name": "Défi 2027", "start": "2027-01-01", "months": "8",
       "baseline_months": "1", "target_pct": "25", "counted_streams": ["residual", "packaging"],
       "description": "Troisième édition", "enrolment_open": "y"}


def test_create_an_edition_beside_the_running_one(app, staff, now_in_edition):
    assert staff.get("/equipe/defis/").status_code == 200
    response = post(staff, "/equipe/defis/nouveau", NEW)
    assert response.status_code == 302, text(response)
    with app.extensions["zw_db"].session() as s:
        edition = s.scalar(select(Edition).where(Edition.slug == "defi-2027"))
        assert (edition.months, edition.target_pct, edition.counted_streams) == (
            8, 25.0, ["residual", "packaging"])
        assert s.get(EditionSettings, edition.id).enrolment_open
        assert s.scalar(select(AuditEntry.action)) == "edition.create"
    listing = text(staff.get("/equipe/defis/"))
    assert "Défi 2026" in listing and "Défi 2027" in listing
    # it is open for sign-up, beside the running edition which is not
    assert "/inscription/defi-2027" in staff.get("/inscription").headers["Location"]


def test_create_refuses_bad_values(staff, now_in_edition):
    for bad in ({"slug": "Bad Slug"}, {"months": "30"}, {"baseline_months": "8"},
                {"target_pct": "0"}, {"counted_streams": []}, {"start": ""},
                {"slug": "defi-2026"}):
        response = post(staff, "/equipe/defis/nouveau", {**NEW, **bad})
        assert response.status_code == 422, bad
        assert 'aria-invalid="true"' in text(response) or "role=\"alert\"" in text(response)


def test_upcoming_edition_is_fully_editable(app, staff, now_in_edition):
    post(staff, "/equipe/defis/nouveau", NEW)
    response = post(staff, "/equipe/defis/defi-2027/reglages",
                    {**NEW, "months": "10", "target_pct": "30,5", "enrolment_open": ""})
    assert response.status_code == 302
    with app.extensions["zw_db"].session() as s:
        edition = s.scalar(select(Edition).where(Edition.slug == "defi-2027"))
        assert (edition.months, edition.target_pct) == (10, 30.5)
        assert not s.get(EditionSettings, edition.id).enrolment_open


def test_running_edition_keeps_its_method(app, staff, world, now_in_edition):
    path = "/equipe/defis/defi-2026/reglages"
    page = text(staff.get(path))
    assert 'name="months"' in page and "disabled" in page
    response = post(staff, path, {"name": "Défi 2026 (SIOM)", "enrolment_open": "y",
                                  "months": "12", "target_pct": "50"})
    assert response.status_code == 302
    with app.extensions["zw_db"].session() as s:
        edition = s.get(Edition, world["edition"])
        assert edition.name == "Défi 2026 (SIOM)"
        assert (edition.months, edition.target_pct) == (8, 20.0)  # ignored: not editable
        assert s.get(EditionSettings, edition.id).enrolment_open


def test_past_edition_is_read_only(app, client, world, monkeypatch):
    from tracker import clock

    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2027, 1, 5, tzinfo=dt.timezone.utc))
    sign_in(client, "staff@example.org")
    page = text(client.get("/equipe/defis/defi-2026/reglages"))
    assert "<fieldset class=\"stack\" disabled>" in page
    response = post(client, "/equipe/defis/defi-2026/reglages", {"name": "Autre nom"})
    assert response.status_code == 422
    with app.extensions["zw_db"].session() as s:
        assert s.get(Edition, world["edition"]).name == "Défi 2026"


def test_edition_pages_need_staff(client, world):
    for path in ("/equipe/defis/", "/equipe/defis/nouveau", "/equipe/defis/defi-2026/reglages"):
        assert "/connexion" in client.get(path).headers["Location"]
    sign_in(client, "martin@example.org")
    for path in ("/equipe/defis/", "/equipe/defis/nouveau", "/equipe/defis/defi-2026/reglages"):
        assert client.get(path).status_code == 403


def test_staff_set_the_reference_figure_families_compare_with(app, staff, world,
                                                              now_in_edition):
    path = "/equipe/defis/defi-2026/reglages"
    page = text(staff.get(path))
    assert 'name="reference_kg_year"' in page and 'value="254"' in page  # ADEME's default
    assert "MODECOM 2017" in page
    response = post(staff, path, {"name": "Défi 2026", "reference_kg_year": "abc"})
    assert response.status_code == 422 and "entre 0 et 2 000" in text(response)
    assert post(staff, path, {"name": "Défi 2026", "reference_kg_year": "180,5"}).status_code \
        == 302  # while the edition runs: a comparison, not the method
    with app.extensions["zw_db"].session() as s:
        assert s.get(Edition, world["edition"]).reference_kg_year == 180.5
    post(staff, path, {"name": "Défi 2026"})  # the field not sent: kept
    post(staff, path, {"name": "Défi 2026", "reference_kg_year": ""})  # emptied: no comparison
    with app.extensions["zw_db"].session() as s:
        assert s.get(Edition, world["edition"]).reference_kg_year is None
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "edition.update")).all()
        assert len(entries) == 2
