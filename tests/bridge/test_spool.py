"""The SQLite spool: seq allocation, durability, order, acknowledgement."""

import json
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from firmware_bridge.reading import ReadingError
from firmware_bridge.spool import Spool

TS = datetime(2026, 3, 14, 8, 21, 5, tzinfo=ZoneInfo("Europe/Paris"))


def test_seq_starts_at_one_and_survives_a_restart(tmp_path):
    path = tmp_path / "spool.db"
    with Spool(path) as spool:
        assert [spool.append("dev1", TS, 100 * i).seq for i in (1, 2, 3)] == [1, 2, 3]
        assert spool.append("dev2", TS, 500).seq == 1  # one counter per device
        for seq in (1, 2, 3):
            spool.ack("dev1", seq)
    with Spool(path) as spool:  # acknowledged and gone, yet the counter goes on
        assert spool.count("dev1") == 0
        assert spool.append("dev1", TS, 400).seq == 4


def test_pending_in_seq_order_with_exact_payload_and_ack_removes(tmp_path):
    with Spool(tmp_path / "s.db") as spool:
        for grams in (1234, 250, 4000):
            spool.append("dev", TS, grams, stream="residual")
        pending = spool.pending("dev")
        assert [p.seq for p in pending] == [1, 2, 3]
        assert pending[0].topic == "zw/scales/dev/weighin"
        assert json.loads(pending[0].payload) == {
            "seq": 1, "ts": "2026-03-14T08:21:05+01:00", "weight_g": 1234, "stream": "residual"}
        assert spool.ack("dev", 2) and not spool.ack("dev", 2)
        assert [p.seq for p in spool.pending("dev")] == [1, 3]
        assert [p.seq for p in spool.pending("dev", after_seq=1)] == [3]
        assert [p.seq for p in spool.pending("dev", limit=1)] == [1]


def test_invalid_reading_allocates_no_seq(tmp_path):
    with Spool(tmp_path / "s.db") as spool:
        with pytest.raises(ReadingError):
            spool.append("dev", TS, 60000)  # above 50 kg
        with pytest.raises(ReadingError):
            spool.append("dev", TS, 0.2)  # rounds to 0 g
        assert spool.append("dev", TS, 10).seq == 1
        assert spool.count() == 1


def test_seq_start_floor_for_a_replaced_spool(tmp_path):
    with Spool(tmp_path / "s.db", seq_start=1000) as spool:
        assert spool.append("dev", TS, 10).seq == 1000
        assert spool.append("dev", TS, 10).seq == 1001


def test_wal_and_full_sync(tmp_path):
    with Spool(tmp_path / "s.db") as spool:
        assert spool._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert spool._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_crash_between_spool_write_and_publish_resends_and_never_reuses(tmp_path):
    """A process killed right after the append: the row is there, the seq taken."""
    path = tmp_path / "spool.db"
    code = (
        "import os, sys\n"
        "from datetime import datetime, timezone\n"
        "from firmware_bridge.spool import Spool\n"
        "s = Spool(sys.argv[1])\n"
        "for g in (111, 222):\n"
        "    s.append('dev', datetime(2026, 3, 14, tzinfo=timezone.utc), g)\n"
        "os._exit(9)  # killed before any publish, no close\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True)
    assert proc.returncode == 9, proc.stderr
    with Spool(path) as spool:
        assert [(p.seq, json.loads(p.payload)["weight_g"]) for p in spool.pending()] == [
            (1, 111), (2, 222)]
        assert spool.append("dev", TS, 333).seq == 3


def test_concurrent_appends_get_distinct_seqs(tmp_path):
    with Spool(tmp_path / "s.db") as spool:
        seqs: list[int] = []
        lock = threading.Lock()

        def work():
            for _ in range(25):
                seq = spool.append("dev", TS, 100).seq
                with lock:
                    seqs.append(seq)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(seqs) == list(range(1, 101))


def test_spool_file_is_plain_sqlite(tmp_path):
    path = tmp_path / "s.db"
    with Spool(path) as spool:
        spool.append("dev", TS, 10)
    rows = sqlite3.connect(path).execute("SELECT device_id, seq FROM outbox").fetchall()
    assert rows == [("dev", 1)]
