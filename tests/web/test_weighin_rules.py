"""One flagging rule for every path (issue 15): ZW_FLAG_WEIGHT_G is honoured by the form, the
API, the CSV import and a correction, not only by the ingest; a corrected weight is judged
against the household's other weigh-ins, never against its own old value."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, sign_in
from tests.web.helpers import csrf
from tracker import services
from tracker.models import Household, WeighIn
from tracker.services.weighins import MEDIAN_FACTOR, MEDIAN_MIN_SAMPLES

UTC = dt.timezone.utc


@pytest.fixture
def app(config):
    from tracker.app import create_app

    app = create_app(dataclasses.replace(config, flag_weight_g=5_000),  # ZW_FLAG_WEIGHT_G=5000
                     TESTING=True)
    yield app
    app.extensions["zw_db"].dispose()


def _statuses(app):
    with app.extensions["zw_db"].session() as s:
        return [(w.source, w.weight_g, w.status, w.flag_reason)
                for w in s.scalars(select(WeighIn).order_by(WeighIn.id))]


def test_the_form_the_api_and_the_csv_follow_zw_flag_weight_g(app, client, runner, world,
                                                               now_in_edition, tmp_path):
    sign_in(client, "martin@example.org")
    assert client.post("/pesee", data={
        "csrf_token": csrf(client), "stream": "residual", "weight_kg": "6",
        "measured_at": "2026-04-15T12:00", "measured_at_shown": "2026-04-15T12:00"}
    ).status_code == 302
    token = client.post("/api/v1/token", json={"email": "durand@example.org",
                                               "password": PASSWORD}).get_json()["token"]
    assert client.post("/api/v1/weighins", headers={"Authorization": f"Bearer {token}"},
                       json={"stream": "glass", "weight_kg": "7"}).status_code == 201
    path = tmp_path / "pesees.csv"
    path.write_text("household,date,stream,weight_kg\nMartin,2026-04-02,packaging,8\n"
                    "Martin,2026-04-03,packaging,4.5\n")
    result = runner.invoke(args=["weighins", "import", str(path), "--challenge", "defi-2026"])
    assert result.exit_code == 0, result.output
    rows = _statuses(app)
    assert [(source, grams, status) for source, grams, status, _reason in rows] == [
        ("web", 6000, "flagged"), ("api", 7000, "flagged"), ("import", 8000, "flagged"),
        ("import", 4500, "accepted")]


def test_a_correction_follows_zw_flag_weight_g(app, world, now_in_edition):
    with app.extensions["zw_db"].session() as s:
        martin = s.get(Household, world["martin"])
        weighin = services.record_weighin(s, martin, stream="residual", weight_g=1000,
                                          measured_at=now_in_edition, source="web")
        services.correct_weighin(s, martin, weighin.id, weight_g=5_500)
        assert weighin.status == "flagged"


def test_a_corrected_weight_is_not_judged_against_its_own_old_value(app, world,
                                                                    now_in_edition):
    """Other weigh-ins of the bin: 3 kg, 3 kg, 0.3 kg x 3 (median 0.3 kg). A 3 kg weigh-in
    corrected to 3.5 kg is over 10 x that median: doubtful. Counting its own old 3 kg, the
    median would be 1.65 kg and the correction would pass unseen."""
    with app.extensions["zw_db"].session() as s:
        martin = s.get(Household, world["martin"])

        def add(day: int, grams: int) -> WeighIn:
            return services.record_weighin(
                s, martin, stream="residual", weight_g=grams, source="web",
                measured_at=dt.datetime(2026, 4, day, 8, tzinfo=UTC))

        corrected = add(1, 3_000)
        others = [add(2, 3_000), add(3, 3_000)] + [add(day, 300) for day in (4, 5, 6)]
        assert len(others) == MEDIAN_MIN_SAMPLES
        assert [w.status for w in [corrected, *others]] == ["accepted"] * 6
        services.correct_weighin(s, martin, corrected.id, weight_g=3_500)
        assert 3_500 > MEDIAN_FACTOR * 300 and 3_500 < 5_000
        assert corrected.status == "flagged", "its own old value vouched for the new one"
        assert corrected.flag_reason
