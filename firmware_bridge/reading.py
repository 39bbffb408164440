"""The canonical reading a scale (or the bridge on its behalf) publishes.

``{"seq": 42, "ts": "2026-03-14T08:21:05+01:00", "weight_g": 1234, "stream": "residual"}``
on ``zw/scales/<device_id>/weighin`` (DESIGN.md, "MQTT").
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from firmware_bridge import topics


class ReadingError(ValueError):
    """A value that cannot be part of a canonical reading."""


@dataclass(frozen=True)
class Reading:
    """One weigh-in of one device, ready to publish."""

    seq: int
    ts: str
    weight_g: int
    stream: str | None = None
    battery_pct: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.seq, bool) or not isinstance(self.seq, int) or self.seq < topics.SEQ_MIN:
            raise ReadingError("seq must be an integer >= %d, got %r" % (topics.SEQ_MIN, self.seq))
        parse_ts(self.ts)
        if isinstance(self.weight_g, bool) or not isinstance(self.weight_g, int):
            raise ReadingError("weight_g must be an integer, got %r" % (self.weight_g,))
        if not topics.WEIGHT_G_MIN_EXCLUSIVE < self.weight_g <= topics.WEIGHT_G_MAX:
            raise ReadingError("weight_g %d outside (0, %d]" % (self.weight_g, topics.WEIGHT_G_MAX))
        if self.stream is not None and (not isinstance(self.stream, str) or not self.stream):
            raise ReadingError("stream must be a non-empty string, got %r" % (self.stream,))
        if self.battery_pct is not None and (
            isinstance(self.battery_pct, bool)
            or not isinstance(self.battery_pct, int)
            or not topics.BATTERY_PCT_MIN <= self.battery_pct <= topics.BATTERY_PCT_MAX
        ):
            raise ReadingError("battery_pct must be an integer in [0, 100], got %r"
                               % (self.battery_pct,))

    @classmethod
    def build(cls, seq: int, ts: datetime, weight_g: float, stream: str | None = None,
              battery_pct: float | None = None) -> "Reading":
        """Build a reading from an aware datetime and a weight in grams (rounded)."""
        if not math.isfinite(weight_g) or (battery_pct is not None
                                           and not math.isfinite(battery_pct)):
            raise ReadingError("weight_g %r or battery_pct %r is not a finite number"
                               % (weight_g, battery_pct))
        battery = None if battery_pct is None else int(round(battery_pct))
        return cls(seq=seq, ts=format_ts(ts), weight_g=int(round(weight_g)), stream=stream,
                   battery_pct=battery)

    def to_payload(self) -> dict[str, Any]:
        """Return the payload as a dict, optional fields left out when empty."""
        payload: dict[str, Any] = {topics.FIELD_SEQ: self.seq, topics.FIELD_TS: self.ts,
                                   topics.FIELD_WEIGHT_G: self.weight_g}
        if self.stream is not None:
            payload[topics.FIELD_STREAM] = self.stream
        if self.battery_pct is not None:
            payload[topics.FIELD_BATTERY_PCT] = self.battery_pct
        return payload

    def to_json(self) -> str:
        """Return the payload as compact JSON text."""
        return json.dumps(self.to_payload(), separators=(", ", ": "))

    @classmethod
    def from_payload(cls, payload: dict[str, Any] | str | bytes) -> "Reading":
        """Parse a canonical payload (dict, JSON text or bytes)."""
        if isinstance(payload, (str, bytes)):
            try:
                payload = json.loads(payload)
            except ValueError as exc:
                raise ReadingError("payload is not JSON: %s" % exc) from None
        if not isinstance(payload, dict):
            raise ReadingError("payload must be a JSON object")
        unknown = set(payload) - set(topics.PAYLOAD_FIELDS)
        if unknown:
            raise ReadingError("unknown fields: %s" % ", ".join(sorted(unknown)))
        try:
            return cls(**payload)
        except TypeError as exc:
            raise ReadingError(str(exc)) from None


def format_ts(ts: datetime) -> str:
    """Format an aware datetime as ISO 8601 with its offset, to the second."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ReadingError("timestamp %s has no time zone" % ts)
    return ts.isoformat(timespec="seconds")


def parse_ts(value: str) -> datetime:
    """Parse an ISO 8601 timestamp that must carry an offset or ``Z``."""
    if not isinstance(value, str):
        raise ReadingError("ts must be a string, got %r" % (value,))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ReadingError("ts %r is not ISO 8601" % value) from None
    if parsed.tzinfo is None:
        raise ReadingError("ts %r has no offset" % value)
    return parsed
