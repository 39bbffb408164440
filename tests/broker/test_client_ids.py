"""Every scale's login is tied to one client id: no scale can take another client's session.

An MQTT client id names a session: a connection with an id already in use closes the older
connection, and with a clean session wipes what the broker held for it (the ingest's queued
readings). The broker pins each scale's login to its device id (dynamic security `clientid`)
and refuses, before any takeover, a login that comes with another id.
"""
from __future__ import annotations

import json

import pytest

from tracker.adapters.broker import prepare_broker
from tracker.adapters.dynsec_file import DYNSEC_NAME
from tests.support.broker import start_broker
from tests.support.mqtt import MQTTv5, MQTTv311

pytestmark = pytest.mark.broker

READING = json.dumps({"seq": 1, "ts": "2026-03-14T08:21:05+01:00", "weight_g": 1234})


@pytest.mark.parametrize("protocol", [MQTTv311, MQTTv5])
def test_a_scale_cannot_take_the_ingest_session(mosquitto, mqtt_probe, protocol):
    password = mosquitto.add_scale("sc-1")
    other = mosquitto.add_scale("sc-2")
    ingest = mqtt_probe(mosquitto, mosquitto.ingest_username, mosquitto.ingest_password,
                        client_id="zw-ingest", clean=False, protocol=MQTTv311)
    ingest.subscribe("zw/scales/+/weighin")
    thief = mqtt_probe(mosquitto, "sc-1", password, client_id="zw-ingest", protocol=protocol)
    assert str(thief.connack) == "Not authorized"
    assert ingest.connected, "the ingest was kicked"
    mqtt_probe(mosquitto, "sc-2", other).publish("zw/scales/sc-2/weighin", READING)
    assert ingest.wait_messages(1), "the ingest's subscription is gone"


def test_a_scale_cannot_take_another_scales_id_nor_connect_without_its_own(mosquitto,
                                                                           mqtt_probe):
    victim_pw = mosquitto.add_scale("sc-victim")
    thief_pw = mosquitto.add_scale("sc-thief")
    victim = mqtt_probe(mosquitto, "sc-victim", victim_pw)
    assert not victim.connack.is_failure
    for client_id in ("sc-victim", "", "zw-admin-0123456789ab", "anything-else"):
        thief = mqtt_probe(mosquitto, "sc-thief", thief_pw, client_id=client_id,
                           protocol=MQTTv311)
        assert thief.connack.is_failure, client_id
    assert victim.connected and not victim.publish("zw/scales/sc-victim/weighin",
                                                   READING).is_failure
    assert not mqtt_probe(mosquitto, "sc-thief", thief_pw).connack.is_failure  # its own id
    assert victim.connected


def test_scales_registered_before_the_pinning_are_pinned_at_the_next_start(tmp_path,
                                                                           mqtt_probe):
    """An installation upgraded in place: its dynamic-security.json has scales without a
    client id and with zw/scales/<id>/#; prepare_broker (zw run, systemd) fixes them."""
    running = start_broker(tmp_path / "data")
    try:
        password = running.add_scale("sc-old")
        running.stop()
        path = running.data_dir / DYNSEC_NAME
        document = json.loads(path.read_text())
        for client in document["clients"]:
            client.pop("clientid", None)
        for role in document["roles"]:
            if role["rolename"] == "zw-scale-sc-old":
                role["acls"] = [{"acltype": "publishClientSend", "topic": "zw/scales/sc-old/#",
                                 "priority": 0, "allow": True}]
        path.write_text(json.dumps(document))
        prepare_broker(running.data_dir, running.port, admin_user=running.admin_username,
                       admin_password=running.admin_password,
                       ingest_user=running.ingest_username,
                       ingest_password=running.ingest_password)
        running.start()
        assert mqtt_probe(running, "sc-old", password, client_id="zw-ingest").connack.is_failure
        scale = mqtt_probe(running, "sc-old", password)
        assert not scale.connack.is_failure
        assert str(scale.publish("zw/scales/sc-old/other", "x", retain=True)) == "Not authorized"
    finally:
        running.stop()


@pytest.mark.parametrize("leaf", ["other", "weighin/x", "status/x", "a/b/c"])
def test_a_scale_may_publish_only_its_weighin_and_status(mosquitto, mqtt_probe, leaf):
    password = mosquitto.add_scale("sc-1")
    scale = mqtt_probe(mosquitto, "sc-1", password, protocol=MQTTv5)
    assert str(scale.publish(f"zw/scales/sc-1/{leaf}", "x", retain=True)) == "Not authorized"
    assert not scale.publish("zw/scales/sc-1/status", "online", retain=True).is_failure
    assert not scale.publish("zw/scales/sc-1/weighin", READING).is_failure
