"""Theengs decoder / OpenMQTTGateway BLE scales: ``home/OpenMQTTGateway/BTtoMQTT/<MAC>``.

Decoded by Theengs (e.g. XMTZC01HM/XMTZC04HM "Mi Smart Scale", XMTZC02HM/XMTZC05HM
"Mi Body Composition Scale")::

    {"id":"C8:47:8C:..","rssi":-70,"brand":"Xiaomi","model":"Mi Smart Scale",
     "model_id":"XMTZC01HM/XMTZC04HM","type":"SCALE","weighing_mode":"object",
     "unit":"kg","weight":9.55}

The decoders only emit stabilised weights, in ``unit`` (kg, lb, or ``lbs`` on the body
composition scale). ``weighing_mode`` is ``person`` or ``object``: only objects are waste.
The scale advertises the same weighing many times: repeats are filtered downstream.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from firmware_bridge.adapters.base import (AdapterError, Sample, decode_json, to_decimal,
                                           unit_factor)

log = logging.getLogger(__name__)

ACCEPTED_MODES = ("object",)


@dataclass
class TheengsAdapter:
    """Read finished weighings from Theengs / OpenMQTTGateway BLE scale messages."""

    mac: str | None = None  # only this scale (the topic usually says it already)
    default_unit: str = "kg"
    kind: str = "theengs"
    settled: bool = True

    def parse(self, topic: str, payload: Any, received_at: datetime) -> list[Sample]:
        """Return the object weighing of one message ([] for persons and other devices)."""
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
            log.debug("%s: ignoring a %s weighing", topic, mode)
            return []
        unit = data.get("unit") or self.default_unit
        grams = to_decimal(data["weight"], "weight") * unit_factor(str(unit))
        battery = data.get("batt")
        battery_pct = None
        if battery is not None:
            try:
                battery_pct = max(0.0, min(100.0, float(to_decimal(battery, "batt"))))
            except AdapterError:
                battery_pct = None
        return [Sample(ts=received_at, grams=float(grams), battery_pct=battery_pct)]

    def default_device_id(self, topic: str) -> str:
        """``.../BTtoMQTT/C8:47:8C:01:02:03`` -> ``C8478C010203``."""
        return topic.rsplit("/", 1)[-1].replace(":", "").upper() or topic
