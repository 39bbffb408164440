"""Ready-to-paste settings of a newly paired scale, one text per firmware.

Staff pair a scale on the Balances page and get its secret once: these texts carry it into the
scale (canonical firmware), or into the firmware bridge that translates Tasmota, ESPHome and
Theengs messages (docs/firmware.md). Firmwares other than canonical publish to a broker on the
home network (the bridge's source); only the bridge holds the tracker credentials, so the
firmware settings name that local broker with a placeholder staff replace.

Pure functions of their arguments: no Flask, no database, nothing logged (the secret is in
every text).
"""
from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from firmware_bridge.topics import STATUS_TOPIC, WEIGHIN_QOS, WEIGHIN_TOPIC

#: Stands for the home broker the firmware publishes to and the bridge reads from.
LOCAL_BROKER = "ADRESSE-DU-BROKER-LOCAL"
EXAMPLE_TS = "2026-03-14T08:21:05+01:00"


@dataclass(frozen=True)
class ScaleSettings:
    """What a scale or its bridge needs to publish to the tracker's broker."""

    device_id: str
    secret: str
    stream: str
    firmware: str
    host: str
    port: int
    tls: bool = False

    @property
    def weighin_topic(self) -> str:
        return WEIGHIN_TOPIC.format(device_id=self.device_id)

    @property
    def status_topic(self) -> str:
        return STATUS_TOPIC.format(device_id=self.device_id)

    @property
    def node_name(self) -> str:
        """The firmware's own name for the scale (Tasmota Topic, ESPHome node)."""
        return "balance-" + self.device_id.lower().replace("_", "-").replace(".", "-")


def payload_example(s: ScaleSettings) -> str:
    """One canonical reading (shared/DESIGN.md, MQTT)."""
    return json.dumps({"seq": 1, "ts": EXAMPLE_TS, "weight_g": 1234, "stream": s.stream})


def mosquitto_pub_line(s: ScaleSettings) -> str:
    """A command that sends one test reading with the scale's credentials."""
    words = ["mosquitto_pub", "-h", s.host, "-p", str(s.port), "-i", s.device_id,
             "-u", s.device_id, "-P", s.secret, "-q", str(WEIGHIN_QOS),
             "-t", s.weighin_topic, "-m", payload_example(s)]
    if s.tls:
        words.insert(5, "--tls-use-os-certs")
    return shlex.join(words)


def canonical(s: ScaleSettings) -> str:
    """The settings of a scale that speaks the canonical format itself."""
    return "\n".join([
        f"host: {s.host}", f"port: {s.port}", f"tls: {'true' if s.tls else 'false'}",
        f"client id / username: {s.device_id}", f"password: {s.secret}",
        f"topic (QoS {WEIGHIN_QOS}): {s.weighin_topic}",
        f"status (retained, last will 'offline'): {s.status_topic}",
        f"payload: {payload_example(s)}"])


def bridge_broker_section(s: ScaleSettings) -> str:
    """The bridge's [broker] section: the local broker in, the tracker's broker out."""
    lines = ["[broker]", f"source_host = {LOCAL_BROKER}", "source_port = 1883",
             f"tracker_host = {s.host}", f"tracker_port = {s.port}"]
    if s.tls:
        lines.append("tracker_tls = true")
    lines.append("timezone = Europe/Paris")
    return "\n".join(lines)


def bridge_scale_section(s: ScaleSettings, **keys: str) -> str:
    """The bridge's section for this scale (firmware, source, credentials, bin)."""
    lines = [f"[{s.node_name}]", f"firmware = {s.firmware}"]
    lines += [f"{key} = {value}" for key, value in keys.items()]
    lines += [f"device_id = {s.device_id}", f"password = {s.secret}", f"stream = {s.stream}"]
    return "\n".join(lines)


def bridge_config(s: ScaleSettings, **keys: str) -> str:
    """A whole bridge INI file for one scale (docs/firmware.md, section 3)."""
    return bridge_broker_section(s) + "\n\n" + bridge_scale_section(s, **keys) + "\n"


def tasmota_console(s: ScaleSettings) -> str:
    """Tasmota console commands (HX711 driver Sensor34) publishing to the local broker."""
    return "\n".join([
        f"MqttHost {LOCAL_BROKER}", "MqttUser UTILISATEUR-DU-BROKER-LOCAL",
        "MqttPassword MOT-DE-PASSE-DU-BROKER-LOCAL", f"Topic {s.node_name}",
        "WeightRes 3", "Sensor34 8 1", "Sensor34 9 11", "TelePeriod 300", "Timezone 99"])


def tasmota_bridge(s: ScaleSettings) -> str:
    return bridge_config(s, source_topic=f"tele/{s.node_name}/SENSOR")


def esphome_yaml(s: ScaleSettings) -> str:
    """An ESPHome node with an hx711 weight sensor in kg, publishing to the local broker."""
    return f"""esphome:
  name: {s.node_name}

mqtt:
  broker: {LOCAL_BROKER}
  username: UTILISATEUR-DU-BROKER-LOCAL
  password: !secret mqtt_password

sensor:
  - platform: hx711
    name: "Poids"
    id: poids
    dout_pin: GPIO4
    clk_pin: GPIO5
    gain: 128
    update_interval: 1s
    unit_of_measurement: kg
    accuracy_decimals: 3
    filters:
      - median:
          window_size: 3
          send_every: 1
      - calibrate_linear:
          method: least_squares
          datapoints:
            - -481989 -> 0       # raw value of the empty scale (measure yours)
            - -1478338 -> 1      # raw value with a 1 kg reference
"""


def esphome_bridge(s: ScaleSettings) -> str:
    return bridge_config(s, source_topic=f"{s.node_name}/#", sensor="poids", unit="kg")


def theengs_bridge(s: ScaleSettings) -> str:
    return bridge_config(s, mac="C8:47:8C:00:00:00")


def qr_text(s: ScaleSettings) -> str:
    """The settings a phone or a set-up tool reads from the QR code (JSON)."""
    return json.dumps({"host": s.host, "port": s.port, "tls": s.tls, "client_id": s.device_id,
                       "username": s.device_id, "password": s.secret,
                       "topic": s.weighin_topic, "stream": s.stream, "firmware": s.firmware},
                      separators=(",", ":"))


def blocks(s: ScaleSettings) -> dict[str, str]:
    """Every text of the pairing page by key (template chooses titles and order)."""
    return {"canonical": canonical(s), "mosquitto_pub": mosquitto_pub_line(s),
            "payload": payload_example(s), "tasmota": tasmota_console(s),
            "tasmota_bridge": tasmota_bridge(s), "esphome": esphome_yaml(s),
            "esphome_bridge": esphome_bridge(s), "theengs_bridge": theengs_bridge(s)}
