"""Every sequence of the corpus through the live bridge, a real home broker and the tracker's.

The firmware's messages are published on a real (anonymous) mosquitto, one at a time; the
bridge subscribes to everything there (``#``, as a recording of a whole node would be) and
publishes its weigh-ins to the project's broker with the scale's own credentials, where a
subscriber standing for the ingest reads them. The bridge's clock is the sequence's: before
each message the test sets it to the message's ``received_at`` (the live bridge stamps
ESPHome and BLE messages with the time they arrive, and a replay in real time would take
days for the long sessions).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta

import pytest

from firmware_bridge.adapters import calibration_from
from firmware_bridge.bridge import Bridge
from firmware_bridge.config import BridgeConfig, BrokerSettings, ScaleConfig
from firmware_bridge.detect import DetectorConfig
from tests.support.mqtt import MQTTv311, Probe

from .corpus_cases import cases, mismatch

pytestmark = pytest.mark.broker

CASES = cases()


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


class ReplayClock:
    """The bridge's receive clock, moved by the test."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def bridge_for(case, device_id, password, source_broker, mosquitto, spool) -> Bridge:
    options = dict(case.options)
    scale = ScaleConfig(
        name=case.name, firmware=case.firmware, source_topic="#", device_id=device_id,
        password=password, spool=str(spool), unit=options.get("unit"),
        calibration=calibration_from(points=options.get("calibration")),
        sensor=options.get("sensor"), detector=DetectorConfig())
    config = BridgeConfig(source=BrokerSettings(source_broker.host, source_broker.port),
                          tracker=BrokerSettings(mosquitto.host, mosquitto.port),
                          scales=(scale,), tick_s=0.05)
    return Bridge(config)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_sequence_through_the_live_bridge(case, source_broker, mosquitto_session, tmp_path):
    mosquitto = mosquitto_session
    device_id = "corpus-" + case.name.replace("_", "-")
    password = mosquitto.add_scale(device_id)
    ingest = Probe.for_broker(mosquitto, mosquitto.ingest_username, mosquitto.ingest_password,
                              client_id="corpus-ingest-" + device_id, protocol=MQTTv311)
    ingest.connect()
    ingest.subscribe("zw/scales/%s/weighin" % device_id, qos=1)
    messages = case.messages()
    clock = ReplayClock(datetime.fromisoformat(messages[0]["received_at"]))
    bridge = bridge_for(case, device_id, password, source_broker, mosquitto,
                        tmp_path / "spool.sqlite3")
    bridge.now = clock
    handled = [0]
    lock = threading.Lock()
    original = bridge.handle

    def counting(topic, payload, received_at=None):
        try:
            return original(topic, payload, received_at)
        finally:
            with lock:
                handled[0] += 1

    bridge.handle = counting
    firmware = Probe(source_broker.host, source_broker.port, protocol=MQTTv311)
    firmware.connect()
    bridge.start()
    try:
        assert bridge.scales[0].link.connected.wait(10)
        source_broker.wait_subscribed()
        for number, message in enumerate(messages, start=1):
            clock.now = datetime.fromisoformat(message["received_at"])
            payload = message["payload"]
            if not isinstance(payload, str):
                payload = json.dumps(payload)
            firmware.publish(message["topic"], payload, qos=1, wait=True)
            assert wait_for(lambda: handled[0] >= number, 10), "message %d not handled" % number
        clock.now += timedelta(hours=1)  # the scale stays as it is: the bridge ticks on
        time.sleep(0.3)
        expected = list(case.live_weighins)
        assert wait_for(lambda: len(ingest.messages) >= len(expected) and
                        bridge.scales[0].link.pending() == 0)
        time.sleep(0.3)  # nothing more comes
    finally:
        bridge.stop()
        firmware.close()
        ingest.close()
    got = [json.loads(m.payload) for m in ingest.messages]
    assert mismatch(case, [p["weight_g"] for p in got], case.live_weighins) is None
    assert [p["seq"] for p in got] == list(range(1, len(got) + 1))
    assert bridge.scales[0].bad_messages == case.bad_lines
