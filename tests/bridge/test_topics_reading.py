"""The constants module and the canonical reading."""

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from firmware_bridge import topics
from firmware_bridge.reading import Reading, ReadingError


def test_topics_follow_design():
    assert topics.weighin_topic("abc123") == "zw/scales/abc123/weighin"
    assert topics.status_topic("abc123") == "zw/scales/abc123/status"
    assert topics.device_id_from_topic("zw/scales/abc123/weighin") == "abc123"
    assert topics.device_id_from_topic("tele/x/SENSOR") is None
    assert topics.WEIGHIN_QOS == 1 and topics.STATUS_RETAIN is True
    assert (topics.STATUS_ONLINE, topics.STATUS_OFFLINE) == ("online", "offline")


@pytest.mark.parametrize("bad", ["", "a/b", "a+", "#"])
def test_topics_refuse_bad_device_ids(bad):
    with pytest.raises(ValueError):
        topics.weighin_topic(bad)


def test_payload_is_exactly_the_design_example():
    ts = datetime(2026, 3, 14, 8, 21, 5, tzinfo=ZoneInfo("Europe/Paris"))
    reading = Reading.build(42, ts, 1234.4, "residual")
    assert reading.to_json() == (
        '{"seq": 42, "ts": "2026-03-14T08:21:05+01:00", "weight_g": 1234, "stream": "residual"}')
    assert Reading.from_payload(reading.to_json()) == reading


def test_optional_fields_are_left_out_or_kept():
    ts = datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
    reading = Reading.build(1, ts, 50000, battery_pct=87.4)
    assert json.loads(reading.to_json()) == {
        "seq": 1, "ts": "2026-07-01T12:00:00+02:00", "weight_g": 50000, "battery_pct": 87}


@pytest.mark.parametrize("kwargs", [
    {"seq": 0}, {"seq": True}, {"weight_g": 0}, {"weight_g": 50001}, {"weight_g": 12.5},
    {"ts": "2026-03-14T08:21:05"}, {"ts": "yesterday"}, {"battery_pct": 101}, {"stream": ""},
])
def test_invalid_readings_are_refused(kwargs):
    fields = {"seq": 1, "ts": "2026-03-14T08:21:05Z", "weight_g": 10} | kwargs
    with pytest.raises(ReadingError):
        Reading(**fields)


def test_naive_datetime_is_refused():
    with pytest.raises(ReadingError):
        Reading.build(1, datetime(2026, 3, 14), 10)


def test_from_payload_refuses_unknown_fields():
    with pytest.raises(ReadingError):
        Reading.from_payload({"seq": 1, "ts": "2026-03-14T08:21:05Z", "weight_g": 1, "x": 1})
    assert Reading.from_payload(
        b'{"seq": 1, "ts": "2026-03-14T07:21:05Z", "weight_g": 1}').ts.endswith("Z")
    assert datetime.fromisoformat("2026-03-14T07:21:05+00:00").tzinfo == timezone.utc
