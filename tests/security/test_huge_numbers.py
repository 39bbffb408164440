"""Numbers too long or too large for Python, and bodies too big or too deep: a 4xx with a clear
message (French on pages), never a 500, at every entry point that reads a number.

Found: a weight of 5,000 digits in the API (Python 3.11 refuses to convert an int of more than
4,300 digits: ValueError), 1.1 million digits in the weigh-in form (decimal.Overflow) and a
100,000-deep JSON array (RecursionError) each gave a 500.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from ingest.decode import decode
from tests.conftest import _csrf_from, sign_in
from tracker import services
from tracker.app import MAX_BODY_BYTES
from tracker.models import Household, WeighIn
from tracker.services.ingest import Refusal
from tracker.web.common.jsonbody import MAX_DEPTH

DIGITS_5000 = "9" * 5000
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def api(app, world, now_in_edition):
    client = app.test_client()
    token = client.post("/api/v1/token", json={"email": "martin@example.org",
                                               "password": "motdepasse-123"}).get_json()["token"]
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    with app.extensions["zw_db"].session() as s:
        weighin = services.record_weighin(
            s, s.get(Household, world["martin"]), stream="residual", weight_g=1200,
            source="api", measured_at=dt.datetime(2026, 4, 2, 8, tzinfo=dt.timezone.utc))
        client.weighin_id = weighin.id
    return client


def _raw(client, method, path, body: str):
    return client.open(path, method=method, data=body.encode(),
                       headers={"Content-Type": "application/json"})


def _weighins(app) -> int:
    with app.extensions["zw_db"].session() as s:
        return s.scalar(select(func.count(WeighIn.id)))


@pytest.mark.parametrize("body, reason", [
    ('{"stream": "residual", "weight_kg": %s}' % DIGITS_5000, "64"),
    ('{"stream": "residual", "weight_kg": 1e400}', "trop grand"),
    ('{"stream": "residual", "weight_kg": NaN}', "NaN"),
    ('{"stream": "residual", "weight_kg": -Infinity}', "Infinity"),
    (DEEP, str(MAX_DEPTH)),
    ('{"stream": "residual", "weight_kg": 1.2, "x": %s}' % ("[" * 40 + "]" * 40), "32"),
], ids=["5000-digits", "1e400", "NaN", "-Infinity", "100000-deep", "40-deep"])
def test_the_api_refuses_unreadable_bodies_with_a_400(app, api, body, reason):
    before = _weighins(app)
    for method, path in (("POST", "/api/v1/weighins"),
                         ("PATCH", f"/api/v1/weighins/{api.weighin_id}"),
                         ("PUT", f"/api/v1/weighins/{api.weighin_id}"),
                         ("POST", "/api/v1/token")):
        response = _raw(api, method, path, body)
        assert response.status_code == 400 and response.is_json, (method, path)
        text = str(response.get_json())
        assert reason in text, (method, path, text)
    assert _weighins(app) == before


@pytest.mark.parametrize("weight", [DIGITS_5000, "9" * 1000 + ",5", "0," + "0" * 5000 + "1",
                                    "1e400", "1" * 30], ids=lambda w: f"{len(w)}-chars")
def test_the_api_answers_422_to_a_weight_that_is_no_weight(api, weight):
    response = api.post("/api/v1/weighins", json={"stream": "residual", "weight_kg": weight})
    assert response.status_code == 422
    assert "weight_kg" in response.get_json()["errors"]["json"]
    long_int = _raw(api, "POST", "/api/v1/weighins",
                    '{"stream": "residual", "weight_kg": %s}' % ("9" * 60))
    assert long_int.status_code == 422  # a long but readable number: the schema's answer


def test_the_api_refuses_a_body_over_the_limit_with_a_413(api):
    body = '{"stream": "residual", "weight_kg": 1.2, "note": "%s"}' % ("x" * MAX_BODY_BYTES)
    response = _raw(api, "POST", "/api/v1/weighins", body)
    assert response.status_code == 413 and response.is_json
    assert "1024 Kio" in response.get_json()["message"]


def _weigh_form(client, weight):
    token = _csrf_from(client.get("/pesee").get_data(as_text=True))
    return client.post("/pesee", data={"stream": "residual", "weight_kg": weight,
                                       "csrf_token": token})


@pytest.mark.parametrize("weight", [DIGITS_5000, "9" * 500_000, "1e400", "9" * 21,
                                    "1" + "0" * 4400 + ",5"], ids=lambda w: f"{len(w)}-chars")
def test_the_weigh_in_form_explains_a_weight_that_is_no_weight(app, world, now_in_edition,
                                                                 weight):
    client = app.test_client()
    sign_in(client, "martin@example.org")
    response = _weigh_form(client, weight)
    assert response.status_code == 422
    assert "Le poids doit être un nombre de kilos" in response.get_data(as_text=True)


def test_a_form_over_the_size_limit_gets_a_french_page(app, world, now_in_edition):
    client = app.test_client()
    sign_in(client, "martin@example.org")
    before = _weighins(app)
    response = _weigh_form(client, "9" * 1_100_000)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "trop volumineux" in page and "1024" in page and "<html" in page
    assert _weighins(app) == before


def test_the_correction_form_too(app, api):
    client = app.test_client()
    sign_in(client, "martin@example.org")
    path = f"/pesees/{api.weighin_id}/corriger"
    token = _csrf_from(client.get(path).get_data(as_text=True))
    response = client.post(path, data={"stream": "residual", "weight_kg": DIGITS_5000,
                                       "csrf_token": token})
    assert response.status_code == 422


def test_csv_imports_refuse_huge_numbers_with_the_line(app, runner, world, tmp_path):
    weighins = tmp_path / "pesees.csv"
    weighins.write_text("household,date,stream,weight_kg\n"
                        f"Martin,2026-04-01,residual,{DIGITS_5000}\n"
                        "Martin,2026-04-02,residual,1e400\n")
    result = runner.invoke(args=["weighins", "import", str(weighins), "--challenge", "defi-2026"])
    _refused(result, lines=(2, 3))
    weighins.write_text(f"household,date,stream,weight_kg\nMartin,2026-04-01,residual,"
                        f"{'1' * 200_000}\n")  # over the csv module's field limit
    _refused(runner.invoke(args=["weighins", "import", str(weighins), "--challenge",
                                 "defi-2026"]), lines=(2,))
    households = tmp_path / "foyers.csv"
    households.write_text(f"household,persons,email,commune\nPetit,{DIGITS_5000},,Orsay\n"
                          "Grand,1e400,,Orsay\n")
    result = runner.invoke(args=["households", "import", str(households), "--challenge",
                                 "defi-2026"])
    _refused(result, lines=(2, 3))
    assert _weighins(app) == 0


def _refused(result, lines):
    """`zw` refused the file with a message naming each bad line: no crash."""
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    for line in lines:
        assert re.search(rf"\b(line|ligne) {line}\b", result.output), (line, result.output)


@pytest.mark.parametrize("field, value", [
    ("weight_g", DIGITS_5000), ("seq", DIGITS_5000), ("weight_g", "1e400"), ("seq", "1e400"),
    ("weight_g", "-" + DIGITS_5000), ("battery_pct", DIGITS_5000), ("battery_pct", "1e400"),
    ("weight_g", "NaN"), ("seq", "Infinity"), ("seq", "1e300"), ("weight_g", "9" * 4000)],
    ids=lambda v: v if len(v) < 12 else f"{len(v)}-chars")
def test_a_scale_reading_with_a_huge_number_is_dead_lettered(field, value):
    reading = {"seq": "1", "ts": '"2026-04-02T08:00:00+02:00"', "weight_g": "1200", field: value}
    payload = ("{" + ", ".join(f'"{k}": {v}' for k, v in reading.items()) + "}").encode()
    result = decode("zw/scales/zws-0001/weighin", payload)
    assert isinstance(result, Refusal) and result.reason
    deep = decode("zw/scales/zws-0001/weighin", b'{"seq": 1, "x": ' + b"[" * 8000 + b"]" * 8000
                  + b"}")
    assert isinstance(deep, Refusal)
