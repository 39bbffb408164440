"""The ingest's plausibility limit: a scale's readings past ZW_INGEST_MAX_READINGS_PER_HOUR in
one hour (of their time) are stored flagged with the reason, never dropped; across batches,
storing processes and restarts (issue 14: 5,000 readings in one second were all accepted)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.conftest import sign_in
from tests.ingest.helpers import IngestProcess, canonical_lines, publish_lines, wait_for
from tracker.models import DeviceRate, WeighIn
from tracker.services.device_rate import rate_reason
from tracker.services.ingest import ScaleReading, record_scale_readings

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
AT = dt.datetime(2026, 5, 4, 6, 0, tzinfo=UTC)


def readings(device: str, seqs, at: dt.datetime = AT) -> list[ScaleReading]:
    return [ScaleReading(device_id=device, seq=seq, measured_at=at + dt.timedelta(seconds=seq),
                         weight_g=800, topic=f"zw/scales/{device}/weighin", payload=b"{}")
            for seq in seqs]


def statuses(session, device: str) -> dict[str, int]:
    rows = session.execute(select(WeighIn.status, func.count()).where(WeighIn.device_id == device)
                           .group_by(WeighIn.status)).all()
    return dict(rows)


def test_readings_past_the_hourly_limit_are_flagged_across_batches(session, scales):
    for batch in (range(1, 8), range(8, 13), range(13, 16)):  # 15 readings, 3 batches
        result = record_scale_readings(session, readings("sc-martin", batch), now=NOW,
                                       max_per_hour=10)
        session.commit()
    assert result.stored == 3 and result.flagged == 3
    assert statuses(session, "sc-martin") == {"accepted": 10, "flagged": 5}
    reasons = session.scalars(select(WeighIn.flag_reason).where(WeighIn.status == "flagged"))
    assert set(reasons) == {rate_reason(10)} == {
        "more than 10 readings from this scale in one hour"}
    codes = session.execute(select(WeighIn.flag_code, WeighIn.flag_params)
                            .where(WeighIn.status == "flagged")).all()
    assert [(code, params) for code, params in codes] == [("rate", {"limit": 10})] * 5
    # The next hour, another scale, a redelivery: each counted on its own.
    record_scale_readings(session, readings("sc-martin", range(16, 19), AT + dt.timedelta(hours=1))
                          + readings("sc-durand", range(1, 4)) + readings("sc-martin", [1]),
                          now=NOW, max_per_hour=10)
    session.commit()
    assert statuses(session, "sc-martin") == {"accepted": 13, "flagged": 5}
    assert statuses(session, "sc-durand") == {"accepted": 3}
    assert session.get(DeviceRate, ("sc-martin", int(AT.timestamp()) // 3600)).readings == 15


def test_without_a_limit_nothing_is_flagged_for_the_rate(session, scales):
    record_scale_readings(session, readings("sc-martin", range(1, 51)), now=NOW, max_per_hour=0)
    session.commit()
    assert statuses(session, "sc-martin") == {"accepted": 50}


def test_the_quality_page_shows_the_scale_in_french(app, client, session, scales):
    record_scale_readings(session, readings("sc-martin", range(1, 15)), now=NOW, max_per_hour=10)
    session.commit()
    assert sign_in(client, "staff@example.org").status_code == 302
    page = client.get("/equipe/qualite/").get_data(as_text=True)
    assert "Balances qui envoient trop de pesées" in page
    section = page.split('id="busy-title"')[1].split("</section>")[0]
    assert "sc-martin" in section and "Martin" in section and "sc-durand" not in section
    assert "plus de 30 pesées de cette balance en une heure" not in page  # the limit was 10
    assert "plus de 10 pesées de cette balance en une heure" in page
    assert "more than" not in page


@pytest.mark.broker
def test_a_flood_from_one_scale_is_kept_flagged_across_restarts(mosquitto, database_url,
                                                                tmp_path, scales, counter,
                                                                session):
    for device_id, secret in scales.items():
        mosquitto.add_scale(device_id, secret)
    ingest = IngestProcess(mosquitto, database_url, tmp_path / "instance",
                           extra_env={"ZW_INGEST_MAX_READINGS_PER_HOUR": "20",
                                      "ZW_INGEST_BATCH_SIZE": "50"}).start()
    try:
        flood = publish_lines(mosquitto, "sc-martin", scales["sc-martin"],
                              canonical_lines(range(1, 501)))  # one hour, as fast as it goes
        assert flood.wait(60) == 0, flood.stderr.read()
        assert counter.wait_weighins(500, 60) == 500, ingest.log_tail()
        assert statuses(session, "sc-martin") == {"accepted": 20, "flagged": 480}
        assert ingest.stop() == 0
        ingest.start()
        more = publish_lines(mosquitto, "sc-martin", scales["sc-martin"],
                             canonical_lines(range(501, 511)))
        assert more.wait(60) == 0
        assert counter.wait_weighins(510, 60) == 510
        session.expire_all()
        assert statuses(session, "sc-martin") == {"accepted": 20, "flagged": 490}
        assert wait_for(lambda: (ingest.status() or {}).get("flagged") == 10, 10)
    finally:
        code = ingest.stop()
        print("--- ingest log ---\n" + ingest.log_tail(60))
    assert code == 0
