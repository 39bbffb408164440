"""Tasmota HX711 (driver xsns_34): ``tele/<topic>/SENSOR``.

Shape, from the driver's ``HxShow``::

    {"Time":"2026-03-14T08:21:05","HX711":{"Weight":1.234,"WeightRaw":1240,"AbsRaw":110004}}

``Weight`` is in kg, printed with ``WeightRes`` decimals (default 0: whole kg!), clamped
at 0; ``Count`` appears when an item weight is set. ``Time`` is local time without an
offset unless ``TimeStamp``/SetOption52 adds one. With ``Sensor34 8 1`` a message is
also sent each time the weight changed and settled (the driver publishes when two
consecutive one-second averages differ by less than the ``Sensor34 9`` delta, 4 g by
default): each message is already a stable value, so ``self_settling``. Otherwise only
every ``TelePeriod``.

Only the sensor named ``sensor_key`` (default ``HX711``) is read: a SENSOR message may carry
other sensors (DS18B20, ...) and the ``STATE``/``LWT``/``INFO`` topics carry none. The
full topic may be in another order (``FullTopic home/%topic%/%prefix%/`` gives
``home/<name>/tele/SENSOR``): the device id is the part beside ``tele``.

Tasmota's BLE drivers (MI32 on ESP32, HM-10) report a Xiaomi Mi scale in the same SENSOR
message, under a key such as ``MSCALE2-a1b2c3``::

    {"Time":"...","MSCALE2-a1b2c3":{"wgh_removed":0,"wgh_stabilized":1,"wgh_unit":"kg",
     "Weight":9.55,"dtime":"14/03/2026 08:21:05","RSSI":-70}}

(``weight_removed``/``stabilized``/``weight_unit`` in other versions): finished weighings,
read when stabilised, in their unit, with the removal flag for the repeat filter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from firmware_bridge import topics
from firmware_bridge.adapters.base import (AdapterError, Sample, decode_json, is_unavailable,
                                           to_decimal, unit_factor)

log = logging.getLogger(__name__)

SENSOR_KEY = "HX711"
MI_SCALE_PREFIXES = ("MSCALE", "MI_SCALE", "MISCALE")
MI_UNIT_KEYS = ("wgh_unit", "weight_unit")
MI_STABLE_KEYS = ("wgh_stabilized", "stabilized", "weight_stabilized")
MI_REMOVED_KEYS = ("wgh_removed", "weight_removed")
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
    sensor_key: str | None = None  # None: HX711, or a Mi scale key (MSCALE2-...)
    kind: str = "tasmota"
    settled: bool = False
    self_settling: bool = True
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
        key = self._key(data)
        if key is None:
            return []  # telemetry of other sensors only
        hx = data[key]
        if isinstance(hx, list):  # defensive: several HX711 would come as a list
            if not hx:
                return []
            log.debug("%s: several %s entries, using the first", topic, key)
            hx = hx[0]
        if not isinstance(hx, dict) or WEIGHT_KEY not in hx:
            raise AdapterError("%s object without Weight" % key)
        weight = hx[WEIGHT_KEY]
        if isinstance(weight, list):
            if not weight:
                raise AdapterError("empty Weight list")
            weight = weight[0]
        if is_unavailable(weight):
            return []
        ts = self._timestamp(data.get(TIME_KEY), received_at, topic)
        if key.upper().startswith(MI_SCALE_PREFIXES):
            return self._mi_scale(hx, weight, ts)
        kg = to_decimal(weight, "Weight")
        self._watch_resolution(topic, weight, kg)
        return [Sample(ts=ts, grams=float(kg * 1000))]

    def _key(self, data: dict) -> str | None:
        """The key of the weight sensor in a SENSOR message, None when it is not there."""
        if self.sensor_key:
            return self.sensor_key if self.sensor_key in data else None
        if SENSOR_KEY in data:
            return SENSOR_KEY
        return next((k for k in data if k.upper().startswith(MI_SCALE_PREFIXES)), None)

    def _mi_scale(self, hx: dict, weight: Any, ts: datetime) -> list[Sample]:
        """A Mi scale weighing from Tasmota's BLE driver: only stabilised ones count."""
        stable = _first(hx, MI_STABLE_KEYS)
        if stable is not None and not _truthy(stable):
            return []  # a live value while the scale is still moving
        unit = _first(hx, MI_UNIT_KEYS) or "kg"
        grams = to_decimal(weight, "Weight") * unit_factor(str(unit))
        removed = _first(hx, MI_REMOVED_KEYS)
        return [Sample(ts=ts, grams=float(grams), settled=True,
                       removed=None if removed is None else _truthy(removed))]

    def default_device_id(self, topic: str) -> str:
        """``tele/<topic>/SENSOR`` (or ``home/<topic>/tele/SENSOR``) -> ``<topic>``."""
        parts = [p for p in topic.split("/")[:-1] if p]
        named = [p for p in parts if p != "tele"]
        return named[-1] if named and len(parts) >= 2 else topic.replace("/", "-")

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


def _first(values: dict, keys: tuple[str, ...]) -> Any:
    return next((values[k] for k in keys if k in values), None)


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "on", "yes")
