"""Queued QoS 1 readings for an absent ingest: over the 1,000 default, across restarts."""
from __future__ import annotations

import json
import time

import pytest

from tests.support.mqtt import MQTTv5, MQTTv311

pytestmark = pytest.mark.broker

INGEST_ID = "zw-ingest"


def _ingest(mosquitto, mqtt_probe, protocol=MQTTv311, connect=True):
    """The ingest's persistent session: fixed client id, clean session off."""
    return mqtt_probe(mosquitto, mosquitto.ingest_username, mosquitto.ingest_password,
                      client_id=INGEST_ID, clean=False, protocol=protocol,
                      session_expiry=0xFFFFFFFF if protocol == MQTTv5 else 0, connect=connect)


def _open_session(mosquitto, mqtt_probe, protocol=MQTTv311):
    ingest = _ingest(mosquitto, mqtt_probe, protocol)
    assert not ingest.connack.is_failure
    ingest.subscribe("zw/scales/+/weighin", qos=1)
    ingest.close()  # away: from now on the broker queues for it


def _publish_backlog(mosquitto, mqtt_probe, count, device="sc-1"):
    password = mosquitto.add_scale(device)
    scale = mqtt_probe(mosquitto, device, password, protocol=MQTTv311)
    infos = [scale.publish(f"zw/scales/{device}/weighin",
                           json.dumps({"seq": seq, "weight_g": 100 + seq % 900}), wait=None)
             for seq in range(count)]
    for info in infos:
        info.wait_for_publish(30)  # PUBACK from the broker: it holds the message now
    scale.close()


def _drain(mosquitto, mqtt_probe, count, protocol=MQTTv311):
    ingest = _ingest(mosquitto, mqtt_probe, protocol, connect=False)
    ingest.client.max_inflight_messages_set(1000)
    assert not ingest.connect().is_failure
    assert ingest.session_present, "the broker forgot the ingest's session"
    assert ingest.wait_messages(count, timeout=60), f"got {len(ingest.messages)} of {count}"
    assert not ingest.wait_messages(count + 1, timeout=0.3)
    seqs = [json.loads(m.payload)["seq"] for m in ingest.messages]
    return seqs


def test_queue_limit_is_lifted_5000_readings_wait_for_an_absent_ingest(mosquitto, mqtt_probe):
    _open_session(mosquitto, mqtt_probe)
    _publish_backlog(mosquitto, mqtt_probe, 5000)
    assert sorted(_drain(mosquitto, mqtt_probe, 5000)) == list(range(5000))


def test_queued_readings_survive_a_clean_broker_restart(mosquitto, mqtt_probe):
    _open_session(mosquitto, mqtt_probe)
    _publish_backlog(mosquitto, mqtt_probe, 1500)
    mosquitto.restart()
    assert sorted(_drain(mosquitto, mqtt_probe, 1500)) == list(range(1500))


def test_mqtt5_session_with_expiry_survives_a_restart(mosquitto, mqtt_probe):
    _open_session(mosquitto, mqtt_probe, protocol=MQTTv5)
    _publish_backlog(mosquitto, mqtt_probe, 1200)
    mosquitto.restart()
    assert sorted(_drain(mosquitto, mqtt_probe, 1200, protocol=MQTTv5)) == list(range(1200))


@pytest.mark.slow
def test_queued_readings_survive_sigkill_after_autosave(mosquitto, mqtt_probe):
    """autosave_interval (10 s) bounds what a crash can lose, instead of the 30 min default."""
    _open_session(mosquitto, mqtt_probe)
    _publish_backlog(mosquitto, mqtt_probe, 2000)
    published = time.time()
    db = mosquitto.data_dir / "mosquitto.db"
    deadline = time.monotonic() + 25
    while time.monotonic() < deadline:
        if db.exists() and db.stat().st_mtime > published + 0.1:
            break
        time.sleep(0.2)
    else:
        pytest.fail("mosquitto did not autosave within 25 s of the last reading")
    mosquitto.kill()  # no chance to save on the way out
    mosquitto.start()
    assert sorted(_drain(mosquitto, mqtt_probe, 2000)) == list(range(2000))


def test_retained_status_survives_a_restart(mosquitto, mqtt_probe):
    password = mosquitto.add_scale("sc-1")
    scale = mqtt_probe(mosquitto, "sc-1", password)
    scale.publish("zw/scales/sc-1/status", "online", retain=True)
    scale.close()
    mosquitto.restart()
    ingest = mqtt_probe(mosquitto, mosquitto.ingest_username, mosquitto.ingest_password)
    ingest.subscribe("zw/scales/+/status")
    assert ingest.wait_messages(1)
    assert (ingest.messages[0].payload, ingest.messages[0].retain) == (b"online", True)


def test_control_with_mosquittos_default_limit_the_backlog_is_cut(tmp_path, mqtt_probe):
    """Proves the 5,000 test above can fail: without our max_queued_messages, 1,000 remain."""
    from tracker.adapters.broker import DEFAULT_TEMPLATE
    from tests.support.broker import start_broker

    template = tmp_path / "mosquitto-default-queue.conf"
    lines = DEFAULT_TEMPLATE.read_text().splitlines()
    template.write_text("\n".join(line for line in lines
                                  if not line.startswith(("max_queued_messages",
                                                          "max_inflight_messages"))) + "\n")
    broker = start_broker(tmp_path / "data", template=template)
    try:
        _open_session(broker, mqtt_probe)
        _publish_backlog(broker, mqtt_probe, 1500)
        ingest = _ingest(broker, mqtt_probe)
        ingest.wait_messages(1500, timeout=3)
        assert 1000 <= len(ingest.messages) < 1500
    finally:
        broker.stop()
