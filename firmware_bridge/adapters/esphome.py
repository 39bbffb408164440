"""ESPHome: ``<node>/sensor/<object_id>/state`` carrying a plain number, no timestamp.

An ``hx711`` sensor without filters publishes raw ADC counts; with ``calibrate_linear``
it publishes whatever unit the calibration maps to. The bridge is told which: ``unit``
(g, kg, lb or raw) and optionally its own linear calibration, applied first.

A node publishes its other sensors beside the weight (``wifi_signal``, ``uptime``, ...) and
its ``<node>/status`` (``online``/``offline``): only one sensor feeds the detector, the one
named by ``object_id``; without it, a guess that is logged: the first sensor whose object id
is not a diagnostic one (``OTHER_WORDS``: ``wifi_signal``, ``uptime``...), replaced once by a
sensor named like a weight (``WEIGHT_WORDS``: ``poids``, ``weight``, ``hx711``...) if one
comes later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

import logging

from firmware_bridge.adapters.base import (Sample, decode_text, is_unavailable, to_decimal,
                                           unit_factor)

log = logging.getLogger(__name__)

UNITS = ("g", "kg", "lb", "raw")
# What a weight sensor is usually called; a sensor so named wins over a first guess.
WEIGHT_WORDS = ("weight", "poids", "hx711", "scale", "balance", "load", "masse", "gewicht",
                "peso", "poubelle", "bin")
# What the diagnostic sensors of a node are called (ESPHome's wifi_signal, uptime, ...).
OTHER_WORDS = ("wifi", "signal", "rssi", "uptime", "temperature", "humidity", "voltage",
               "battery", "heap", "dbm", "version", "free", "loop")


@dataclass(frozen=True)
class LinearCalibration:
    """``truth = slope * measured + intercept``."""

    slope: float
    intercept: float = 0.0

    @classmethod
    def from_scale_offset(cls, scale: float, offset: float = 0.0) -> "LinearCalibration":
        """HX711 library convention: ``value = (raw - offset) / scale``."""
        if scale == 0:
            raise ValueError("scale must not be 0")
        return cls(slope=1.0 / scale, intercept=-offset / scale)

    @classmethod
    def from_points(cls, points: Sequence[tuple[float, float]]) -> "LinearCalibration":
        """Least-squares line through (measured, truth) points, like ESPHome's calibrate_linear."""
        if len(points) < 2:
            raise ValueError("calibration needs at least two points")
        n = len(points)
        mx = sum(p[0] for p in points) / n
        my = sum(p[1] for p in points) / n
        sxx = sum((p[0] - mx) ** 2 for p in points)
        if sxx == 0:
            raise ValueError("calibration points need two different measured values")
        slope = sum((p[0] - mx) * (p[1] - my) for p in points) / sxx
        return cls(slope=slope, intercept=my - slope * mx)

    def apply(self, value: float) -> float:
        """Map a measured value to the calibrated one."""
        return self.slope * value + self.intercept


_POINT = re.compile(r"^\s*(-?[\d.eE+-]+)\s*(?:->|:)\s*(-?[\d.eE+-]+)\s*$")


def parse_points(text: str) -> list[tuple[float, float]]:
    """Parse ``"-481989 -> 0, -1478338 -> 1000"`` (``:`` works too) into points."""
    points = []
    for part in re.split(r"[,;\n]", text):
        if not part.strip():
            continue
        match = _POINT.match(part)
        if not match:
            raise ValueError("bad calibration point %r (expected MEASURED -> TRUTH)" % part.strip())
        points.append((float(match.group(1)), float(match.group(2))))
    return points


@dataclass
class EsphomeAdapter:
    """Read an ESPHome sensor state as grams, time = receive time."""

    unit: str = "g"
    calibration: LinearCalibration | None = None
    object_id: str | None = None  # the weight sensor; None: guessed (see module docstring)
    kind: str = "esphome"
    settled: bool = False
    self_settling: bool = False
    _seen: set = field(default_factory=set, init=False, repr=False)
    configured: bool = field(default=False, init=False)
    _factor: Decimal = field(default=Decimal(1), init=False, repr=False)

    def __post_init__(self) -> None:
        self.unit = self.unit.strip().lower()
        if self.unit not in UNITS:
            raise ValueError("unit must be one of %s, got %r" % (", ".join(UNITS), self.unit))
        if self.unit == "raw" and self.calibration is None:
            raise ValueError("unit 'raw' needs a calibration (scale/offset or points) to grams")
        # raw + calibration: the calibration maps ADC counts straight to grams
        self._factor = Decimal(1) if self.unit == "raw" else unit_factor(self.unit)
        self.configured = self.object_id is not None

    def parse(self, topic: str, payload: Any, received_at: datetime) -> list[Sample]:
        """Return the sensor value as one sample ([] for non-state topics or NaN)."""
        if not topic.endswith("/state") or "/sensor/" not in topic:
            return []
        if not self._is_weight_sensor(topic.rsplit("/", 2)[-2]):
            return []
        text = decode_text(payload)
        if is_unavailable(text):
            return []
        value = float(to_decimal(text, "state"))
        if self.calibration is not None:
            value = self.calibration.apply(value)
        return [Sample(ts=received_at, grams=value * float(self._factor))]

    def _is_weight_sensor(self, object_id: str) -> bool:
        """Is this sensor the weight? Configured, else guessed from the names seen."""
        if not self.configured:
            guess = self.object_id
            weighty = any(word in object_id.lower() for word in WEIGHT_WORDS)
            if (guess is None and not any(w in object_id.lower() for w in OTHER_WORDS)) or (
                    weighty and guess is not None and guess != object_id
                    and not any(word in guess.lower() for word in WEIGHT_WORDS)):
                self.object_id = object_id
                log.info("ESPHome: reading the weight from sensor %r (set the sensor's object "
                         "id to choose another)", object_id)
        if object_id != self.object_id and object_id not in self._seen:
            self._seen.add(object_id)
            log.debug("ESPHome: sensor %r ignored (the weight is %r)", object_id, self.object_id)
        return object_id == self.object_id

    def default_device_id(self, topic: str) -> str:
        """``<node>/sensor/<object_id>/state`` (or ``<node>/status``) -> ``<node>``."""
        prefix = topic.split("/sensor/")[0] if "/sensor/" in topic else topic
        if prefix.endswith("/status"):
            prefix = prefix[:-len("/status")]
        return prefix.replace("/", "-") or topic
