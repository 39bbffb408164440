"""Staff enter or correct a family's weigh-in: source `staff`, the family form's rules, audited."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.staff.conftest import csrf, page_text
from tracker import services
from tracker.models import Household, WeighIn
from tracker.models import AuditEntry

SLUG = "defi-2026"


def add_url(world):
    return f"/equipe/defis/{SLUG}/foyers/{world['martin']}/pesees/nouvelle"


def test_staff_enter_a_weighin_with_source_staff_and_audited(staff, world, session,
                                                             now_in_edition):
    url = add_url(world)
    form = page_text(staff.get(url))
    assert 'name="weight_kg"' in form and "Saisir une pesée pour le foyer" in form
    response = staff.post(url, data={"csrf_token": csrf(staff, url), "stream": "glass",
                                     "weight_kg": "2,5", "measured_at": "2026-04-12T09:30",
                                     "measured_at_shown": "2026-04-15T12:00"})
    assert response.status_code == 302
    weighin = session.scalar(select(WeighIn))
    assert (weighin.source, weighin.stream, weighin.weight_g, weighin.status) == (
        "staff", "glass", 2500, "accepted")
    assert weighin.household_id == world["martin"]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "weighin.staff_add"))
    assert entry.household_id == world["martin"] and entry.details["weight_g"] == 2500
    page = page_text(staff.get(f"/equipe/defis/{SLUG}/foyers/{world['martin']}"))
    assert "Saisie par l'équipe" in page
    assert "Pesée de 2,5 kg (verre) saisie pour le foyer." in page_text(staff.get("/equipe/journal"))
    # the family sees who entered it
    from tests.conftest import sign_in
    staff.post("/deconnexion", data={"csrf_token": csrf(staff)})
    sign_in(staff, "martin@example.org")
    assert "Saisie par l'équipe" in page_text(staff.get("/historique"))


def test_staff_entries_are_checked_like_the_family_form(staff, world, session, now_in_edition):
    url = add_url(world)
    for data, message in [({"stream": "residual", "weight_kg": ""}, "Indiquez le poids"),
                          ({"stream": "residual", "weight_kg": "75"}, "50 kg"),
                          ({"stream": "residual", "weight_kg": "abc"}, "nombre de kilos"),
                          ({"weight_kg": "1"}, "Choisissez une poubelle"),
                          ({"stream": "residual", "weight_kg": "1",
                            "measured_at": "2027-01-01T10:00"}, "dans le futur")]:
        response = staff.post(url, data={"csrf_token": csrf(staff, url), **data})
        assert response.status_code == 422, data
        assert message in page_text(response), data
    assert session.scalar(select(func.count(WeighIn.id))) == 0
    assert session.scalar(select(func.count(AuditEntry.id))) == 0


def test_staff_correct_a_weighin_audited_with_before_and_after(staff, world, session,
                                                               now_in_edition):
    import datetime as dt
    weighin = services.record_weighin(session, session.get(Household, world["durand"]),
                                      stream="residual", weight_g=12500, source="scale",
                                      measured_at=dt.datetime(2026, 4, 10, 8,
                                                              tzinfo=dt.timezone.utc))
    session.commit()
    url = f"/equipe/defis/{SLUG}/pesees/{weighin.id}/corriger"
    assert 'value="12,5"' in staff.get(url).get_data(as_text=True)
    response = staff.post(url, data={"csrf_token": csrf(staff, url), "stream": "residual",
                                     "weight_kg": "1,25"})
    assert response.status_code == 302
    session.expire_all()
    fixed = session.get(WeighIn, weighin.id)
    assert (fixed.weight_g, fixed.source) == (1250, "scale")
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action ==
                                                    "weighin.staff_correct"))
    assert entry.details["before_g"] == 12500 and entry.details["weight_g"] == 1250
    assert "12,5 kg est devenue 1,25 kg" in page_text(staff.get("/equipe/journal"))


def test_a_weighin_of_another_edition_is_not_found(staff, world, session, now_in_edition):
    other = services.create_edition(session, slug="autre", name="Autre",
                                    start=session.get(Household, world["martin"]).edition
                                    .start_date)
    home = services.create_household(session, other, name="Ailleurs", persons=1)
    import datetime as dt
    weighin = services.record_weighin(session, home, stream="residual", weight_g=1000,
                                      source="web", measured_at=dt.datetime(
                                          2026, 4, 10, 8, tzinfo=dt.timezone.utc))
    session.commit()
    assert staff.get(f"/equipe/defis/{SLUG}/pesees/{weighin.id}/corriger").status_code == 404
    assert staff.get(f"/equipe/defis/{SLUG}/foyers/{home.id}/pesees/nouvelle").status_code \
        == 404


def test_families_cannot_enter_weighins_for_others(family, world):
    assert family.get(add_url(world)).status_code == 403
