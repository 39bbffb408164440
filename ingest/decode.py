"""Decode one MQTT message into a reading, a status or a refusal (no broker, no database).

The payload goes through `tracker.schemas.reading`, the schema every entry point shares; the
rules that need the database (device known, bin of the edition, date inside the edition) are
the service layer's (tracker.services.ingest).
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass

from marshmallow import ValidationError

from ingest.topics import (MAX_PAYLOAD_BYTES, STATUS_LEAF, STATUS_OFFLINE, STATUS_ONLINE,
                           WEIGHIN_LEAF, split_topic)
from tracker.schemas import messages_as_text, reading as reading_schema
from tracker.services.ingest import Refusal, ScaleReading


@dataclass(frozen=True)
class StatusChange:
    """A scale's online/offline status (retained: a state the broker kept, not news)."""

    device_id: str
    online: bool
    retained: bool


class _NotFinite(ValueError):
    pass


def _refuse_constant(name: str):
    raise _NotFinite(f"{name} is not allowed")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as infinity
        raise _NotFinite(f"{text[:20]} is not a finite number")
    return value


def decode(topic: str, payload: bytes, retained: bool = False):
    """A ScaleReading, a StatusChange or a Refusal (with the reason) for one message; a
    reading or refusal delivered from the retained store is marked so (refused once)."""
    decoded = _decode(topic, payload, retained)
    if retained and isinstance(decoded, (ScaleReading, Refusal)):
        return dataclasses.replace(decoded, retained=True)
    return decoded


def _decode(topic: str, payload: bytes, retained: bool):
    device_id, leaf = split_topic(topic)
    if device_id is None or leaf not in (WEIGHIN_LEAF, STATUS_LEAF):
        return Refusal(topic, payload, "unexpected topic", device_id)
    if len(payload) > MAX_PAYLOAD_BYTES:
        return Refusal(topic, payload, f"payload too large ({len(payload)} bytes, "
                                       f"limit {MAX_PAYLOAD_BYTES})", device_id)
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Refusal(topic, payload, f"payload is not UTF-8 (byte {exc.start})", device_id)
    if leaf == STATUS_LEAF:
        return _decode_status(topic, payload, text, device_id, retained)
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_parse_float)
    except _NotFinite as exc:
        return Refusal(topic, payload, f"not a finite number: {exc}", device_id)
    except (ValueError, RecursionError) as exc:
        return Refusal(topic, payload, f"bad JSON: {str(exc)[:120]}", device_id)
    if not isinstance(data, dict):
        return Refusal(topic, payload, f"payload is a JSON {type(data).__name__}, "
                                       "not an object", device_id)
    try:
        fields = reading_schema.load(data)
    except ValidationError as exc:
        detail = json.dumps(messages_as_text(exc.messages), ensure_ascii=False, sort_keys=True)
        return Refusal(topic, payload, f"invalid reading: {detail[:400]}", device_id)
    claimed = fields.get("device_id")
    if claimed is not None and claimed != device_id:
        return Refusal(topic, payload, f"device_id {claimed[:64]!r} in the payload does not "
                                       f"match the topic's {device_id!r}", device_id)
    return ScaleReading(device_id=device_id, seq=fields["seq"], measured_at=fields["ts"],
                        weight_g=fields["weight_g"], stream=fields["stream"],
                        battery_pct=fields["battery_pct"], topic=topic, payload=payload)


def _decode_status(topic, payload, text, device_id, retained):
    state = text.strip().lower()
    if state not in (STATUS_ONLINE, STATUS_OFFLINE):
        return Refusal(topic, payload, "status is neither online nor offline", device_id)
    return StatusChange(device_id, state == STATUS_ONLINE, retained)
