"""What every firmware adapter shares: the sample type, errors, payload decoding, units."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

GRAMS_PER_UNIT = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "lb": Decimal("453.59237"),
    "lbs": Decimal("453.59237"),
    "jin": Decimal(500),  # Chinese catty, a unit some BLE scales offer
}


# Values firmwares publish when a sensor has no reading (ESPHome "nan", Python-ish "None").
UNAVAILABLE = {"", "nan", "-nan", "unknown", "unavailable", "none", "null"}
# No scale weighs 10 tonnes: larger numbers are garbage, not weights (1e400 included).
MAX_MAGNITUDE = Decimal(10_000_000)


class AdapterError(ValueError):
    """A native message this adapter cannot read (malformed, wrong shape, bad unit)."""


@dataclass(frozen=True)
class Sample:
    """One raw weight from a firmware: aware time, weight in grams, optional battery."""

    ts: datetime
    grams: float
    battery_pct: float | None = None
    settled: bool | None = None  # a finished weighing (None: as the adapter says)
    removed: bool | None = None  # the firmware says the weight was taken off (BLE scales)


class Adapter(Protocol):
    """Turns one native MQTT message into zero or more samples."""

    kind: str
    settled: bool  # True: each sample is a finished weighing (no detection, only repeats)
    self_settling: bool  # True: the firmware only publishes values it found stable

    def parse(self, topic: str, payload: Any, received_at: datetime) -> list[Sample]:
        """Return the samples of one message ([] for messages that carry no weight)."""

    def default_device_id(self, topic: str) -> str:
        """Return a device id derived from the native topic (translate without --device-id)."""


def decode_json(payload: Any) -> Any:
    """Decode a payload given as bytes, text or an already decoded JSON value.

    Decimal numbers are kept as ``Decimal`` so that ``1`` and ``1.000`` stay distinct
    (Tasmota's ``WeightRes`` shows in how many decimals it prints).
    """
    if isinstance(payload, (bytes, bytearray)):
        try:
            payload = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise AdapterError("payload is not UTF-8") from None
    if isinstance(payload, str):
        try:
            return json.loads(payload, parse_float=Decimal)
        except ValueError as exc:
            raise AdapterError("payload is not JSON: %s" % exc) from None
    return payload


def decode_text(payload: Any) -> str:
    """Decode a plain-text payload (bytes or text; a JSON number is accepted too)."""
    if isinstance(payload, (bytes, bytearray)):
        try:
            return payload.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise AdapterError("payload is not UTF-8") from None
    if isinstance(payload, (int, float, Decimal)) and not isinstance(payload, bool):
        return str(payload)
    if isinstance(payload, str):
        return payload.strip()
    raise AdapterError("expected a plain number, got %s" % type(payload).__name__)


def to_decimal(value: Any, what: str) -> Decimal:
    """Convert a JSON number (int, float, Decimal or numeric string) to Decimal."""
    if isinstance(value, bool) or value is None:
        raise AdapterError("%s is not a number: %r" % (what, value))
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise AdapterError("%s is not a number: %r" % (what, value)) from None
    if not number.is_finite():
        raise AdapterError("%s is not finite: %r" % (what, value))
    if abs(number) > MAX_MAGNITUDE:
        raise AdapterError("%s is not a plausible weight: %r" % (what, value))
    return number


def is_unavailable(value: Any) -> bool:
    """A value a firmware sends for 'no reading' (``nan``, ``None``, ``null``, ``unknown``)."""
    if value is None:
        return True
    if isinstance(value, (float, Decimal)) and value != value:  # NaN
        return True
    return isinstance(value, str) and value.strip().lower() in UNAVAILABLE


def unit_factor(unit: str) -> Decimal:
    """Grams per ``unit`` (g, kg, lb/lbs, jin)."""
    try:
        return GRAMS_PER_UNIT[unit.strip().lower()]
    except (KeyError, AttributeError):
        raise AdapterError("unknown unit %r (expected one of %s)"
                           % (unit, ", ".join(GRAMS_PER_UNIT))) from None
