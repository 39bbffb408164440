"""REST API: the household's absences (GET, POST, DELETE), the same rules as the phone form."""
from __future__ import annotations

from tests.conftest import sign_in
from tests.web.test_api import api, assert_422, token_for  # noqa: F401 (fixture)


def test_declare_list_and_withdraw_an_absence(client, api):  # noqa: F811
    response = client.post("/api/v1/absences", headers=api,
                           json={"date_from": "20/04/2026", "date_to": "2026-04-24"})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (created["date_from"], created["date_to"], created["days"]) == (
        "2026-04-20", "2026-04-24", 5)
    listed = client.get("/api/v1/absences", headers=api).get_json()
    assert [a["id"] for a in listed] == [created["id"]]
    # the family sees it on its phone page too, and it covers the week on /progres
    assert sign_in(client, "martin@example.org").status_code == 302
    assert "20 avril" in client.get("/absences").get_data(as_text=True).replace("\u00a0", " ")
    assert client.delete(f"/api/v1/absences/{created['id']}", headers=api).status_code == 204
    assert client.get("/api/v1/absences", headers=api).get_json() == []
    assert client.delete(f"/api/v1/absences/{created['id']}", headers=api).status_code == 404


def test_bad_dates_get_the_form_s_french_messages(client, api):  # noqa: F811
    assert_422(client.post("/api/v1/absences", headers=api,
                           json={"date_from": "2026-04-24", "date_to": "2026-04-20"}),
               "date_to", "avant le premier jour")
    assert_422(client.post("/api/v1/absences", headers=api,
                           json={"date_from": "2027-01-01", "date_to": "2027-01-02"}),
               "date_from", "comprises dans le défi")
    response = client.post("/api/v1/absences", headers=api, json={"date_from": "2026-04-20"})
    assert response.status_code == 422 and "date_to" in response.get_json()["errors"]["json"]
    assert client.get("/api/v1/absences", headers=api).get_json() == []


def test_another_household_s_absence_is_not_found_and_staff_have_none(client, api):  # noqa: F811
    durand = {"Authorization": f"Bearer {token_for(client, 'durand@example.org')}"}
    theirs = client.post("/api/v1/absences", headers=durand,
                         json={"date_from": "2026-04-20", "date_to": "2026-04-21"}).get_json()
    assert client.delete(f"/api/v1/absences/{theirs['id']}", headers=api).status_code == 404
    assert client.get("/api/v1/absences", headers=api).get_json() == []
    staff = {"Authorization": f"Bearer {token_for(client, 'staff@example.org')}"}
    assert client.get("/api/v1/absences", headers=staff).status_code == 403


def test_openapi_lists_the_absences(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert set(spec["paths"]["/api/v1/absences"]) >= {"get", "post"}
    assert "delete" in spec["paths"]["/api/v1/absences/{absence_id}"]
    assert "AbsenceInput" in spec["components"]["schemas"]
