"""Staff import households from a CSV upload and change a household's size, in the browser."""
from __future__ import annotations

import datetime as dt
import io
import re

from sqlalchemy import func, select

from tests.staff.conftest import csrf, page_text
from tracker.models import Household, HouseholdSize
from tracker.models import AuditEntry

IMPORT = "/equipe/defis/defi-2026/foyers/importer"
CONFIRM = IMPORT + "/confirmer"


def upload(client, data: bytes, name="foyers.csv"):
    return client.post(IMPORT, data={"csrf_token": csrf(client, IMPORT),
                                     "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def households(session) -> list[str]:
    session.expire_all()
    return sorted(session.scalars(select(Household.name)))


def audit_actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_bad_file_imports_nothing_and_lists_every_bad_line(staff, session):
    data = ("foyer;personnes;courriel;commune\n"
            "Leroy;4;leroy@example.org;Orsay\n"
            "Moreau;quatre;;Gif\n"
            "Leroy;2;;Orsay\n"
            "Martin;5;;Orsay\n").encode("cp1252")
    response = upload(staff, data)
    assert response.status_code == 422
    text = page_text(response)
    assert "Le fichier contient des erreurs : rien n'a été importé" in text
    lines = dict(re.findall(r'<th scope="row">(\d+)</th><td>([^<]+)</td>', text))
    assert set(lines) == {"3", "4", "5"}
    assert "nombre entier" in lines["3"]
    assert "ligne 2" in lines["4"]
    assert "3 personnes" in lines["5"] and "sur sa page" in lines["5"]
    assert "Importer" not in re.sub(r"<h1>.*?</h1>", "", text).split("Lignes à corriger")[1]
    assert households(session) == ["Durand", "Martin"]


def test_check_then_confirm_imports_once_and_is_audited(staff, session):
    data = "household,persons,email,commune\nLeroy,4,Leroy@Example.org,Orsay\nMartin,3,,\n"
    response = upload(staff, data.encode())
    assert response.status_code == 200
    text = page_text(response)
    assert "1 foyer(s) à ajouter, 1 déjà présent(s)." in text
    assert households(session) == ["Durand", "Martin"]  # a check saves nothing
    content = re.search(r'<textarea name="content"[^>]*>\n?(.*?)</textarea>', text, re.S).group(1)
    response = staff.post(CONFIRM, data={"csrf_token": csrf(staff), "content": content},
                          content_type="multipart/form-data")
    assert response.status_code == 302
    assert households(session) == ["Durand", "Leroy", "Martin"]
    leroy = session.scalar(select(Household).where(Household.name == "Leroy"))
    assert leroy.emails == "leroy@example.org" and leroy.sizes[0].persons == 4
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "households.import"))
    assert entry.details == {"added": 1} and entry.actor == "staff@example.org"
    again = staff.post(CONFIRM, data={"csrf_token": csrf(staff), "content": content},
                       content_type="multipart/form-data")
    assert again.status_code == 302
    assert households(session) == ["Durand", "Leroy", "Martin"]
    assert audit_actions(session).count("households.import") == 1  # nothing added: no entry
    assert "0 foyer(s) importé(s), 2 déjà présent(s)." in page_text(staff.get("/equipe/"))


def test_a_confirmation_changed_since_the_check_is_checked_again(staff, session):
    response = staff.post(CONFIRM, data={"csrf_token": csrf(staff),
                                         "content": "household,persons\nLeroy,99\n"},
                          content_type="multipart/form-data")
    assert response.status_code == 422
    assert "1 à 30 personnes" in page_text(response)
    assert households(session) == ["Durand", "Martin"]


def test_unreadable_files_are_refused_in_french(staff, session):
    assert "Choisissez un fichier CSV" in page_text(upload(staff, b""))
    response = upload(staff, b"nom;ville\nLeroy;Orsay\n")
    assert response.status_code == 422
    assert "colonne(s) manquante(s)" in page_text(response)
    assert "rien n'a été" not in page_text(response)
    assert households(session) == ["Durand", "Martin"]


def test_a_file_over_the_limit_is_refused(staff, app):
    big = b"household,persons\n" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = upload(staff, big)
    assert response.status_code == 413
    assert "trop volumineux" in page_text(response)


def test_families_cannot_import(family):
    assert family.get(IMPORT).status_code == 403


def size_url(world):
    return f"/equipe/defis/defi-2026/foyers/{world['martin']}/taille"


def test_size_change_from_a_date_is_saved_and_audited(staff, world, session):
    url = size_url(world)
    response = staff.post(url, data={"csrf_token": csrf(staff, url), "persons": "4",
                                     "valid_from": "2026-04-10"})
    assert response.status_code == 302
    sizes = session.scalars(select(HouseholdSize).where(
        HouseholdSize.household_id == world["martin"]).order_by(HouseholdSize.valid_from)).all()
    assert [(s.valid_from, s.persons) for s in sizes] == [(dt.date(2026, 3, 1), 3),
                                                          (dt.date(2026, 4, 10), 4)]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "household.size"))
    assert entry.household_id == world["martin"]
    assert entry.details == {"persons": 4, "valid_from": "2026-04-10"}
    log = page_text(staff.get("/equipe/journal"))
    assert "4 personne(s) à partir du 10/04/2026" in log


def test_size_change_errors_are_french_and_save_nothing(staff, world, session):
    url = size_url(world)
    for data, message in [({"persons": "", "valid_from": ""}, "Indiquez le nombre de personnes"),
                          ({"persons": "0", "valid_from": "2026-04-10"}, "1 à 30 personnes"),
                          ({"persons": "deux", "valid_from": "2026-04-10"}, "nombre entier"),
                          ({"persons": "2", "valid_from": "2030-01-01"}, "comprise dans l'édition")]:
        response = staff.post(url, data={"csrf_token": csrf(staff, url), **data})
        assert response.status_code == 422, data
        assert message in page_text(response), (data, page_text(response)[-3000:])
    assert session.scalar(select(func.count(HouseholdSize.id)).where(
        HouseholdSize.household_id == world["martin"])) == 1
    assert session.scalar(select(func.count(AuditEntry.id))) == 0
