"""Retained weigh-ins: refused once (not again at every ingest restart) and deleted from the
broker, which keeps a scale's retained messages to its status (issue 14)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.ingest.helpers import IngestProcess, wait_for
from tracker.models import DeadLetter, WeighIn
from tracker.services.ingest import RETAINED_REASON

pytestmark = pytest.mark.broker

TOPIC = "zw/scales/sc-martin/weighin"


def reading(seq: int) -> bytes:
    return json.dumps({"seq": seq, "ts": "2026-05-04T08:21:05+02:00", "weight_g": 800}).encode()


@pytest.fixture
def ingest(mosquitto, database_url, tmp_path, scales):
    for device_id, secret in scales.items():
        mosquitto.add_scale(device_id, secret)
    process = IngestProcess(mosquitto, database_url, tmp_path / "instance",
                            extra_env={"ZW_INGEST_PROCESSES": "1"})  # restarts faster
    yield process
    code = process.stop()
    print("--- ingest log ---\n" + process.log_tail(80))
    assert code == 0


def restart(ingest) -> None:
    """Stop and start again: a new subscription, to which the broker sends what it retained."""
    assert ingest.stop() == 0
    ingest.start()


def letters(session) -> list[tuple[str, str]]:
    session.expire_all()
    return sorted(session.execute(select(DeadLetter.topic, DeadLetter.reason)).all())


def retained_in_broker(mosquitto, mqtt_probe, topic_filter: str) -> list:
    """What a new subscription gets from the retained store."""
    probe = mqtt_probe(mosquitto, mosquitto.ingest_username, mosquitto.ingest_password)
    probe.subscribe(topic_filter)
    probe.wait_messages(1, timeout=1.0)
    return [m for m in probe.messages if m.retain]


def test_a_retained_weighin_is_refused_once_and_deleted(ingest, mosquitto, mqtt_probe, scales,
                                                        counter, session):
    scale = mqtt_probe(mosquitto, "sc-martin", scales["sc-martin"])
    scale.publish(TOPIC, reading(7), retain=True)  # before the ingest's first subscription
    scale.publish("zw/scales/sc-durand/weighin", b"x")  # denied: not its topic
    ingest.start()
    assert wait_for(lambda: counter.dead_letters() >= 1, 30), ingest.log_tail()
    assert letters(session) == [(TOPIC, RETAINED_REASON)]
    assert wait_for(lambda: not retained_in_broker(mosquitto, mqtt_probe, TOPIC), 10)
    restart(ingest)
    scale.publish(TOPIC, reading(8))  # a marker: once it is stored, the restart is handled
    assert counter.wait_weighins(1, 30) == 1
    assert counter.dead_letters() == 1
    assert session.scalars(select(WeighIn.seq)).all() == [8]


def test_a_bad_retained_message_is_dead_lettered_once(ingest, mosquitto, mqtt_probe, scales,
                                                      counter, session):
    """A bad weigh-in and a bad status, retained while the ingest runs: each is dead-lettered
    when it arrives, and not again at the ingest's restarts; the weigh-in is deleted from the
    broker, the status (a scale's retained topic) stays."""
    ingest.start()
    scale = mqtt_probe(mosquitto, "sc-martin", scales["sc-martin"])
    scale.publish(TOPIC, b"{not json", retain=True)
    scale.publish("zw/scales/sc-martin/status", b"sideways", retain=True)
    assert wait_for(lambda: counter.dead_letters() >= 2, 30), ingest.log_tail()
    restart(ingest)
    scale.publish(TOPIC, reading(1))  # a marker: once it is stored, the restart is handled
    assert counter.wait_weighins(1, 30) == 1
    assert wait_for(lambda: not retained_in_broker(mosquitto, mqtt_probe, TOPIC), 10)
    assert counter.dead_letters() == 2, letters(session)
    reasons = [reason for _, reason in letters(session)]
    assert reasons[0] == "status is neither online nor offline"
    assert reasons[1].startswith("bad JSON")


def test_a_retained_reading_that_came_live_is_stored_once(ingest, mosquitto, mqtt_probe,
                                                          scales, counter, session):
    """MQTT 3.1.1 clears the retain flag on a live delivery: the reading is stored; its
    retained copy, sent again at the next subscription, is a duplicate, then deleted."""
    ingest.start()
    scale = mqtt_probe(mosquitto, "sc-martin", scales["sc-martin"])
    scale.publish(TOPIC, reading(3), retain=True)
    assert counter.wait_weighins(1, 30) == 1
    restart(ingest)
    assert wait_for(lambda: (ingest.status() or {}).get("duplicates") == 1, 30), \
        ingest.log_tail()
    assert wait_for(lambda: not retained_in_broker(mosquitto, mqtt_probe, TOPIC), 10)
    assert counter.weighins() == 1 and counter.dead_letters() == 0
