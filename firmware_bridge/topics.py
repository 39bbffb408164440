"""MQTT topics, payload limits and defaults shared by the bridge and the ingest service.

Dependency-free on purpose (stdlib only, no imports at all beyond typing): the ingest
service imports these constants too, and the bridge must run with only paho-mqtt.
"""

from __future__ import annotations

# Canonical topics (DESIGN.md, "MQTT").
TOPIC_ROOT = "zw/scales"
WEIGHIN_TOPIC = TOPIC_ROOT + "/{device_id}/weighin"
STATUS_TOPIC = TOPIC_ROOT + "/{device_id}/status"
WEIGHIN_SUBSCRIPTION = TOPIC_ROOT + "/+/weighin"
STATUS_SUBSCRIPTION = TOPIC_ROOT + "/+/status"

WEIGHIN_QOS = 1
STATUS_QOS = 1
STATUS_RETAIN = True
STATUS_ONLINE = "online"
STATUS_OFFLINE = "offline"

# Canonical payload fields and limits.
FIELD_SEQ = "seq"
FIELD_TS = "ts"
FIELD_WEIGHT_G = "weight_g"
FIELD_STREAM = "stream"
FIELD_BATTERY_PCT = "battery_pct"
PAYLOAD_FIELDS = (FIELD_SEQ, FIELD_TS, FIELD_WEIGHT_G, FIELD_STREAM, FIELD_BATTERY_PCT)
WEIGHT_G_MIN_EXCLUSIVE = 0
WEIGHT_G_MAX = 50_000
BATTERY_PCT_MIN = 0
BATTERY_PCT_MAX = 100
SEQ_MIN = 1

STANDARD_STREAMS = ("residual", "packaging", "glass", "biowaste")
EXTRA_STREAMS = ("paper", "textile", "bulky")

# Broker and time defaults.
DEFAULT_MQTT_HOST = "localhost"
DEFAULT_MQTT_PORT = 1883
DEFAULT_MQTT_TLS_PORT = 8883
DEFAULT_KEEPALIVE_S = 60
DEFAULT_TIMEZONE = "Europe/Paris"
RECONNECT_MIN_DELAY_S = 1
RECONNECT_MAX_DELAY_S = 120

# Native firmware topics (what the bridge subscribes to), with {placeholders}.
TASMOTA_SENSOR_TOPIC = "tele/{topic}/SENSOR"
ESPHOME_STATE_TOPIC = "{node}/sensor/{object_id}/state"
# <gateway>: OpenMQTTGateway (default), an OpenMQTTGateway image's name (OMG_ESP32_BLE...),
# TheengsGateway (Theengs Gateway's default publish_topic home/TheengsGateway/BTtoMQTT).
THEENGS_BT_TOPIC = "home/{gateway}/BTtoMQTT/{mac}"
FIRMWARE_KINDS = ("tasmota", "esphome", "theengs")


def weighin_topic(device_id: str) -> str:
    """Return the canonical weigh-in topic of a device."""
    _check_device_id(device_id)
    return WEIGHIN_TOPIC.format(device_id=device_id)


def status_topic(device_id: str) -> str:
    """Return the retained online/offline status topic of a device."""
    _check_device_id(device_id)
    return STATUS_TOPIC.format(device_id=device_id)


def device_id_from_topic(topic: str) -> str | None:
    """Return the device id of a canonical ``zw/scales/<id>/...`` topic, else None."""
    parts = topic.split("/")
    if len(parts) == 4 and "/".join(parts[:2]) == TOPIC_ROOT and parts[2]:
        return parts[2]
    return None


def _check_device_id(device_id: str) -> None:
    if not device_id or any(c in device_id for c in "/+#\x00"):
        raise ValueError("invalid device id %r" % (device_id,))
