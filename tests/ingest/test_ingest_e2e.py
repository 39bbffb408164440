"""`zw ingest` as a subprocess against a real mosquitto and a real database."""
from __future__ import annotations

from dataclasses import replace

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import select

from ingest.decode import decode
from tests.ingest.corpus import bad_messages, good_messages
from tests.ingest.helpers import IngestProcess, wait_for
from tracker.models import DeadLetter, Device, WeighIn
from tracker.services.ingest import record_dead_letters

pytestmark = pytest.mark.broker


@pytest.fixture
def ingest(mosquitto, database_url, tmp_path, scales):
    for device_id, secret in scales.items():
        mosquitto.add_scale(device_id, secret)
    process = IngestProcess(mosquitto, database_url, tmp_path / "ingest-instance")
    yield process
    code = process.stop()
    print("--- ingest log ---\n" + process.log_tail(80))
    assert code == 0, "ingest did not stop cleanly"


def test_scale_readings_are_stored_once(ingest, mosquitto, mqtt_probe, scales, counter,
                                        session):
    ingest.start()
    scale = mqtt_probe(mosquitto, "sc-martin", scales["sc-martin"], client_id="sc-martin")
    scale.publish("zw/scales/sc-martin/status", b"online", retain=True)
    messages = good_messages("sc-martin", range(1, 21))
    for topic, payload in messages + messages[:5]:  # 5 redeliveries
        scale.publish(topic, payload)
    assert counter.wait_weighins(20, 30) == 20
    rows = session.execute(select(WeighIn.device_id, WeighIn.seq, WeighIn.source)
                           .order_by(WeighIn.seq)).all()
    assert rows == [("sc-martin", seq, "scale") for seq in range(1, 21)]
    assert wait_for(lambda: session.get(Device, "sc-martin", populate_existing=True).online, 10)
    assert wait_for(lambda: (ingest.status() or {}).get("duplicates") == 5, 10)
    report = ingest.status()
    assert report["stored"] == 20 and report["queue"] == 0 and report["last_commit"]


def test_bad_payload_corpus_is_dead_lettered(ingest, mosquitto, mqtt_probe, scales, counter,
                                             session):
    ingest.start()
    mosquitto.add_scale("ghost-0", "ghost-pw")  # known to the broker, unknown to the tracker
    corpus = bad_messages("sc-martin", "sc-revoked")
    clients = {}
    for name, topic, payload in corpus:
        device = topic.split("/")[2]
        if device.startswith("ghost") and device != "ghost-0":
            topic, device = topic.replace(device, "ghost-0"), "ghost-0"
        if device not in clients:
            # sc-revoked is revoked in the database only: the broker still lets it in,
            # so this checks the ingest's own refusal.
            password = scales.get(device) or "ghost-pw"
            clients[device] = mqtt_probe(mosquitto, device, password, client_id=device)
        clients[device].publish(topic, payload)
    assert wait_for(lambda: counter.dead_letters() >= len(corpus), 60), ingest.log_tail()
    good = mqtt_probe(mosquitto, "sc-durand", scales["sc-durand"], client_id="sc-durand")
    good.publish(*good_messages("sc-durand", [1])[0])  # still alive and storing
    assert counter.wait_weighins(1, 20) == 1
    assert counter.dead_letters() == len(corpus)
    reasons = session.scalars(select(DeadLetter.reason)).all()
    assert all(reasons)
    assert ingest.process.poll() is None


def test_status_report(ingest, runner, app):
    ingest.start()
    app.config["ZW"] = replace(app.config["ZW"], instance_path=ingest.instance,
                               ingest_client_id=ingest.client_id)
    result = runner.invoke(args=["ingest", "--status"])
    assert result.exit_code == 0, result.output
    assert "running" in result.output and "connected" in result.output
    ingest.stop()
    result = runner.invoke(args=["ingest", "--status"])
    assert result.exit_code == 1 and "stopped" in result.output


def test_bad_credentials_stop_the_ingest(mosquitto, database_url, tmp_path):
    process = IngestProcess(mosquitto, database_url, tmp_path / "inst",
                            extra_env={"ZW_MQTT_PASSWORD": "wrong"}).start(wait_connected=False)
    try:
        assert process.process.wait(60) == 2, process.log_tail()
    finally:
        process.stop()
    assert "credentials" in process.log_tail()


def test_storing_processes_commit_in_arrival_order(mosquitto, database_url, tmp_path, scales,
                                                   mqtt_probe, counter, session):
    """Three storing processes and batches of 7: the batches are decoded side by side but
    committed in the order the messages arrived, so the rows' ids follow the scale's seq and
    the last status a scale sent is the one that stays."""
    for device_id, secret in scales.items():
        mosquitto.add_scale(device_id, secret)
    ingest = IngestProcess(mosquitto, database_url, tmp_path / "ingest-instance",
                           extra_env={"ZW_INGEST_PROCESSES": "3",
                                      "ZW_INGEST_BATCH_SIZE": "7"}).start()
    try:
        scale = mqtt_probe(mosquitto, "sc-martin", scales["sc-martin"], client_id="sc-martin")
        messages = good_messages("sc-martin", range(1, 1201))
        for number, (topic, payload) in enumerate(messages, start=1):
            scale.publish(topic, payload)
            if number % 100 == 0:  # a status among the readings, alternating
                state = b"offline" if number % 200 == 0 else b"online"
                scale.publish("zw/scales/sc-martin/status", state)
        scale.publish("zw/scales/sc-martin/status", b"online")
        assert counter.wait_weighins(1200, 60) == 1200, ingest.log_tail()
        seqs = session.scalars(select(WeighIn.seq).order_by(WeighIn.id)).all()
        assert seqs == list(range(1, 1201))
        assert wait_for(lambda: (ingest.status() or {}).get("statuses") == 13, 10)
        assert session.get(Device, "sc-martin", populate_existing=True).online is True
        report = ingest.status()
        assert report["stored"] == 1200 and report["queue"] == 0
    finally:
        code = ingest.stop()
        print("--- ingest log ---\n" + ingest.log_tail(80))
    assert code == 0


def test_a_redelivered_refusal_is_kept_once(ingest, mosquitto, mqtt_probe, scales, counter,
                                            app):
    """The ingest stopped between a dead letter's commit and the acknowledgement: its session
    gets the message again with the DUP flag, and the refusal is not kept a second time.

    The killed ingest is played by a client with the ingest's id and persistent session that
    receives the message and never acknowledges it, and by the dead letter it had committed,
    kept through the same service."""
    topic, bad = "zw/scales/sc-martin/weighin", b'{"seq": "not a number"}'
    got = []
    holder = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=ingest.client_id,
                         clean_session=False, protocol=mqtt.MQTTv311)
    holder.username_pw_set(mosquitto.ingest_username, mosquitto.ingest_password)
    holder.manual_ack_set(True)
    holder.on_connect = lambda client, *_: client.subscribe("zw/scales/+/weighin", 1)
    holder.on_subscribe = lambda *_: got.append("subscribed")
    holder.on_message = lambda client, userdata, message: got.append(message.dup)
    holder.connect(mosquitto.host, mosquitto.port)
    holder.loop_start()
    try:
        assert wait_for(lambda: "subscribed" in got, 20)
        scale = mqtt_probe(mosquitto, "sc-martin", scales["sc-martin"], client_id="sc-martin")
        scale.publish(topic, bad)
        assert wait_for(lambda: False in got, 20), got  # first delivery: no DUP flag
        with app.extensions["zw_db"].session() as s:
            assert record_dead_letters(s, [decode(topic, bad)]) == 1
    finally:
        holder.disconnect()
        holder.loop_stop()

    ingest.start()
    assert wait_for(lambda: (ingest.status() or {}).get("duplicates") == 1, 30), \
        ingest.log_tail()
    assert counter.dead_letters() == 1
    assert "redelivered refusal(s) kept already" in ingest.log_tail()
    scale.publish(topic, bad)  # the scale sends it again: a new message, kept
    assert wait_for(lambda: counter.dead_letters() == 2, 30), ingest.log_tail()
    assert wait_for(lambda: ingest.status()["dead_lettered"] == 1, 10), ingest.status()
