"""Faults: the ingest SIGKILLed mid-stream, the broker restarted, the database away.

Every reading the broker accepted must end up stored exactly once. `zw ingest` runs as a
subprocess; readings are published by mosquitto_pub (fast enough to build real backlogs).
"""
from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.ingest.helpers import IngestProcess, canonical_lines, publish_lines, \
    wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]


@pytest.fixture
def rig(mosquitto, database_url, tmp_path, scales):
    """The broker knows the scales; an ingest (not started) points at broker and database."""
    for device_id, secret in scales.items():
        mosquitto.add_scale(device_id, secret)
    process = IngestProcess(mosquitto, database_url, tmp_path / "ingest-instance")
    yield process
    code = process.stop()
    print("--- ingest log ---\n" + process.log_tail(60))
    assert code in (0, 1, -9, None)


def assert_exactly_once(counter, expected):
    assert counter.weighins() == expected
    assert counter.distinct_keys() == expected
    assert counter.dead_letters() == 0


def test_sigkill_while_50000_readings_flow(rig, mosquitto, scales, counter):
    total, half = 50_000, 25_000
    rig.start()
    publishers = [publish_lines(mosquitto, "sc-martin", scales["sc-martin"],
                                canonical_lines(range(1, half + 1))),
                  publish_lines(mosquitto, "sc-durand", scales["sc-durand"],
                                canonical_lines(range(1, half + 1)))]
    assert wait_for(lambda: counter.weighins() >= 5_000, 120), rig.log_tail()
    rig.kill()
    killed_at = counter.weighins()
    for proc in publishers:
        assert proc.wait(120) == 0, proc.stderr.read()
    assert killed_at < total, "the stream was over before the kill"
    rig.start()
    assert counter.wait_weighins(total, 180) == total, rig.log_tail()
    time.sleep(1.0)  # nothing more arrives
    assert_exactly_once(counter, total)


def storing_processes(pid: int) -> list[int]:
    """The storing processes (children) of the ingest with this pid."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children
            if "spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes().decode(errors="replace")
            and "resource_tracker" not in Path(f"/proc/{c}/cmdline").read_text(errors="replace")]


def test_storing_process_killed_mid_stream(rig, mosquitto, scales, counter):
    """One of the two storing processes is SIGKILLed while 20,000 readings flow: the ingest
    stops (exit 1, "a storing process died") without acknowledging what was not committed,
    and once restarted stores every reading exactly once."""
    total, half = 20_000, 10_000
    rig.start()
    publishers = [publish_lines(mosquitto, "sc-martin", scales["sc-martin"],
                                canonical_lines(range(1, half + 1))),
                  publish_lines(mosquitto, "sc-durand", scales["sc-durand"],
                                canonical_lines(range(1, half + 1)))]
    assert wait_for(lambda: counter.weighins() >= 2_000, 120), rig.log_tail()
    workers = storing_processes(rig.process.pid)
    assert len(workers) == 2, workers
    os.kill(workers[1], signal.SIGKILL)
    assert rig.process.wait(60) == 1, rig.log_tail()
    assert "storing process died" in rig.log_tail(80)
    killed_at = counter.weighins()
    for proc in publishers:
        assert proc.wait(120) == 0, proc.stderr.read()
    assert killed_at < total, "the stream was over before the kill"
    rig.start()
    assert counter.wait_weighins(total, 180) == total, rig.log_tail()
    time.sleep(1.0)  # nothing more arrives
    assert_exactly_once(counter, total)


def test_broker_restart_mid_stream(rig, mosquitto, scales, counter):
    rig.start()
    first = publish_lines(mosquitto, "sc-martin", scales["sc-martin"],
                          canonical_lines(range(1, 20_001)))
    assert first.wait(120) == 0, first.stderr.read()
    assert wait_for(lambda: counter.weighins() >= 2_000, 60)
    # The storing processes are frozen over the restart, so the backlog is certainly not
    # drained when the broker stops (at ~20,000 readings/s it could be, on a fast machine).
    # The ingest holds its unacknowledged readings meanwhile (its backpressure stalls it
    # too), then sees the connection gone and reconnects to the restarted broker.
    frozen = storing_processes(rig.process.pid)
    assert frozen, "no storing process"
    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    try:
        mosquitto.restart()  # clean stop: the ingest's queued session is saved
        assert counter.weighins() < 20_000, "the backlog was drained before the restart"
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
    assert wait_for(lambda: (rig.status() or {}).get("reconnects", 0) >= 1
                    and rig.status()["connected"], 60), rig.log_tail()
    second = publish_lines(mosquitto, "sc-durand", scales["sc-durand"],
                           canonical_lines(range(1, 5_001)))
    assert second.wait(60) == 0, second.stderr.read()
    assert counter.wait_weighins(25_000, 120) == 25_000, rig.log_tail()
    time.sleep(1.0)
    assert_exactly_once(counter, 25_000)


@contextlib.contextmanager
def database_outage(database_url: str):
    """Make the database unusable for the ingest: an exclusive lock on SQLite, or no
    connections allowed (and the existing ones terminated) on PostgreSQL."""
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.split("///", 1)[1], timeout=30,
                               isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    name = database_url.rsplit("/", 1)[1]
    admin = create_engine(database_url.rsplit("/", 1)[0] + "/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
        try:
            yield
        finally:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    admin.dispose()


def test_database_unavailable_holds_acks_and_loses_nothing(rig, mosquitto, scales, counter,
                                                           database_url):
    rig.start()
    warmup = publish_lines(mosquitto, "sc-martin", scales["sc-martin"],
                           canonical_lines(range(1, 101)))
    assert warmup.wait(60) == 0 and counter.wait_weighins(100, 60) == 100
    with database_outage(database_url):
        during = publish_lines(mosquitto, "sc-martin", scales["sc-martin"],
                               canonical_lines(range(101, 3_101)))
        assert during.wait(60) == 0, during.stderr.read()
        report = wait_for(lambda: (s := rig.status()) and s.get("database_error") and s, 30)
        assert report, rig.log_tail()
        assert report["queue"] > 0  # held, not acknowledged
        time.sleep(3)  # a few more retries
        assert rig.process.poll() is None
    assert counter.wait_weighins(3_100, 90) == 3_100, rig.log_tail()
    assert wait_for(lambda: not rig.status()["database_error"], 10)
    rig.stop()
    assert_exactly_once(counter, 3_100)
    assert "database unavailable" in rig.log_tail(400)
