"""A paired scale that connects with the ingest's client id is refused; the ingest keeps its
persistent session and stores every reading once (issue 14: 167 of 200 were lost)."""
from __future__ import annotations

import threading
import time

import pytest

from tests.ingest.helpers import IngestProcess, canonical_lines
from tests.support.mqtt import MQTTv311, Probe

pytestmark = pytest.mark.broker

READINGS = 200


def test_a_scale_using_the_ingest_client_id_is_refused_and_nothing_is_lost(
        mosquitto, mqtt_probe, database_url, tmp_path, scales, counter):
    for device_id, secret in scales.items():
        mosquitto.add_scale(device_id, secret)
    ingest = IngestProcess(mosquitto, database_url, tmp_path / "instance",
                           client_id="zw-ingest").start()
    refused, stop = [], threading.Event()

    def thief():
        """sc-durand, over and over, as `zw-ingest` with a clean session."""
        while not stop.is_set():
            probe = Probe.for_broker(mosquitto, "sc-durand", scales["sc-durand"],
                                     client_id="zw-ingest", clean=True, protocol=MQTTv311)
            try:
                refused.append(probe.connect().is_failure)
            except Exception:  # noqa: BLE001 - a refused connection may also close the socket
                refused.append(True)
            time.sleep(0.1)
            probe.close()

    attacker = threading.Thread(target=thief, daemon=True)
    try:
        scale = mqtt_probe(mosquitto, "sc-martin", scales["sc-martin"])
        attacker.start()
        for seq, payload in enumerate(canonical_lines(range(1, READINGS + 1)), 1):
            assert not scale.publish("zw/scales/sc-martin/weighin", payload).is_failure
            time.sleep(0.01)
        stop.set()
        attacker.join(10)
        assert counter.wait_weighins(READINGS, 60) == READINGS
        time.sleep(1)  # anything stored twice would show now
        assert counter.weighins() == counter.distinct_keys() == READINGS
        assert len(refused) >= 2 and all(refused), refused
        report = ingest.status()
        assert report["reconnects"] == 0 and report["connected"], report
    finally:
        stop.set()
        code = ingest.stop()
        print("--- ingest log ---\n" + ingest.log_tail(60))
    assert code == 0
