"""Authentication and ACLs of the project broker: who may connect, publish and subscribe."""
from __future__ import annotations

import json
import time

import pytest

from tests.support.mqtt import MQTTv5, MQTTv311

pytestmark = pytest.mark.broker

READING = json.dumps({"seq": 1, "ts": "2026-03-14T08:21:05+01:00", "weight_g": 1234})


@pytest.mark.parametrize("protocol", [MQTTv311, MQTTv5])
def test_anonymous_client_is_refused(mosquitto, mqtt_probe, protocol):
    probe = mqtt_probe(mosquitto, None, None, protocol=protocol)
    assert probe.connack.is_failure
    assert not probe.connected


def test_wrong_password_is_refused(mosquitto, mqtt_probe):
    mosquitto.add_scale("sc-1", "right-password")
    probe = mqtt_probe(mosquitto, "sc-1", "wrong-password")
    assert probe.connack.is_failure
    assert str(probe.connack) == "Not authorized"


def test_unknown_user_and_ingest_wrong_password_are_refused(mosquitto, mqtt_probe):
    assert mqtt_probe(mosquitto, "nobody", "x").connack.is_failure
    assert mqtt_probe(mosquitto, mosquitto.ingest_username, "x").connack.is_failure


def test_scale_publishes_to_its_own_topic_and_ingest_receives(mosquitto, mqtt_probe):
    password = mosquitto.add_scale("sc-1")
    ingest = mqtt_probe(mosquitto, mosquitto.ingest_username, mosquitto.ingest_password)
    assert not ingest.connack.is_failure
    assert [str(rc) for rc in ingest.subscribe("zw/scales/+/weighin")] == ["Granted QoS 1"]
    scale = mqtt_probe(mosquitto, "sc-1", password)
    assert str(scale.publish("zw/scales/sc-1/weighin", READING)) == "Success"
    assert ingest.wait_messages(1)
    assert ingest.messages[0].topic == "zw/scales/sc-1/weighin"
    assert ingest.messages[0].payload == READING.encode()
    assert ingest.messages[0].qos == 1


@pytest.mark.parametrize("protocol", [MQTTv311, MQTTv5])
def test_scale_cannot_publish_to_another_scales_topic(mosquitto, mqtt_probe, protocol):
    password = mosquitto.add_scale("sc-1")
    mosquitto.add_scale("sc-2")
    ingest = mqtt_probe(mosquitto, mosquitto.ingest_username, mosquitto.ingest_password)
    ingest.subscribe("zw/scales/+/weighin")
    scale = mqtt_probe(mosquitto, "sc-1", password, protocol=protocol)
    forged = scale.publish("zw/scales/sc-2/weighin", READING)
    if protocol == MQTTv5:  # MQTT 5 tells the sender: PUBACK reason 0x87
        assert forged.value == 0x87 and str(forged) == "Not authorized"
    # MQTT 3.1.1 has no reason codes: mosquitto acknowledges and drops the message.
    for topic in ("zw/scales/sc-1x/weighin", "zw/other", "zw/scales/sc-1"):
        scale.publish(topic, READING)
    scale.publish("zw/scales/sc-1/weighin", READING)  # a marker that does pass
    assert ingest.wait_messages(1)
    assert not ingest.wait_messages(2, timeout=0.5)
    assert [m.topic for m in ingest.messages] == ["zw/scales/sc-1/weighin"]


def test_scale_status_is_retained_and_last_will_reaches_subscribers(mosquitto, mqtt_probe):
    password = mosquitto.add_scale("sc-1")
    scale = mqtt_probe(mosquitto, "sc-1", password, connect=False,
                       will=("zw/scales/sc-1/status", "offline"))
    assert not scale.connect().is_failure
    scale.publish("zw/scales/sc-1/status", "online", retain=True)
    admin = mqtt_probe(mosquitto, mosquitto.admin_username, mosquitto.admin_password)
    admin.subscribe("zw/scales/+/status")  # staff pages read it with the admin login
    assert admin.wait_messages(1)
    assert (admin.messages[0].payload, admin.messages[0].retain) == (b"online", True)
    scale.drop()  # a crash: the broker publishes the will
    assert admin.wait_messages(2)
    assert admin.messages[1].payload == b"offline"


def test_ingest_reads_through_shared_subscriptions(mosquitto, mqtt_probe):
    password = mosquitto.add_scale("sc-1")
    workers = [mqtt_probe(mosquitto, mosquitto.ingest_username, mosquitto.ingest_password)
               for _ in range(2)]
    for worker in workers:
        assert [str(rc) for rc in worker.subscribe("$share/zw/zw/scales/+/weighin")] == [
            "Granted QoS 1"]
    scale = mqtt_probe(mosquitto, "sc-1", password)
    for seq in range(20):
        scale.publish("zw/scales/sc-1/weighin", json.dumps({"seq": seq}))
    assert all(w.wait_messages(1) for w in workers), "both workers get a share"
    deadline = time.monotonic() + 10
    while sum(len(w.messages) for w in workers) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    total = sorted(json.loads(m.payload)["seq"] for w in workers for m in w.messages)
    assert total == list(range(20))


def test_ingest_may_not_subscribe_to_everything_nor_publish_a_scales_status(mosquitto,
                                                                             mqtt_probe):
    mosquitto.add_scale("sc-1")
    ingest = mqtt_probe(mosquitto, mosquitto.ingest_username, mosquitto.ingest_password)
    assert str(ingest.subscribe("#")[0]) == "Not authorized"
    assert str(ingest.subscribe("$CONTROL/dynamic-security/#")[0]) == "Not authorized"
    assert str(ingest.subscribe("zw/scales/+/status")[0]) == "Granted QoS 1"
    assert str(ingest.publish("zw/scales/sc-1/status", "online")) == "Not authorized"
    # It may publish on weigh-in topics: only to delete a retained weigh-in (ingest.service).
    assert not ingest.publish("zw/scales/sc-1/weighin", b"", retain=True).is_failure
    assert not ingest.publish("zw/ingest/status", "online").is_failure  # 0x10: no subscribers


def test_scale_cannot_subscribe_nor_administer(mosquitto, mqtt_probe):
    password = mosquitto.add_scale("sc-1")
    scale = mqtt_probe(mosquitto, "sc-1", password)
    assert str(scale.subscribe("zw/scales/#")[0]) == "Not authorized"
    assert str(scale.subscribe("zw/scales/sc-1/#")[0]) == "Not authorized"
    request = json.dumps({"commands": [{"command": "listClients"}]})
    assert str(scale.publish("$CONTROL/dynamic-security/v1", request)) == "Not authorized"


def test_payload_over_ingest_limit_is_delivered_but_huge_one_is_not(mosquitto, mqtt_probe):
    password = mosquitto.add_scale("sc-1")
    ingest = mqtt_probe(mosquitto, mosquitto.ingest_username, mosquitto.ingest_password)
    ingest.subscribe("zw/scales/+/weighin")
    scale = mqtt_probe(mosquitto, "sc-1", password, protocol=MQTTv311)
    scale.publish("zw/scales/sc-1/weighin", b"x" * (20 * 1024))  # ingest dead-letters it
    assert ingest.wait_messages(1)
    assert len(ingest.messages[0].payload) == 20 * 1024
    scale.publish("zw/scales/sc-1/weighin", b"x" * (300 * 1024), wait=None)
    assert scale.wait_disconnected(5), "an oversized packet must close the connection"
    assert not ingest.wait_messages(2, timeout=0.5)
