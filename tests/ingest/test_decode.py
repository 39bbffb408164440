"""Unit tests of the ingest's decoding: no broker, no database."""
from __future__ import annotations

import datetime as dt

import pytest

from ingest.decode import StatusChange, decode
from ingest.topics import MAX_PAYLOAD_BYTES, split_topic, subscriptions
from tests.ingest.corpus import bad_messages, canonical
from tracker.services.ingest import Refusal, ScaleReading

# Refused only by the service layer (they need the device, its edition or the clock).
NEEDS_DATABASE = ("unknown-device", "revoked-device", "future", "outside-edition",
                  "stream-not-in-edition")


def test_canonical_reading_is_decoded():
    got = decode("zw/scales/sc-1/weighin", canonical(42, 1234, battery_pct=87.4,
                                                       stream="glass"))
    assert isinstance(got, ScaleReading)
    assert (got.device_id, got.seq, got.weight_g, got.stream, got.battery_pct) == \
        ("sc-1", 42, 1234, "glass", 87)
    assert got.measured_at == dt.datetime(2026, 5, 4, 6, 21, 5, tzinfo=dt.timezone.utc)


def test_payload_device_id_equal_to_the_topic_is_accepted():
    assert isinstance(decode("zw/scales/sc-1/weighin", canonical(1, device_id="sc-1")),
                      ScaleReading)


def test_status_messages():
    assert decode("zw/scales/sc-1/status", b"online", True) == StatusChange("sc-1", True, True)
    assert decode("zw/scales/sc-1/status", b"offline") == StatusChange("sc-1", False, False)


@pytest.mark.parametrize("name,topic,payload", bad_messages("sc-1", "sc-revoked"),
                         ids=lambda v: v if isinstance(v, str) and "/" not in v else "")
def test_bad_payloads_are_refused_with_a_reason(name, topic, payload):
    got = decode(topic, payload)
    if name.startswith(NEEDS_DATABASE):
        assert isinstance(got, ScaleReading)
        return
    assert isinstance(got, Refusal), got
    assert got.reason and got.topic == topic and got.payload == payload


def test_reasons_name_the_fault():
    reason = lambda payload: decode("zw/scales/d/weighin", payload).reason  # noqa: E731
    assert "too large" in reason(b" " * (MAX_PAYLOAD_BYTES + 1))
    assert "UTF-8" in reason(b"\xff")
    assert "bad JSON" in reason(b"{")
    assert "finite" in reason(b'{"weight_g": NaN}')
    assert "weight_g" in reason(canonical(1, 50001))
    assert "does not match" in reason(canonical(1, device_id="e"))


def test_topics():
    assert split_topic("zw/scales/abc/weighin") == ("abc", "weighin")
    assert split_topic("zw/scales//weighin") == (None, None)
    assert split_topic("other/abc/weighin") == (None, None)
    assert subscriptions() == ["zw/scales/+/weighin", "zw/scales/+/status"]
    assert subscriptions("g")[0] == "$share/g/zw/scales/+/weighin"
    assert isinstance(decode("zw/scales/a/other", b"{}"), Refusal)
