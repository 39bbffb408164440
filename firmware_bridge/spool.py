"""Durable store-and-forward: sequence numbers and the outbox of readings, in SQLite.

Every event gets the device's next ``seq`` and is written to the outbox in ONE
transaction, before anything is published. A row leaves the outbox only when the broker
acknowledged it (PUBACK of a QoS 1 publish). So:

- a seq is never reused: the counter and the row are committed together; a crash after
  the commit re-sends the row on restart (the ingest absorbs the duplicate by
  (device, seq)); a crash before the commit allocated nothing;
- nothing is lost while the broker is away for hours: rows wait, in seq order.

``journal_mode=WAL`` lets the publisher read while the detector writes.
``synchronous=FULL``, not NORMAL: in WAL mode NORMAL may lose the last commits on a
power cut (not on a process crash). On a Raspberry Pi with an SD card a power cut is the
usual way to die, and losing a committed counter could hand out a seq the broker has
already acknowledged, which the ingest would then drop as a duplicate: silent data loss.
Weigh-ins are a few per hour per scale, so one fsync each costs nothing.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from firmware_bridge import topics
from firmware_bridge.reading import Reading

SCHEMA = """
CREATE TABLE IF NOT EXISTS counter (
    device_id TEXT PRIMARY KEY,
    next_seq INTEGER NOT NULL CHECK (next_seq >= 1)
);
CREATE TABLE IF NOT EXISTS outbox (
    device_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (device_id, seq)
);
CREATE TABLE IF NOT EXISTS detector_state (
    device_id TEXT PRIMARY KEY,
    empty_g REAL,
    load_g REAL,
    updated_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class SpooledReading:
    """A reading waiting in the outbox, with its topic and exact payload text."""

    device_id: str
    seq: int
    topic: str
    payload: str
    created_at: float


class Spool:
    """The SQLite spool: one file may hold several devices. Safe across threads."""

    def __init__(self, path: str | os.PathLike[str], seq_start: int = topics.SEQ_MIN,
                 synchronous: str = "FULL") -> None:
        self.path = Path(path)
        self.seq_start = max(int(seq_start), topics.SEQ_MIN)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # A household's readings: the file is created 0600 before SQLite opens it (its
            # -wal and -shm take the file's mode), whatever the umask.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None,
                                   timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        if synchronous.upper() not in ("FULL", "NORMAL"):
            raise ValueError("synchronous must be FULL or NORMAL")
        # NORMAL only for load generation (zw simulate --spool-sync normal); see above
        self._db.execute("PRAGMA synchronous=%s" % synchronous.upper())
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database (pending rows stay on disk)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> "Spool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def append(self, device_id: str, ts: datetime, weight_g: float, stream: str | None = None,
               battery_pct: float | None = None) -> Reading:
        """Allocate the next seq and store the reading, atomically; return the reading.

        Raises ``ReadingError`` (and allocates nothing) when the values are invalid.
        """
        topic = topics.weighin_topic(device_id)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = self._next_seq(device_id)
                reading = Reading.build(seq, ts, weight_g, stream, battery_pct)
                self._db.execute(
                    "INSERT INTO outbox (device_id, seq, topic, payload, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (device_id, seq, topic, reading.to_json(), time.time()))
                self._db.execute(
                    "INSERT INTO counter (device_id, next_seq) VALUES (?, ?) "
                    "ON CONFLICT (device_id) DO UPDATE SET next_seq = excluded.next_seq",
                    (device_id, seq + 1))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return reading

    def _next_seq(self, device_id: str) -> int:
        row = self._db.execute("SELECT next_seq FROM counter WHERE device_id = ?",
                               (device_id,)).fetchone()
        return max(row[0], self.seq_start) if row else self.seq_start

    def next_seq(self, device_id: str) -> int:
        """The seq the next reading of this device will get."""
        with self._lock:
            return self._next_seq(device_id)

    def pending(self, device_id: str | None = None, limit: int | None = None,
                after_seq: int = 0) -> list[SpooledReading]:
        """Readings not yet acknowledged, oldest seq first."""
        query = ("SELECT device_id, seq, topic, payload, created_at FROM outbox "
                 "WHERE seq > ?")
        args: list[object] = [after_seq]
        if device_id is not None:
            query += " AND device_id = ?"
            args.append(device_id)
        query += " ORDER BY device_id, seq"
        if limit is not None:
            query += " LIMIT ?"
            args.append(int(limit))
        with self._lock:
            rows = self._db.execute(query, args).fetchall()
        return [SpooledReading(*row) for row in rows]

    def count(self, device_id: str | None = None) -> int:
        """How many readings wait for an acknowledgement."""
        with self._lock:
            if device_id is None:
                return self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
            return self._db.execute("SELECT COUNT(*) FROM outbox WHERE device_id = ?",
                                    (device_id,)).fetchone()[0]

    def save_state(self, device_id: str, empty_g: float | None, load_g: float | None) -> None:
        """Remember the detector's empty level and current load across restarts."""
        with self._lock:
            self._db.execute(
                "INSERT INTO detector_state (device_id, empty_g, load_g, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET "
                "empty_g = excluded.empty_g, load_g = excluded.load_g, "
                "updated_at = excluded.updated_at", (device_id, empty_g, load_g, time.time()))

    def load_state(self, device_id: str) -> tuple[float | None, float | None] | None:
        """The saved (empty level, load level), or None for a device never seen."""
        with self._lock:
            row = self._db.execute("SELECT empty_g, load_g FROM detector_state "
                                   "WHERE device_id = ?", (device_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def ack(self, device_id: str, seq: int) -> bool:
        """The broker acknowledged this reading: drop it from the outbox."""
        return self.ack_many(device_id, [seq]) > 0

    def ack_many(self, device_id: str, seqs: list[int]) -> int:
        """Drop several acknowledged readings in one transaction (one fsync); return how many."""
        if not seqs:
            return 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.executemany(
                    "DELETE FROM outbox WHERE device_id = ? AND seq = ?",
                    [(device_id, seq) for seq in seqs])
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return cur.rowcount
