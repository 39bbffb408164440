"""Scale readings in batches: the web form's rules applied to many readings in one transaction.

`record_scale_readings` checks each reading exactly as `record_weighin` does (bin of the
edition, weight range, not in the future, inside the edition, flagged when doubtful), with
per-batch caches of devices and medians, then bulk-inserts the accepted ones. The pair
(device, seq) identifies a reading: a redelivery, in the same batch or a later one, is stored
once. What a rule refuses comes back as a Refusal for the dead letters. Nothing here commits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from tracker import clock
from tracker.domain import FLAG_WEIGHT_G, DomainError, check_weight
from tracker.models import DeadLetter, Device, Household, WeighIn
from tracker.services.weighins import check_measured_at, check_stream, flag_reason, \
    stream_median

#: How much of a refused payload a dead letter keeps.
DEAD_LETTER_KEEP_BYTES = 4 * 1024


@dataclass(frozen=True)
class ScaleReading:
    """A canonical reading decoded from `zw/scales/<device_id>/weighin`."""

    device_id: str
    seq: int
    measured_at: dt.datetime
    weight_g: int
    stream: str | None = None
    battery_pct: int | None = None
    topic: str = ""
    payload: bytes = b""


@dataclass(frozen=True)
class Refusal:
    """A message set aside, with the reason (becomes a dead letter)."""

    topic: str
    payload: bytes
    reason: str
    device_id: str | None = None


@dataclass
class BatchResult:
    """What one batch did: counts, and the refusals still to be dead-lettered."""

    stored: int = 0
    flagged: int = 0
    duplicates: int = 0
    refused: list[Refusal] = field(default_factory=list)


def record_scale_readings(session: Session, readings: list[ScaleReading], *,
                          now: dt.datetime | None = None,
                          flag_weight_g: int = FLAG_WEIGHT_G) -> BatchResult:
    """Check and store a batch of scale readings; return counts and refusals (not committed)."""
    result = BatchResult()
    if not readings:
        return result
    now = now or clock.now()
    devices = _devices(session, {r.device_id for r in readings})
    existing = _existing_keys(session, readings)
    seen: set[tuple[str, int]] = set()
    medians: dict[tuple[int, str], float | None] = {}
    rows, last_battery = [], {}
    for r in readings:
        key = (r.device_id, r.seq)
        if key in seen or key in existing:
            result.duplicates += 1
            continue
        device = devices.get(r.device_id)
        reason = _device_problem(device, r.device_id)
        stream = r.stream or (device.stream if device else None)
        if not reason:
            try:
                check_stream(device.household, stream)
                check_weight(r.weight_g)
                check_measured_at(device.household, r.measured_at, now)
            except DomainError as exc:
                reason = f"{exc.field or 'reading'}: {exc.message}"
        if reason:
            result.refused.append(Refusal(r.topic, r.payload, reason, r.device_id))
            continue
        seen.add(key)
        mkey = (device.household_id, stream)
        if mkey not in medians:
            medians[mkey] = stream_median(session, *mkey)
        doubt = flag_reason(r.weight_g, medians[mkey], flag_weight_g)
        result.flagged += bool(doubt)
        rows.append({"household_id": device.household_id, "stream": stream,
                     "weight_g": r.weight_g, "measured_at": r.measured_at, "source": "scale",
                     "status": "flagged" if doubt else "accepted", "flag_reason": doubt,
                     "device_id": r.device_id, "seq": r.seq, "note": "", "created_at": now})
        if r.battery_pct is not None:
            last_battery[r.device_id] = r.battery_pct
    if rows:
        session.execute(_insert_ignoring_duplicates(session), rows)
    result.stored = len(rows)
    for device_id in {row["device_id"] for row in rows}:
        device = devices[device_id]
        device.last_seen = now
        if device_id in last_battery:
            device.battery_pct = last_battery[device_id]
    session.flush()
    return result


def record_device_status(session: Session, device_id: str, online: bool, *,
                         seen_at: dt.datetime | None = None) -> bool:
    """Note a scale's online/offline status (and when it was seen); False for unknown scales."""
    device = session.get(Device, device_id)
    if device is None:
        return False
    device.online = online
    if seen_at is not None:
        device.last_seen = seen_at
    return True


def record_dead_letters(session: Session, refusals: list[Refusal], *,
                        now: dt.datetime | None = None) -> int:
    """Keep refused messages with the reason (payload cut to a few KiB); return how many."""
    if not refusals:
        return 0
    now = now or clock.now()
    session.execute(DeadLetter.__table__.insert(), [
        {"received_at": now, "topic": _text(r.topic.encode("utf-8", "replace"))[:512],
         "payload": _text(r.payload[:DEAD_LETTER_KEEP_BYTES]), "payload_size": len(r.payload),
         "reason": r.reason[:500], "device_id": (r.device_id or None) and r.device_id[:64]}
        for r in refusals])
    return len(refusals)


def list_dead_letters(session: Session, *, limit: int | None = 100,
                      device_id: str | None = None) -> list[DeadLetter]:
    """Refused messages, newest first."""
    query = select(DeadLetter).order_by(DeadLetter.received_at.desc(), DeadLetter.id.desc())
    if device_id:
        query = query.where(DeadLetter.device_id == device_id)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def _devices(session: Session, ids: set[str]) -> dict[str, Device]:
    query = (select(Device).where(Device.id.in_(ids))
             .options(joinedload(Device.household).joinedload(Household.edition)))
    return {d.id: d for d in session.scalars(query).unique()}


def _device_problem(device: Device | None, device_id: str) -> str:
    if device is None:
        return f"unknown device {device_id[:64]!r}"
    if device.revoked_at is not None:
        return f"device {device_id!r} was revoked on {device.revoked_at:%Y-%m-%d %H:%M} UTC"
    return ""


def _existing_keys(session: Session, readings: list[ScaleReading]) -> set[tuple[str, int]]:
    """(device, seq) pairs of the batch already stored (one query; a superset filtered here)."""
    devices = {r.device_id for r in readings}
    seqs = {r.seq for r in readings}
    rows = session.execute(select(WeighIn.device_id, WeighIn.seq).where(
        WeighIn.device_id.in_(devices), WeighIn.seq.in_(seqs))).all()
    return {(d, s) for d, s in rows}


def _insert_ignoring_duplicates(session: Session):
    """INSERT ... ON CONFLICT (device_id, seq) DO NOTHING: two ingests sharing a queue race."""
    dialect = session.get_bind().dialect.name
    module = {"sqlite": sqlite, "postgresql": postgresql}.get(dialect)
    if module is None:  # other databases: the pre-selection above is the only guard
        return WeighIn.__table__.insert()
    return module.insert(WeighIn.__table__).on_conflict_do_nothing(
        index_elements=["device_id", "seq"])


def _text(raw: bytes) -> str:
    """Bytes as storable text: invalid UTF-8 escaped, NUL (refused by PostgreSQL) escaped."""
    return raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")
