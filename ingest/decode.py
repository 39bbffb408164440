"""Decode one MQTT message into a reading, a status or a refusal (no broker, no database).

The payload goes through `tracker.schemas.reading`, the schema every entry point shares
(`load_reading`: its answer, without marshmallow's machinery for the usual reading); the
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
from tracker.domain.reasons import Code, reason
from tracker.schemas import load_reading, messages_as_text
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
    raise _NotFinite(name, f"{name} is not allowed")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as infinity
        raise _NotFinite(text[:20], f"{text[:20]} is not a finite number")
    return value


def _bad_json(exc: Exception):
    """The parser's refusal: its message, and where (line, column) or what, when known."""
    detail = str(exc)[:120]
    if isinstance(exc, RecursionError):
        return reason(Code.BAD_JSON, detail=detail, problem="recursion")
    if "BOM" in detail:
        return reason(Code.BAD_JSON, detail=detail, problem="bom")
    if isinstance(exc, json.JSONDecodeError):
        return reason(Code.BAD_JSON, detail=detail, line=exc.lineno, column=exc.colno)
    return reason(Code.BAD_JSON, detail=detail)


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
        return Refusal(topic, payload, reason(Code.TOPIC), device_id)
    if len(payload) > MAX_PAYLOAD_BYTES:
        return Refusal(topic, payload, reason(Code.TOO_LARGE, size=len(payload),
                                              limit=MAX_PAYLOAD_BYTES), device_id)
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Refusal(topic, payload, reason(Code.NOT_UTF8, byte=exc.start), device_id)
    if leaf == STATUS_LEAF:
        return _decode_status(topic, payload, text, device_id, retained)
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_parse_float)
    except _NotFinite as exc:
        return Refusal(topic, payload, reason(Code.NOT_FINITE, value=exc.args[0],
                                              detail=exc.args[1]), device_id)
    except (ValueError, RecursionError) as exc:
        return Refusal(topic, payload, _bad_json(exc), device_id)
    if not isinstance(data, dict):
        return Refusal(topic, payload, reason(Code.NOT_OBJECT, kind=type(data).__name__), device_id)
    try:
        fields = load_reading(data)  # the schema's answer, faster for the usual reading
    except ValidationError as exc:
        fields = messages_as_text(exc.messages)
        detail = json.dumps(fields, ensure_ascii=False, sort_keys=True)
        if len(detail) > 400:  # a flood of unknown fields: the sentence cut, no fields kept
            return Refusal(topic, payload, reason(Code.INVALID_READING, detail=detail[:400]),
                           device_id)
        return Refusal(topic, payload, reason(Code.INVALID_READING, detail=detail,
                                              fields=fields), device_id)
    claimed = fields.get("device_id")
    if claimed is not None and claimed != device_id:
        return Refusal(topic, payload, reason(Code.MISMATCH, claimed=claimed[:64],
                                              device=device_id), device_id)
    return ScaleReading(device_id=device_id, seq=fields["seq"], measured_at=fields["ts"],
                        weight_g=fields["weight_g"], stream=fields["stream"],
                        battery_pct=fields["battery_pct"], topic=topic, payload=payload)


def _decode_status(topic, payload, text, device_id, retained):
    state = text.strip().lower()
    if state not in (STATUS_ONLINE, STATUS_OFFLINE):
        return Refusal(topic, payload, reason(Code.STATUS), device_id)
    return StatusChange(device_id, state == STATUS_ONLINE, retained)
