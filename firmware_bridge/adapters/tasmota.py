"""Tasmota HX711 (driver xsns_34): ``tele/<topic>/SENSOR``.

Shape, from the driver's ``HxShow``::

    {"Time":"2026-03-14T08:21:05","HX711":{"Weight":1.234,"WeightRaw":1240,"AbsRaw":110004}}

``Weight`` is in kg, printed with ``WeightRes`` decimals (default 0: whole kg!), clamped
at 0; ``Count`` appears when an item weight is set. ``Time`` is local time without an
offset unless ``TimeStamp``/SetOption52 adds one. With ``Sensor34 8 1`` a message is
also sent each time the weight changed and settled; otherwise only every ``TelePeriod``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from firmware_bridge import topics
from firmware_bridge.adapters.base import AdapterError, Sample, decode_json, to_decimal

log = logging.getLogger(__name__)

SENSOR_KEY = "HX711"
WEIGHT_KEY = "Weight"
TIME_KEY = "Time"
# Devices without NTP report 1970 dates: such a time is not trusted.
MIN_TRUSTED_YEAR = 2020
# This many whole-kg weights in a row means WeightRes is 0.
INTEGRAL_WINDOW = 5


@dataclass
class TasmotaAdapter:
    """Read HX711 weights from Tasmota SENSOR telemetry."""

    tz: str = topics.DEFAULT_TIMEZONE
    kind: str = "tasmota"
    settled: bool = False
    tared: bool = True  # Tasmota tares at boot and clamps at 0: the empty scale reads 0
    integral_window: int = INTEGRAL_WINDOW
    _integral_run: int = field(default=0, init=False)
    warned_weight_res: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self._zone = ZoneInfo(self.tz)

    def parse(self, topic: str, payload: Any, received_at: datetime) -> list[Sample]:
        """Return the HX711 weight of a SENSOR message ([] for other messages)."""
        if not topic.endswith("/SENSOR"):
            return []
        data = decode_json(payload)
        if not isinstance(data, dict):
            raise AdapterError("SENSOR payload is not a JSON object")
        hx = data.get(SENSOR_KEY)
        if hx is None:
            return []  # telemetry of other sensors only
        if isinstance(hx, list):  # defensive: several HX711 would come as a list
            if not hx:
                return []
            log.debug("%s: several HX711 entries, using the first", topic)
            hx = hx[0]
        if not isinstance(hx, dict) or WEIGHT_KEY not in hx:
            raise AdapterError("HX711 object without Weight")
        weight = hx[WEIGHT_KEY]
        if isinstance(weight, list):
            if not weight:
                raise AdapterError("empty Weight list")
            weight = weight[0]
        kg = to_decimal(weight, "Weight")
        self._watch_resolution(topic, weight, kg)
        ts = self._timestamp(data.get(TIME_KEY), received_at, topic)
        return [Sample(ts=ts, grams=float(kg * 1000))]

    def default_device_id(self, topic: str) -> str:
        """``tele/<topic>/SENSOR`` -> ``<topic>``."""
        parts = topic.split("/")
        return parts[-2] if len(parts) >= 3 else topic.replace("/", "-")

    def _timestamp(self, value: Any, received_at: datetime, topic: str) -> datetime:
        if value is None:
            return received_at
        if not isinstance(value, str):
            raise AdapterError("Time is not a string: %r" % (value,))
        try:
            ts = datetime.fromisoformat(value)
        except ValueError:
            raise AdapterError("Time %r is not ISO 8601" % value) from None
        if ts.year < MIN_TRUSTED_YEAR:
            log.warning("%s: device clock not set (Time %s); using the receive time", topic, value)
            return received_at
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=self._zone)  # local wall time of the configured zone
        return ts

    def _watch_resolution(self, topic: str, raw: Any, kg: Decimal) -> None:
        """Warn once when weights keep arriving as whole kilograms (``WeightRes 0``)."""
        if isinstance(raw, int) or (isinstance(raw, Decimal) and kg.as_tuple().exponent >= 0) \
                or (isinstance(raw, float) and raw.is_integer() and raw != 0):
            self._integral_run += 1
        else:
            self._integral_run = 0
        if self._integral_run >= self.integral_window and not self.warned_weight_res:
            self.warned_weight_res = True
            log.warning("%s: the last %d weights were whole kilograms: Tasmota's WeightRes is "
                        "probably 0; run the Tasmota command 'WeightRes 3' for grams",
                        topic, self._integral_run)
