"""Theengs decoder BLE scales: ``home/<gateway>/BTtoMQTT/<MAC>``.

The gateway part is ``OpenMQTTGateway`` by default, the name of the image for prebuilt
OpenMQTTGateway firmwares (``OMG_ESP32_BLE``, ...), ``TheengsGateway`` for Theengs Gateway;
the gateways' own ``home/<gateway>/LWT`` (``online``/``offline``) and other topics are
ignored.

Decoded by Theengs (e.g. XMTZC01HM/XMTZC04HM "Mi Smart Scale", XMTZC02HM/XMTZC05HM
"Mi Body Composition Scale")::

    {"id":"C8:47:8C:..","rssi":-70,"brand":"Xiaomi","model":"Mi Smart Scale",
     "model_id":"XMTZC01HM/XMTZC04HM","type":"SCALE","weighing_mode":"object",
     "unit":"kg","weight":9.55}

The Mi scale decoders only emit stabilised weights, in ``unit`` (kg, lb, or ``lbs`` on the
body composition scale), and the same JSON again while the scale rebroadcasts the weighing
(about 20 minutes, "weight removed" or not): repeats are filtered downstream.
``weighing_mode`` is ``person`` or ``object``: only objects are waste; ``person`` means the
scale's small-object setting is off, which is worth a warning the first time.

Other scales have no ``unit`` field: their unit is the decoder's (``MODEL_UNITS``; the Atomax
Skale reports grams). The Skale streams live values, not finished weighings: its samples
go through the weigh-event detector (``LIVE_MODELS``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from firmware_bridge.adapters.base import (AdapterError, Sample, decode_json, is_unavailable,
                                           to_decimal, unit_factor)

log = logging.getLogger(__name__)

ACCEPTED_MODES = ("object",)
TOPIC_PART = "BTtoMQTT"  # a topic level: .../BTtoMQTT/<MAC>, or .../BTtoMQTT alone
MODEL_UNITS = {"SKALE": "g"}  # model_id -> unit, from theengs/decoder's device properties
LIVE_MODELS = {"SKALE"}  # model_ids that stream live values


@dataclass
class TheengsAdapter:
    """Read finished weighings from Theengs / OpenMQTTGateway BLE scale messages."""

    mac: str | None = None  # only this scale (the topic usually says it already)
    default_unit: str = "kg"
    kind: str = "theengs"
    settled: bool = True
    self_settling: bool = False
    warned_person: bool = False

    def parse(self, topic: str, payload: Any, received_at: datetime) -> list[Sample]:
        """Return the object weighing of one message ([] for persons and other devices)."""
        if TOPIC_PART not in topic.split("/"):
            return []  # the gateway's LWT, status or commands
        data = decode_json(payload)
        if not isinstance(data, dict):
            raise AdapterError("BLE payload is not a JSON object")
        if self.mac and str(data.get("id", self.mac)).upper() != self.mac.upper():
            return []
        if "weight" not in data:
            return []  # an advertisement without a weighing (or another device)
        kind = data.get("type")
        if kind is not None and str(kind).upper() != "SCALE":
            return []
        mode = data.get("weighing_mode")
        if mode is not None and mode not in ACCEPTED_MODES:
            self._person(topic, mode)
            return []
        if is_unavailable(data["weight"]):
            return []
        model = str(data.get("model_id", "")).upper()
        unit = data.get("unit") or MODEL_UNITS.get(model) or self.default_unit
        grams = to_decimal(data["weight"], "weight") * unit_factor(str(unit))
        battery = data.get("batt")
        battery_pct = None
        if battery is not None:
            try:
                battery_pct = max(0.0, min(100.0, float(to_decimal(battery, "batt"))))
            except AdapterError:
                battery_pct = None
        return [Sample(ts=received_at, grams=float(grams), battery_pct=battery_pct,
                       settled=model not in LIVE_MODELS)]

    def _person(self, topic: str, mode: Any) -> None:
        if self.warned_person or mode != "person":
            log.debug("%s: ignoring a %s weighing", topic, mode)
            return
        self.warned_person = True
        log.warning("%s: the scale reports 'person' weighings, which are ignored: switch on "
                    "its small-object weighing (Mi Fit / Zepp Life app, scale settings) so "
                    "that bins arrive as 'object'", topic)

    def default_device_id(self, topic: str) -> str:
        """``.../BTtoMQTT/C8:47:8C:01:02:03`` -> ``C8478C010203``."""
        return topic.rsplit("/", 1)[-1].replace(":", "").upper() or topic
