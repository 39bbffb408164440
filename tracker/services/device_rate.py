"""The ingest's plausibility limit: a scale's readings beyond a rate are stored `flagged`.

One scale published 5,000 readings in one second and all were accepted (11 tonnes for one
household). A household takes out a few bins a day, so past `limit` readings of one scale in
one hour the readings are still stored (nothing a scale sends is dropped) but `flagged` with
the reason, and do not count until staff accept them.

The hour is the readings' own time (`ts`, UTC hours), not their arrival: a bridge that was
offline for a week sends its spool at once, and an ingest catching up a backlog stores 20,000
readings a second; neither is a faulty scale. The counts live in `device_rates`, updated in
the transaction that stores the readings, rather than counted again from the weigh-ins: one
small read and one upsert per batch, whatever the scale's history, and exact across batches,
storing processes, ingest workers (the upsert adds, so two workers' counts both land) and
restarts.
"""
from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tracker.domain.reasons import Code, Reason, reason
from tracker.models import DeviceRate

HOUR_S = 3600
def rate_reason(limit: int) -> Reason:
    """Why a reading beyond the scale's hourly limit is flagged (`Code.RATE`: the staff
    data-quality page finds such scales by it); `limit` is the configured rate."""
    return reason(Code.RATE, limit=limit)


def hour_of(measured_at: dt.datetime) -> int:
    """The reading's hour: whole hours since 1970-01-01 00:00 UTC."""
    return int(measured_at.timestamp() // HOUR_S)


def stored_counts(session: Session, pairs: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """Readings stored so far for each (device, hour) of `pairs` (one query)."""
    if not pairs:
        return {}
    devices = {device for device, _ in pairs}
    hours = {hour for _, hour in pairs}
    rows = session.execute(select(DeviceRate.device_id, DeviceRate.hour, DeviceRate.readings)
                           .where(DeviceRate.device_id.in_(devices), DeviceRate.hour.in_(hours)))
    return {(d, h): n for d, h, n in rows if (d, h) in pairs}


def add_counts(session: Session, added: dict[tuple[str, int], int]) -> None:
    """Add this batch's readings to the counts (an upsert that adds: two ingests may race)."""
    if not added:
        return
    rows = [{"device_id": d, "hour": h, "readings": n} for (d, h), n in added.items()]
    statement = _upsert(session.get_bind().dialect)
    if statement is not None:
        session.execute(statement, rows)
        return
    for row in rows:  # other databases: read and write (the tests use SQLite and PostgreSQL)
        current = session.get(DeviceRate, (row["device_id"], row["hour"]))
        if current is None:
            session.add(DeviceRate(**row))
        else:
            current.readings += row["readings"]
    session.flush()


@functools.lru_cache(maxsize=8)
def _upsert(dialect):
    module = {"sqlite": sqlite, "postgresql": postgresql}.get(dialect.name)
    if module is None:
        return None
    insert = module.insert(DeviceRate.__table__)
    return insert.on_conflict_do_update(
        index_elements=["device_id", "hour"],
        set_={"readings": DeviceRate.__table__.c.readings + insert.excluded.readings})
