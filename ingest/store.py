"""The ingest's storing side: decode a batch, store it in one transaction, retry while the
database is away. Runs in its own process (ingest.worker) so that validation and commits use
the second core while the network process only receives and acknowledges.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from dataclasses import asdict, dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from ingest.decode import StatusChange, decode
from tracker import clock
from tracker.db import Database
from tracker.domain.reasons import Code, reason
from tracker.services.ingest import (PreparedReadings, Refusal, ScaleReading,
                                     keep_dead_letters, prepare_scale_readings,
                                     record_device_status, store_prepared_readings)
from tracker.services.ingest_pipeline import pipeline_available, store_batch

log = logging.getLogger(__name__)

#: The ingest waits this long on a locked SQLite file before it backs off and retries (the web
#: app's 30 s would hide an outage from the logs and the health report).
SQLITE_BUSY_MS = 2000
RETRY_FIRST_S = 0.1
RETRY_MAX_S = 5.0


@dataclass
class Counts:
    """What one batch did."""

    messages: int = 0
    stored: int = 0
    flagged: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    statuses: int = 0

    def add(self, other: "Counts") -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)


@dataclass
class Batch:
    """Raw messages decoded (readings, statuses, refusals) and the readings prepared."""

    decoded: list
    now: dt.datetime
    prepared: PreparedReadings | None = None


def database_unavailable(exc: BaseException) -> bool:
    """True for errors that mean "try again later" (locked, refused, connection lost)."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class BatchStore:
    """Stores batches of raw MQTT messages (topic, payload, retained) in one database."""

    def __init__(self, database_url: str, *, flag_weight_g: int, max_per_hour: int = 0,
                 retry_max_s: float = RETRY_MAX_S):
        postgresql = database_url.startswith("postgresql")
        # No ping on every checkout (a round trip before each transaction, two per batch): a
        # connection found dead fails its batch, which is retried on a new one (_retrying).
        self.db = Database(database_url, flag_weight_g=flag_weight_g,
                           **({"pool_pre_ping": False} if postgresql else {}))
        self.flag_weight_g = flag_weight_g
        self.max_per_hour = max_per_hour
        self.retry_max_s = retry_max_s
        if self.db.engine.dialect.name == "sqlite":
            event.listen(self.db.engine, "connect", _short_busy_timeout)
        # Preparing only reads: on PostgreSQL without BEGIN and ROLLBACK (one round trip, not
        # three); SQLite keeps its snapshot transaction.
        self._reader = (self.db.engine.execution_options(isolation_level="AUTOCOMMIT")
                        if postgresql else self.db.engine)
        self._pipeline: bool | None = None  # PostgreSQL with psycopg: store_batch

    def close(self) -> None:
        self.db.dispose()

    def process(self, items, *, on_retry=None, keep_going=lambda: True) -> Counts:
        """Decode and store a batch; return only once it is committed (retrying as needed)."""
        batch = self.prepare(items, on_retry=on_retry, keep_going=keep_going)
        return self.store(batch, on_retry=on_retry, keep_going=keep_going)

    def prepare(self, items, *, on_retry=None, keep_going=lambda: True) -> "Batch":
        """Decode, validate and check raw messages against their devices: only reads, so
        several storing processes may prepare batches at the same time."""
        decoded = (_safe_decode(*item) for item in items)
        batch = Batch([d for d in decoded if d is not None], clock.now())
        readings = [d for d in batch.decoded if isinstance(d, ScaleReading)]
        try:
            batch.prepared = self._retrying(lambda: self._prepare(readings, batch.now),
                                            on_retry, keep_going)
        except Exception:  # prepared again, message by message, when it is stored
            log.exception("preparing a batch of %d failed", len(items))
        return batch

    def store(self, batch: "Batch", *, on_retry=None, keep_going=lambda: True) -> Counts:
        """Store a prepared batch in one transaction; return once committed (retrying)."""
        counts = None
        if batch.prepared is not None:
            try:
                counts = self._retrying(lambda: self._commit(batch.decoded, batch.now,
                                                             batch.prepared),
                                        on_retry, keep_going)
            except Exception:  # a message the service could not handle: isolate it
                log.exception("batch of %d failed; storing its messages one by one",
                              len(batch.decoded))
        if counts is None:
            counts = Counts()
            for one in batch.decoded:
                counts.add(self._one(one, batch.now, on_retry, keep_going))
        counts.messages = len(batch.decoded)
        return counts

    def _prepare(self, readings, now):
        with Session(self._reader) as session:
            return prepare_scale_readings(session, readings, now=now)

    def _one(self, item, now, on_retry, keep_going) -> Counts:
        try:
            return self._retrying(lambda: self._commit([item], now), on_retry, keep_going)
        except Exception as exc:
            log.exception("message on %s could not be stored", getattr(item, "topic", "?"))
            refusal = Refusal(getattr(item, "topic", "?"), getattr(item, "payload", b""),
                              reason(Code.INTERNAL,
                                     detail=f"{type(exc).__name__}: {str(exc)[:200]}"),
                              getattr(item, "device_id", None),
                              getattr(item, "redelivered", False))
            return self._retrying(lambda: self._commit([refusal], now), on_retry, keep_going)

    def _retrying(self, work, on_retry, keep_going) -> Counts:
        delay, attempt = RETRY_FIRST_S, 0
        while True:
            try:
                return work()
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                attempt += 1
                text = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
                log.warning("database unavailable (attempt %d, retry in %.1fs): %s",
                            attempt, delay, text)
                if on_retry:
                    on_retry(attempt, text)
                if not keep_going():
                    raise SystemExit(1) from exc
                time.sleep(delay)
                delay = min(delay * 2, self.retry_max_s)

    def _commit(self, decoded, now, prepared=None) -> Counts:
        refusals = [d for d in decoded if isinstance(d, Refusal)]
        statuses = [d for d in decoded if isinstance(d, StatusChange)]
        with self.db.session() as session:
            if prepared is None:
                readings = [d for d in decoded if isinstance(d, ScaleReading)]
                prepared = prepare_scale_readings(session, readings, now=now)
            if self._pipeline is None:
                self._pipeline = pipeline_available(session)
            if self._pipeline:  # PostgreSQL: the same writes in two round trips
                stored = store_batch(session, prepared, refusals, statuses, now=now,
                                     flag_weight_g=self.flag_weight_g,
                                     max_per_hour=self.max_per_hour)
                result, fresh = stored.result, stored.fresh
                refusals += result.refused
                for device_id in stored.unknown_statuses:
                    log.debug("status of unknown scale %s ignored", device_id)
            else:
                result = store_prepared_readings(session, prepared, now=now,
                                                 flag_weight_g=self.flag_weight_g,
                                                 max_per_hour=self.max_per_hour)
                for status in statuses:
                    if not record_device_status(session, status.device_id, status.online,
                                                seen_at=None if status.retained else now):
                        log.debug("status of unknown scale %s ignored", status.device_id)
                refusals += result.refused
                fresh = keep_dead_letters(session, refusals, now=now)
            # Whatever else a batch must change in its own transaction goes with the rows'
            # writes, before the commit: the monthly aggregates are rebuilt by
            # store_prepared_readings and store_batch over the household-months touched.
        for refusal in fresh:
            log.info("dead letter from %s: %s; payload %r", refusal.topic, refusal.reason,
                     refusal.payload[:120])
        if len(fresh) < len(refusals):
            log.info("%d redelivered refusal(s) kept already, not kept again",
                     len(refusals) - len(fresh))
        return Counts(stored=result.stored, flagged=result.flagged,
                      duplicates=result.duplicates + len(refusals) - len(fresh),
                      dead_lettered=len(fresh), statuses=len(statuses))


def _safe_decode(topic, payload, retained=False, redelivered=False):
    if payload is None:  # the ingest's own deletion of a retained weigh-in (ingest.service)
        return None
    try:
        decoded = decode(topic, payload, retained)
    except Exception as exc:  # decode is total by design; this is the belt to its braces
        log.exception("decoding a message on %s failed", topic)
        return Refusal(topic, payload, reason(Code.INTERNAL, detail=type(exc).__name__), None,
                       redelivered)
    if redelivered and isinstance(decoded, (ScaleReading, Refusal)):
        decoded = dataclasses.replace(decoded, redelivered=True)
    return decoded


def _short_busy_timeout(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cur.close()
