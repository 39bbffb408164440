"""Running `zw ingest` as a subprocess against the test broker and database, and feeding it."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from ingest.status import read_status
from tracker.models import DeadLetter, WeighIn

ROOT = Path(__file__).resolve().parents[2]


class IngestProcess:
    """`zw ingest` in its own process, pointed at a test broker and database."""

    def __init__(self, mosquitto, database_url: str, instance: Path, *,
                 client_id: str | None = None, extra_env: dict | None = None):
        self.instance = Path(instance)
        self.client_id = client_id or f"zw-ingest-test-{uuid.uuid4().hex[:8]}"
        self.env = {**os.environ, **mosquitto.env(), "ZW_DATABASE_URL": database_url,
                    "ZW_INSTANCE_PATH": str(self.instance), "ZW_SECRET_KEY": "test",
                    "ZW_INGEST_CLIENT_ID": self.client_id, "ZW_LOG_LEVEL": "INFO",
                    **(extra_env or {})}
        self.status_file = self.instance / f"ingest-status-{self.client_id}.json"
        self.log_path = self.instance / f"ingest-{self.client_id}.log"
        self.process: subprocess.Popen | None = None

    def start(self, wait_connected: bool = True) -> "IngestProcess":
        self.instance.mkdir(parents=True, exist_ok=True)
        self.status_file.unlink(missing_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "tracker.entry", "ingest"],
                                        cwd=ROOT, env=self.env, stdout=log,
                                        stderr=subprocess.STDOUT)
        log.close()
        if wait_connected:
            assert wait_for(lambda: (self.status() or {}).get("connected"), 60), \
                "ingest did not connect:\n" + self.log_tail()
        return self

    def status(self) -> dict | None:
        return read_status(self.status_file)

    def freeze(self) -> None:
        """SIGSTOP the main process: it reads, stores and acknowledges nothing more, and
        whatever the broker sends it from now on stays unacknowledged."""
        self.process.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        """SIGKILL: no goodbye, nothing flushed."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout: float = 40) -> int:
        """SIGTERM and wait (the ingest commits and acknowledges what it holds)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode if self.process else 0

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def wait_for(predicate, timeout: float, every: float = 0.1):
    """Poll until predicate() is truthy (returned) or the timeout passes (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return None


class Counter:
    """Counts rows in the test database from outside the ingest."""

    def __init__(self, url: str):
        # No pool: a fault test may terminate every connection to the database.
        self.engine = create_engine(url, poolclass=NullPool)

    def weighins(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count(WeighIn.id)))

    def distinct_keys(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(text("SELECT COUNT(*) FROM (SELECT DISTINCT device_id, seq "
                                    "FROM weighins) AS k"))

    def dead_letters(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count(DeadLetter.id)))

    def wait_weighins(self, count: int, timeout: float) -> int:
        wait_for(lambda: self.weighins() >= count, timeout, 0.25)
        return self.weighins()

    def close(self) -> None:
        self.engine.dispose()


def publish_lines(mosquitto, device_id: str, password: str, payloads, *,
                  qos: int = 1) -> subprocess.Popen:
    """Publish one message per payload with mosquitto_pub -l (fast, in C); returns the process.

    Payloads must be single-line. The caller waits on the process.
    """
    proc = subprocess.Popen(
        ["mosquitto_pub", "-h", mosquitto.host, "-p", str(mosquitto.port), "-u", device_id,
         "-P", password, "-i", device_id,  # the broker ties a scale's login to this id
         "-t", f"zw/scales/{device_id}/weighin", "-q", str(qos), "-l", "-M", "200"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    proc.stdin.write(b"\n".join(payloads) + b"\n")
    proc.stdin.close()
    return proc


def canonical_lines(seqs, ts: str = "2026-05-04T08:21:05+02:00"):
    """Compact single-line canonical payloads."""
    return [json.dumps({"seq": s, "ts": ts, "weight_g": 500 + s % 700},
                       separators=(",", ":")).encode() for s in seqs]
