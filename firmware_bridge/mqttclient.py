"""One MQTT client factory and one bad-credentials policy, for the bridge and the ingest.

Every MQTT client of the project is built here (a scale's link, the bridge's source and
record clients, the ingest's subscriber and its session clean-up), and every CONNACK refusal is
judged here: `fatal_reason` names the refusals that retrying cannot fix (wrong user name or
password, not authorised, a client id the broker refuses, banned), after which a client stops
and says why instead of hammering the broker.

Why in firmware_bridge: the bridge runs on an edge box with paho-mqtt only, so it may import
nothing of the tracker or the ingest; the ingest already depends on firmware_bridge's
dependency-free modules (ingest/topics.py imports firmware_bridge.topics). This module imports
only paho and the standard library (tests/bridge/test_cli.py checks the bridge's imports), so
it sits at the bottom of the MQTT stack where both can use it without a sideways import.
"""
from __future__ import annotations

import ssl
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from firmware_bridge import topics

#: CONNACK reasons that retrying cannot fix (MQTT 5 codes; paho maps MQTT 3.1.1's 2, 4 and 5
#: onto 133, 134 and 135).
FATAL_CONNACK = {
    133: "client identifier not valid",
    134: "bad user name or password",
    135: "not authorized",
    138: "banned",
}


def fatal_reason(reason_code: Any) -> str | None:
    """The reason to stop retrying, for a refused CONNACK; None when a retry may work."""
    value = getattr(reason_code, "value", reason_code)
    return FATAL_CONNACK.get(value) if isinstance(value, int) else None


def new_client(client_id: str, *, username: str | None = None, password: str | None = None,
               tls: bool = False, ca_certs: str | None = None, clean_session: bool = True,
               reconnect: tuple[float, float] = (topics.RECONNECT_MIN_DELAY_S,
                                                 topics.RECONNECT_MAX_DELAY_S),
               protocol: int = mqtt.MQTTv311) -> mqtt.Client:
    """A paho 2.x client (callback API v2; MQTT 3.1.1 unless MQTTv5 is asked, as the broker's
    admin API needs), TLS verified when asked, with the reconnect backoff set."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol,
                         # MQTT 5 has no clean session flag (clean start is set at connect)
                         clean_session=None if protocol == mqtt.MQTTv5 else clean_session)
    if username:
        client.username_pw_set(username, password)
    if tls:
        client.tls_set(ca_certs=ca_certs, cert_reqs=ssl.CERT_REQUIRED)
    client.reconnect_delay_set(*reconnect)
    return client
