"""The broker, as an attacker holding one scale's credentials sees it: every client id that is
not its own is refused (the services', another scale's, none), and it can publish, retained
or not, on its own weigh-in and status topics only (issue 14)."""
from __future__ import annotations

import uuid

import pytest

from tests.support.mqtt import MQTTv5, MQTTv311

pytestmark = pytest.mark.broker

#: Client ids a scale might try to take: the ingest (alone or a worker), the admin's, the
#: bridge's and simulator's former ones, another scale's, and none (the broker picks one).
STOLEN_IDS = ("zw-ingest", "zw-ingest-1", "zw-ingest-bench", "zw-admin-0123456789ab",
              "zw-bridge-{other}", "zw-sim-{other}", "{other}", "")
#: Topics under the scale's own root other than its two, and other roots.
FORBIDDEN_TOPICS = ("zw/scales/{me}/weighin/x", "zw/scales/{me}/status/x", "zw/scales/{me}/x",
                    "zw/scales/{me}", "zw/scales/{other}/weighin", "zw/scales/{other}/status",
                    "zw/ingest/status", "zw/other", "$CONTROL/dynamic-security/v1")


@pytest.fixture(scope="module")
def pair(mosquitto_session):
    me, other = (f"sec-{uuid.uuid4().hex[:8]}" for _ in range(2))
    return me, mosquitto_session.add_scale(me), other, mosquitto_session.add_scale(other)


@pytest.mark.parametrize("stolen", STOLEN_IDS)
@pytest.mark.parametrize("protocol", [MQTTv311, MQTTv5])
def test_a_scale_cannot_connect_with_an_id_not_its_own(mosquitto_session, mqtt_probe, pair,
                                                       stolen, protocol):
    me, password, other, _ = pair
    probe = mqtt_probe(mosquitto_session, me, password, client_id=stolen.format(other=other),
                       protocol=protocol)
    assert probe.connack.is_failure and not probe.connected


@pytest.mark.parametrize("topic", FORBIDDEN_TOPICS)
def test_a_scale_publishes_nothing_outside_its_two_topics(mosquitto_session, mqtt_probe, pair,
                                                          topic):
    me, password, other, _ = pair
    scale = mqtt_probe(mosquitto_session, me, password, protocol=MQTTv5)
    for retain in (False, True):
        reason = scale.publish(topic.format(me=me, other=other), b"x", retain=retain)
        assert str(reason) == "Not authorized", (topic, retain)
