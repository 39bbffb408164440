"""The batch service (tracker.services.ingest) on both databases: the web form's rules, in bulk."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import func, select

from ingest.decode import decode
from tests.ingest.corpus import bad_messages, canonical
from tracker.models import DeadLetter, Device, WeighIn
from tracker.services.ingest import (ScaleReading, list_dead_letters, record_dead_letters,
                                     record_device_status, record_scale_readings, Refusal)

NOW = dt.datetime(2026, 5, 10, 12, 0, tzinfo=dt.timezone.utc)


def reading(seq, weight=1200, device="sc-martin", ts=None, **kw):
    return ScaleReading(device_id=device, seq=seq, weight_g=weight,
                        measured_at=ts or dt.datetime(2026, 5, 4, 6, 0, tzinfo=dt.timezone.utc),
                        topic=f"zw/scales/{device}/weighin", payload=b"{}", **kw)


def test_readings_are_stored_once_with_source_device_and_seq(session, scales):
    batch = [reading(1), reading(2, battery_pct=80), reading(2), reading(3, device="sc-durand")]
    result = record_scale_readings(session, batch, now=NOW)
    assert (result.stored, result.duplicates, result.refused) == (3, 1, [])
    again = record_scale_readings(session, [reading(1), reading(3, device="sc-durand"),
                                            reading(4)], now=NOW)
    assert (again.stored, again.duplicates) == (1, 2)
    session.commit()
    rows = session.execute(select(WeighIn.device_id, WeighIn.seq, WeighIn.source,
                                  WeighIn.stream, WeighIn.status)
                           .order_by(WeighIn.device_id, WeighIn.seq)).all()
    assert rows == [("sc-durand", 3, "scale", "glass", "accepted"),
                    ("sc-martin", 1, "scale", "residual", "accepted"),
                    ("sc-martin", 2, "scale", "residual", "accepted"),
                    ("sc-martin", 4, "scale", "residual", "accepted")]
    device = session.get(Device, "sc-martin")
    assert device.battery_pct == 80 and device.last_seen == NOW


def test_doubtful_readings_are_flagged(session, scales):
    history = [reading(i, 1000) for i in range(1, 7)]
    record_scale_readings(session, history, now=NOW)
    result = record_scale_readings(session, [reading(10, 10_001), reading(11, 16_000),
                                             reading(12, 9_000)], now=NOW)
    assert result.flagged == 2
    flagged = dict(session.execute(select(WeighIn.seq, WeighIn.flag_reason)
                                   .where(WeighIn.status == "flagged")).all())
    assert set(flagged) == {10, 11}
    assert "median" in flagged[10] and "15 kg" in flagged[11]


def test_flag_weight_follows_the_configuration(session, scales):
    result = record_scale_readings(session, [reading(1, 5_001)], now=NOW, flag_weight_g=5_000)
    assert result.flagged == 1


def test_service_rules_refuse(session, scales):
    utc = dt.timezone.utc
    batch = [reading(1, device="ghost"), reading(2, device="sc-revoked"),
             reading(3, ts=dt.datetime(2026, 5, 10, 12, 30, tzinfo=utc)),  # future
             reading(4, ts=dt.datetime(2026, 2, 1, tzinfo=utc)),  # before the edition
             reading(5, stream="paper"),
             reading(6, ts=dt.datetime(2026, 5, 10, 12, 5, tzinfo=utc))]  # within tolerance
    result = record_scale_readings(session, batch, now=NOW)
    reasons = [r.reason for r in result.refused]
    assert result.stored == 1 and len(reasons) == 5
    assert "unknown device" in reasons[0] and "revoked" in reasons[1]
    assert "future" in reasons[2] and "outside" in reasons[3] and "paper" in reasons[4]


def test_every_bad_message_becomes_a_dead_letter(session, scales):
    decoded = [decode(t, p) for _, t, p in bad_messages("sc-martin", "sc-revoked")]
    readings = [d for d in decoded if isinstance(d, ScaleReading)]
    refusals = [d for d in decoded if isinstance(d, Refusal)]
    result = record_scale_readings(session, readings, now=NOW)
    assert result.stored == 0
    record_dead_letters(session, refusals + result.refused, now=NOW)
    session.commit()
    assert session.scalar(select(func.count(WeighIn.id))) == 0
    letters = list_dead_letters(session, limit=None)
    assert len(letters) == len(decoded) >= 100
    assert all(d.reason for d in letters)
    big = [d for d in letters if d.payload_size > 16 * 1024]
    assert big and all(len(d.payload.encode()) <= 4 * 1024 * 4 for d in big)
    assert any("\\x00" in d.payload for d in letters)  # NUL kept visible, not refused by PG


def test_status_updates_the_device(session, scales):
    assert record_device_status(session, "sc-martin", True, seen_at=NOW)
    assert not record_device_status(session, "nobody", True)
    device = session.get(Device, "sc-martin")
    assert device.online is True and device.last_seen == NOW


def test_redelivery_with_ts_from_the_topic_payload(session, scales):
    one = decode("zw/scales/sc-martin/weighin", canonical(5))
    record_scale_readings(session, [one], now=NOW)
    record_scale_readings(session, [one], now=NOW)
    session.commit()
    assert session.scalar(select(func.count(WeighIn.id))) == 1
    assert session.scalar(select(func.count(DeadLetter.id))) == 0


def test_a_redelivered_refusal_is_kept_once(session, scales):
    """The ingest killed between a dead letter's commit and its acknowledgement gets the
    message again (DUP flag): kept once. A message sent twice (no DUP) is kept twice."""
    bad = decode("zw/scales/sc-martin/weighin", b'{"seq": "x"}')
    other = decode("zw/scales/sc-martin/weighin", b'{"seq": "y"}')
    assert isinstance(bad, Refusal) and not bad.redelivered
    assert record_dead_letters(session, [bad], now=NOW) == 1
    again = [replace(bad, redelivered=True), replace(other, redelivered=True)]
    assert record_dead_letters(session, again, now=NOW) == 1  # `other` was never kept
    assert record_dead_letters(session, again, now=NOW) == 0
    assert record_dead_letters(session, [bad], now=NOW) == 1  # sent again by the scale
    # A reading refused by the service (revoked scale), redelivered.
    revoked = reading(7, device="sc-revoked")
    first = record_scale_readings(session, [revoked], now=NOW)
    assert record_dead_letters(session, first.refused, now=NOW) == 1
    second = record_scale_readings(session, [replace(revoked, redelivered=True)], now=NOW)
    assert second.refused[0].redelivered
    assert record_dead_letters(session, second.refused, now=NOW) == 0
    session.commit()
    letters = list_dead_letters(session, limit=None)
    assert sorted(d.payload for d in letters) == ['{"seq": "x"}', '{"seq": "x"}',
                                                  '{"seq": "y"}', "{}"]
    assert len({d.fingerprint for d in letters}) == 3 and all(d.fingerprint for d in letters)


def test_a_reading_of_another_bin_than_the_paired_one_is_stored_under_it_with_a_note(
        session, scales):
    """The paired bin is a reading's default; a reading that names another bin keeps it (a
    scale with a button per bin) but says so: a misconfigured scale is seen, not silent."""
    result = record_scale_readings(session, [reading(1), reading(2, stream="packaging"),
                                             reading(3, stream="residual")], now=NOW)
    assert result.stored == 3
    session.commit()
    rows = session.execute(select(WeighIn.seq, WeighIn.stream, WeighIn.status, WeighIn.note)
                           .order_by(WeighIn.seq)).all()
    assert [tuple(r) for r in rows] == [
        (1, "residual", "accepted", ""),
        (2, "packaging", "accepted", "Bac de la balance : ordures ménagères résiduelles ; la "
                                     "lecture dit : emballages et papiers."),
        (3, "residual", "accepted", "")]
