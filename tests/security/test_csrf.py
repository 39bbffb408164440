"""CSRF: every form that posts carries a token, and a post without it is refused and changes
nothing. The forms are found in every page the access matrix renders, for every role."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from tests.conftest import _csrf_from, sign_in
from tests.security.helpers import changed_tables, forms_of, snapshot
from tests.security.matrix import ROLES, run
from tests.web.helpers import count_weighins


@pytest.mark.parametrize("role", ROLES)
def test_every_post_form_has_a_token_and_needs_it(app, matrix, role):
    outcome = run(app, matrix, role, safe_only=True)
    client, seen, problems = outcome.client, set(), []
    for path, html in outcome.pages:
        for form in forms_of(html):
            if form.method != "post":
                continue
            action = urlsplit(urljoin(path, form.action or path))
            target = action.path + (f"?{action.query}" if action.query else "")
            key = (action.path, tuple(sorted(n for n, _ in form.fields)))
            if key in seen:
                continue
            seen.add(key)
            if not form.has_csrf_token:
                problems.append(f"{role}: form of {path} posting to {target} has no csrf_token")
            before = snapshot(app)
            response = client.post(target, data=MultiDict(form.data_without_csrf()))
            if response.status_code != 400:
                problems.append(f"{role}: {target} (form of {path}) without the token: "
                                f"{response.status_code}, expected 400")
            changed = changed_tables(before, snapshot(app))
            if changed:
                problems.append(f"{role}: {target} without the token changed {changed}")
    assert seen or role == "anonymous", "no form found: did the matrix render the pages?"
    assert any(target == "/connexion" for target, _ in seen)
    assert not problems, "\n".join(problems)
    if role != "anonymous":  # the sign-out form without its token did not sign out
        assert client.get("/api/v1/me").status_code == 200


def test_api_with_the_session_cookie_needs_the_csrf_header(app, client, world, now_in_edition):
    assert sign_in(client, "martin@example.org").status_code == 302
    body = {"stream": "residual", "weight_kg": "1,5"}
    refused = client.post("/api/v1/weighins", json=body)
    assert refused.status_code == 400 and refused.is_json
    assert count_weighins(app) == 0
    token = _csrf_from(client.get("/pesee").get_data(as_text=True))
    assert client.post("/api/v1/weighins", json=body,
                       headers={"X-CSRFToken": token}).status_code == 201
    assert count_weighins(app) == 1


def test_a_token_of_another_session_is_refused(app, world, now_in_edition):
    martin, durand = app.test_client(), app.test_client()
    sign_in(martin, "martin@example.org")
    sign_in(durand, "durand@example.org")
    stolen = _csrf_from(durand.get("/pesee").get_data(as_text=True))
    response = martin.post("/pesee", data={"csrf_token": stolen, "stream": "residual",
                                           "weight_kg": "1"})
    assert response.status_code == 400
    assert count_weighins(app) == 0
