"""Every staff page needs a staff account: anonymous → sign-in, family → 403, staff → 200."""
from __future__ import annotations

import pytest

from tests.conftest import sign_in
from tests.staff.conftest import SLUG, csrf

PAGES = ["/equipe/", f"/equipe/defis/{SLUG}/", f"/equipe/defis/{SLUG}/foyers/{{martin}}",
         f"/equipe/defis/{SLUG}/foyers/{{durand}}", f"/equipe/defis/{SLUG}/progression.csv",
         f"/equipe/defis/{SLUG}/progression.xlsx", f"/equipe/defis/{SLUG}/progression-excel.csv",
         f"/equipe/defis/{SLUG}/pesees-excel.csv",
         "/equipe/qualite/", "/equipe/balances/", "/equipe/balances/appairer",
         "/equipe/comparaison/", "/equipe/journal"]
POSTS = ["/equipe/qualite/pesees/{flagged}", "/equipe/balances/sc-1/revoquer",
         "/equipe/balances/appairer"]


def paths(cohort, templates):
    return [t.format(**cohort) for t in templates]


def test_anonymous_visitors_are_sent_to_sign_in(client, cohort):
    token = csrf(client, "/connexion")  # a valid form, only the account is missing
    for path in paths(cohort, PAGES) + paths(cohort, POSTS):
        if path in paths(cohort, POSTS):
            response = client.post(path, data={"csrf_token": token, "decision": "accepted"})
        else:
            response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/connexion?next="), path


def test_a_family_gets_403_on_every_staff_page(client, cohort):
    sign_in(client, "martin@example.org")
    for path in paths(cohort, PAGES):
        assert client.get(path).status_code == 403, path
    token = csrf(client, "/pesee")
    for path in paths(cohort, POSTS):
        assert client.post(path, data={"csrf_token": token, "decision": "accepted"}
                           ).status_code == 403, path


def test_staff_open_every_page(staff, cohort):
    for path in paths(cohort, PAGES):
        assert staff.get(path).status_code == 200, path


def test_a_family_cannot_open_its_own_or_another_household_staff_page(client, cohort):
    sign_in(client, "durand@example.org")
    for name in ("martin", "durand"):
        assert client.get(f"/equipe/defis/{SLUG}/foyers/{cohort[name]}").status_code == 403


def test_a_household_of_another_edition_is_not_found(staff, cohort, app):
    from tracker import services

    with app.extensions["zw_db"].session() as s:
        import datetime as dt

        services.create_edition(s, slug="defi-2025", name="Défi 2025",
                                start=dt.date(2025, 3, 1))
        s.commit()
    assert staff.get(f"/equipe/defis/defi-2025/foyers/{cohort['martin']}").status_code == 404
    assert staff.get("/equipe/defis/inconnu/").status_code == 404
    assert staff.get(f"/equipe/defis/{SLUG}/foyers/99999").status_code == 404


@pytest.mark.parametrize("path", ["/equipe/qualite/pesees/{flagged}"])
def test_posts_without_csrf_are_refused(staff, cohort, path):
    assert staff.post(path.format(**cohort), data={"decision": "accepted"}).status_code == 400
