"""An ingest batch on PostgreSQL in three round trips (five with COPY), with psycopg's
pipeline mode (the monthly aggregates' lookup and upsert included).

`tracker.services.ingest` stores a batch with one query at a time: on PostgreSQL each is a
round trip to the server (about a dozen per batch: the stored keys, the hour's counts, one
median per household and bin, the insert, the counts' upsert, the scales' last seen, the dead
letters' fingerprints and rows, each status), and with the server on the same two cores every
round trip is also two context switches. Here the same reads go out together in one pipeline
(stored keys, counts of the hour, every median in one statement, kept fingerprints), the rules
are applied in Python exactly as there (`decide_prepared`, `fresh_refusals`), and the writes go
out together in a second pipeline; the commit is the third round trip. The weigh-ins go in as
one INSERT ... SELECT FROM unnest(arrays), or from COPY_FROM_ROWS rows by COPY into a temporary
table then one INSERT ... SELECT (COPY leaves the pipeline: two round trips more, less CPU on
both sides; bench/ingest_store.py). Same rows, same counts, same order of the writes as the
one-query-at-a-time path, which SQLite (and any other driver) keeps.

Errors of the driver are raised as SQLAlchemy's (`DBAPIError.instance`), with the connection
invalidated when it is lost, so the ingest's retry (ingest.store.database_unavailable) and
its one-message-at-a-time fallback see what they see on the other path.
"""
from __future__ import annotations

import datetime as dt
import json
import statistics
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tracker import aggregates
from tracker.domain import FLAG_WEIGHT_G
from tracker.services.ingest import (BatchResult, PreparedReadings, Refusal,
                                     dead_letter_fingerprint, dead_letter_rows,
                                     decide_prepared, fresh_refusals, new_rows,
                                     _prepared_insert)
from tracker.services.weighins import MEDIAN_MIN_SAMPLES

#: stream_median's window (tracker.services.weighins): the last 50 accepted weigh-ins.
MEDIAN_LAST = 50

_EXISTING = ("SELECT w.device_id, w.seq FROM weighins w "
             "JOIN unnest(%s::varchar[], %s::bigint[]) AS k(d, s) "
             "ON w.device_id = k.d AND w.seq = k.s")
_HOURLY = ("SELECT r.device_id, r.hour, r.readings FROM device_rates r "
           "JOIN unnest(%s::varchar[], %s::integer[]) AS k(d, h) "
           "ON r.device_id = k.d AND r.hour = k.h")
# The last accepted weights of each (household, bin), newest first: stream_median's query for
# every pair at once (served by the partial index ix_weighins_accepted_median).
_MEDIANS = ("SELECT k.h, k.s, ARRAY(SELECT w.weight_g FROM weighins w "
            "WHERE w.household_id = k.h AND w.stream = k.s AND w.status = 'accepted' "
            f"ORDER BY w.measured_at DESC LIMIT {MEDIAN_LAST}) "
            "FROM unnest(%s::integer[], %s::varchar[]) AS k(h, s)")
_KEPT = "SELECT fingerprint FROM dead_letters WHERE fingerprint = ANY(%s::varchar[])"
# The counts of the hour and the scales' last seen: one statement each over arrays (in the
# arrays' order, sorted: two workers lock the rows in one order), not one per row (a batch of
# a busy fleet has a row per scale and hour: a thousand executions on the server, a
# thousand parameter sets in the client; docs/ingest.md).
_ADD_COUNTS = ("INSERT INTO device_rates (device_id, hour, readings) "
               "SELECT * FROM unnest(%s::varchar[], %s::integer[], %s::integer[]) "
               "ON CONFLICT (device_id, hour) DO UPDATE "
               "SET readings = device_rates.readings + EXCLUDED.readings")
_LOCK_SEEN = ("SELECT 1 FROM devices WHERE id = ANY(%s::varchar[]) ORDER BY id "
              "FOR NO KEY UPDATE")
_SEEN = ("UPDATE devices SET last_seen = %s, battery_pct = COALESCE(k.battery, battery_pct) "
         "FROM unnest(%s::varchar[], %s::integer[]) AS k(id, battery) WHERE devices.id = k.id")
_STATUS = "UPDATE devices SET online = %s, last_seen = COALESCE(%s, last_seen) WHERE id = %s"
#: The weigh-ins' columns, as _prepared_insert orders its rows (tracker.services.ingest), and
#: their PostgreSQL types for `unnest`.
_COLUMNS = ("household_id", "stream", "weight_g", "measured_at", "source", "status",
            "flag_reason", "flag_code", "flag_params", "device_id", "seq", "note", "created_at")
_TYPES = ("integer", "varchar", "integer", "timestamptz", "varchar", "varchar", "varchar",
          "varchar", "json", "varchar", "bigint", "text", "timestamptz")
_UNNEST = (f"INSERT INTO weighins ({', '.join(_COLUMNS)}) SELECT * FROM unnest("
           + ", ".join(f"%s::{t}[]" for t in _TYPES)
           + ") ON CONFLICT (device_id, seq) DO NOTHING")
_STAGE = (f"CREATE TEMPORARY TABLE IF NOT EXISTS zw_ingest_stage ON COMMIT DELETE ROWS AS "
          f"SELECT {', '.join(_COLUMNS)} FROM weighins WITH NO DATA")
_COPY = f"COPY zw_ingest_stage ({', '.join(_COLUMNS)}) FROM STDIN"
_FROM_STAGE = (f"INSERT INTO weighins ({', '.join(_COLUMNS)}) SELECT {', '.join(_COLUMNS)} "
               "FROM zw_ingest_stage ON CONFLICT (device_id, seq) DO NOTHING")
#: How the weigh-ins go in (bench/ingest_store.py measures each): "executemany" (one
#: parameterised INSERT per row, pipelined by psycopg), "unnest" (one INSERT ... SELECT FROM
#: unnest(arrays) per batch), "copy" (COPY into a temporary table, then one INSERT ...
#: SELECT; COPY cannot be pipelined: two round trips more, the least CPU on both sides for
#: big batches) or "auto": copy from COPY_FROM_ROWS rows, unnest below.
INSERTS = ("executemany", "unnest", "copy", "auto")
INSERT = "auto"
COPY_FROM_ROWS = 100
_DEAD_LETTER = ("INSERT INTO dead_letters (received_at, topic, payload, payload_size, reason, "
                "reason_code, reason_params, device_id, fingerprint) VALUES (%(received_at)s, "
                "%(topic)s, %(payload)s, %(payload_size)s, %(reason)s, %(reason_code)s, "
                "%(reason_params)s::json, %(device_id)s, %(fingerprint)s)")


@dataclass
class StoredBatch:
    """What `store_batch` did: the readings' counts, the refusals kept (new dead letters), and
    the status messages of scales the database does not know."""

    result: BatchResult
    fresh: list[Refusal] = field(default_factory=list)
    unknown_statuses: list[str] = field(default_factory=list)
    #: (household_id, measured_at, status, stream, weight_g) of the rows given to the insert,
    #: and how many it stored: the monthly aggregates' increment (aggregates.add_new)
    rows: list[tuple] = field(default_factory=list)
    inserted: int = 0


def pipeline_available(session: Session) -> bool:
    """True on PostgreSQL through psycopg 3 (pipeline mode needs libpq 14 or later)."""
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return False
    import psycopg
    return psycopg.Pipeline.is_supported()


def store_batch(session: Session, prepared: PreparedReadings, refusals: list[Refusal],
                statuses: list, *, now: dt.datetime, flag_weight_g: int = FLAG_WEIGHT_G,
                max_per_hour: int = 0, insert: str | None = None) -> StoredBatch:
    """`store_prepared_readings`, the statuses (`record_device_status`, in arrival order) and
    `keep_dead_letters` of the refusals then the batch's own, in one transaction (not
    committed): reads in one round trip, writes in another."""
    connection = session.connection()
    dialect = connection.dialect
    if prepared.entries and dialect.name != prepared.dialect:
        raise ValueError(f"prepared for {prepared.dialect}, stored in {dialect.name}")
    pg = connection.connection.driver_connection
    try:
        stored = _store(pg, dialect, prepared, refusals, statuses, now=now,
                        flag_weight_g=flag_weight_g, max_per_hour=max_per_hour,
                        insert=insert or INSERT)
        # The monthly aggregates of the cells this batch touched, in its transaction (issue
        # 19): `aggregates.add_new`, its two statements sent with the others (the calendars,
        # households locked, with the reads; the cells' upsert after the insert). Its upsert
        # counts every row the insert was given; when the insert stored fewer (another
        # ingest stored some first), the cells are recomputed from the rows, as add_new does.
        if stored.rows and stored.inserted != len(stored.rows):
            aggregates.refresh(connection, [(r[0], r[1]) for r in stored.rows])
        return stored
    except dialect.loaded_dbapi.Error as exc:
        lost = bool(pg.closed or getattr(pg, "broken", False))
        if lost:
            connection.invalidate(exc)
        raise DBAPIError.instance(None, None, exc, dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost, dialect=dialect) from exc


def _store(pg, dialect, prepared, refusals, statuses, *, now, flag_weight_g, max_per_hour,
           insert):
    now = now.astimezone(dt.timezone.utc)
    entries = prepared.entries
    readings = [e for e in entries if len(e) > 2]
    # Every refusal this batch may keep (a prepared one is a duplicate if its key is stored):
    # their fingerprints are looked up with the reads, a superset of keep_dead_letters' own.
    maybe = refusals + [e[1] for e in entries if len(e) == 2]
    prints = {id(r): dead_letter_fingerprint(r.topic, r.payload) for r in maybe}
    again = sorted({prints[id(r)] for r in maybe if r.redelivered or r.retained})
    pairs = sorted({(e[0][0], e[4]) for e in readings}) if max_per_hour else []
    mkeys = list(dict.fromkeys((e[1], e[2]) for e in readings))
    households = sorted({e[1] for e in readings})
    if insert == "auto":
        insert = "copy" if len(readings) >= COPY_FROM_ROWS else "unnest"

    with pg.pipeline():
        cursors = {}
        if insert == "copy" and readings:  # the connection's own table, emptied at commit
            pg.cursor().execute(_STAGE)
        if entries:
            cursors["existing"] = pg.cursor()
            cursors["existing"].execute(_EXISTING, ([k[0] for k, *_ in entries],
                                                    [k[1] for k, *_ in entries]))
        if pairs:
            cursors["hourly"] = pg.cursor()
            cursors["hourly"].execute(_HOURLY, ([d for d, _ in pairs], [h for _, h in pairs]))
        if mkeys:
            cursors["medians"] = pg.cursor()
            cursors["medians"].execute(_MEDIANS, ([h for h, _ in mkeys], [s for _, s in mkeys]))
        if again:
            cursors["kept"] = pg.cursor()
            cursors["kept"].execute(_KEPT, (again,))
        if households:  # aggregates.add_new's calendars, the households locked in id order
            cursors["calendars"] = pg.cursor()
            cursors["calendars"].execute(*aggregates.pg_calendars_statement(households))
    existing = {tuple(row) for row in cursors["existing"].fetchall()} if entries else set()
    hourly = {(d, h): n for d, h, n in cursors["hourly"].fetchall()} if pairs else {}
    medians = {(h, s): _median(weights)
               for h, s, weights in cursors["medians"].fetchall()} if mkeys else {}
    kept = {fp for (fp,) in cursors["kept"].fetchall()} if again else set()
    calendars = aggregates.calendars_of(cursors["calendars"].fetchall()) if households else {}

    result, decided = decide_prepared(prepared, dialect, existing=existing, hourly=hourly,
                                      medians=medians, flag_weight_g=flag_weight_g,
                                      max_per_hour=max_per_hour)
    every = refusals + result.refused
    fresh = fresh_refusals(every, [prints[id(r)] for r in every], kept)
    seen = [(now, prepared.last_battery.get(device), device)
            for device in sorted(decided.devices)]  # one order: two workers never deadlock
    added_rows = new_rows(decided.rows)
    cells = aggregates.new_row_cells(calendars, added_rows)

    if decided.rows and insert == "copy":
        with pg.cursor() as cursor:
            with cursor.copy(_COPY) as copy:
                for row in decided.rows:
                    copy.write_row(tuple(row[name] for name in _COLUMNS))
    with pg.pipeline():
        cursor = pg.cursor()
        inserts = pg.cursor()  # its own: the row count of the weigh-ins' insert
        if decided.rows and insert == "executemany":
            statement, names = _prepared_insert(dialect)
            inserts.executemany(statement, decided.rows if names is None else
                               [tuple(row[name] for name in names) for row in decided.rows])
        elif decided.rows and insert == "unnest":
            inserts.execute(_UNNEST, [[row[name] for row in decided.rows] for name in _COLUMNS])
        elif decided.rows:
            inserts.execute(_FROM_STAGE)
        if cells:  # aggregates.add_new's increment, as if every row went in (see store_batch)
            cursor.execute(*aggregates.pg_cells_statement(dialect, cells))
        if decided.added:
            added = sorted(decided.added.items())
            cursor.execute(_ADD_COUNTS, ([d for (d, _), _ in added],
                                         _int_array(h for (_, h), _ in added),
                                         _int_array(n for _, n in added)))
        if seen:
            devices = [device for _, _, device in seen]
            cursor.execute(_LOCK_SEEN, (devices,))
            cursor.execute(_SEEN, (now, devices, _int_array(b for _, b, _ in seen)))
        status_cursors = []
        for status in statuses:
            one = pg.cursor()
            one.execute(_STATUS, (status.online, None if status.retained else now,
                                  status.device_id))
            status_cursors.append((status.device_id, one))
        if fresh:
            cursor.executemany(_DEAD_LETTER, [
                {**row, "reason_code": str(row["reason_code"]),
                 "reason_params": None if row["reason_params"] is None
                 else json.dumps(row["reason_params"])}
                for row in dead_letter_rows(fresh, now)])
    unknown = [device for device, one in status_cursors if one.rowcount == 0]
    return StoredBatch(result, [r for r, _ in fresh], unknown, added_rows,
                       inserts.rowcount if decided.rows else 0)


def _int_array(values) -> str:
    """Integers (None: NULL) as PostgreSQL's array text, cast in the SQL: psycopg's dump of a
    list of ints picks a type per element (aggregates._pg_array)."""
    return "{" + ",".join("NULL" if v is None else str(int(v)) for v in values) + "}"


def _median(weights: list[int]) -> float | None:
    """stream_median's answer from its rows (None when too few)."""
    if len(weights) < MEDIAN_MIN_SAMPLES:
        return None
    return float(statistics.median(weights))
