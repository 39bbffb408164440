"""Input the database cannot store, in paths, query strings, forms and JSON: never a crash.

Found by the API fuzzing: a 2**63 id or ?page= overflowed SQLite's and PostgreSQL's integers,
and a NUL character in a note is refused by PostgreSQL. Now checked on every page the access
matrix renders and every form it finds there.
"""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from tests.conftest import _csrf_from
from tests.security.helpers import forms_of
from tests.security.matrix import run

HUGE = str(2**63 + 5)
#: Over Python's 4,300-digit limit on converting an int (a ValueError, not an OverflowError).
TOO_LONG = "9" * 5000


@pytest.mark.parametrize("huge", [HUGE, TOO_LONG], ids=["2**63", "5000-digits"])
@pytest.mark.parametrize("role", ["martin", "staff"])
def test_huge_numbers_in_query_strings_and_forms(app, matrix, role, huge):
    query = "&".join(f"{name}={huge}" for name in ("page", "mois", "edition", "defi", "id"))
    outcome = run(app, matrix, role, safe_only=True)
    client, problems, posted = outcome.client, [], set()
    token = _csrf_from(client.get("/connexion").get_data(as_text=True))
    for path, html in outcome.pages:
        response = client.get(f"{path}?{query}")  # TESTING: an exception fails the test here
        if response.status_code >= 500:
            problems.append(f"GET {path}?{query[:60]}...: {response.status_code}")
        for form in forms_of(html):
            target = urlsplit(urljoin(path, form.action or path)).path
            if form.method != "post" or target in posted or target == "/deconnexion":
                continue
            posted.add(target)
            data = MultiDict([(n, token if n == "csrf_token" else huge) for n, _ in form.fields])
            response = client.post(target, data=data)
            if response.status_code >= 500:
                problems.append(f"POST {target} with {huge[:20]}... in every field: "
                                f"{response.status_code}")
    assert posted, "no form was tried"
    assert not problems, "\n".join(problems)


def test_huge_ids_in_paths_are_not_found(app, matrix):
    from tests.conftest import sign_in

    client = app.test_client()
    sign_in(client, "martin@example.org")
    assert client.get(f"/pesees/{HUGE}/corriger").status_code == 404
    assert client.get(f"/pesees/{2**31}/corriger").status_code == 404
    api = app.test_client()
    headers = {"Authorization": f"Bearer {matrix.tokens['martin']}"}
    assert api.get(f"/api/v1/weighins/{HUGE}", headers=headers).status_code == 404
    paged = api.get(f"/api/v1/weighins?page={HUGE}", headers=headers)
    assert paged.status_code == 400 and paged.is_json


@pytest.mark.parametrize("field", ["note", "stream", "weight_kg"])
def test_a_nul_character_is_refused_not_a_crash(app, matrix, field):
    body = {"stream": "residual", "weight_kg": "1,2", "note": "ok"}
    body[field] = body[field][:1] + "\x00" + body[field][1:]
    api = app.test_client()
    headers = {"Authorization": f"Bearer {matrix.tokens['martin']}"}
    response = api.post("/api/v1/weighins", json=body, headers=headers)
    assert response.status_code in (201, 400, 422) and response.is_json
    from tests.conftest import sign_in

    page = app.test_client()
    sign_in(page, "martin@example.org")
    token = _csrf_from(page.get("/pesee").get_data(as_text=True))
    assert page.post("/pesee", data={**body, "csrf_token": token}).status_code in (302, 400, 422)
