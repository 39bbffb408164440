"""schemathesis against the OpenAPI document, through the WSGI app: no server error, ever.

Every operation of /api/v1/openapi.json gets valid and invalid requests generated from its
schema (positive and negative modes), sent with a family's bearer token; the only check is
schemathesis's `not_a_server_error`. Rate limits are off here so that the fuzzer reaches the views.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.conftest import PASSWORD
from tracker import services
from tracker.models import Household

EXAMPLES = 25  # per operation and mode: 400 requests per back-end, ~20 s (generation dominates)


@pytest.fixture
def fuzz_app(config, world, now_in_edition):
    from tracker.app import create_app

    app = create_app(replace(config, ratelimit_enabled=False), TESTING=True)
    with app.extensions["zw_db"].session() as s:
        household = s.get(Household, world["martin"])
        for n in range(5):
            services.record_weighin(s, household, stream="residual", weight_g=900 + n,
                                    measured_at=dt.datetime(2026, 4, 1 + n, 8, 0,
                                                            tzinfo=dt.timezone.utc),
                                    source="api")
    yield app
    app.extensions["zw_db"].dispose()


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 7, [o.label for o in found]
    return found


def test_the_api_never_answers_a_server_error(fuzz_app):
    client = fuzz_app.test_client()
    token = client.post("/api/v1/token", json={"email": "martin@example.org",
                                               "password": PASSWORD}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    for operation in operations(fuzz_app):
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def fuzz(case):
                if case.operation.path != "/api/v1/token":
                    case.headers = {**(case.headers or {}), **auth}
                case.call_and_validate(checks=[not_a_server_error])

            try:
                fuzz()
            except Exception as exc:
                exc.add_note(f"operation {operation.label}, {mode.value} mode")
                raise
