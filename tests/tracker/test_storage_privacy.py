"""What the storage keeps after a delete, and who may read the files the tracker writes."""
from __future__ import annotations

import sqlite3

from sqlalchemy import text

from tracker.db import checkpoint, make_engine


def test_sqlite_zeroes_deleted_rows_whatever_its_build_default(tmp_path):
    """secure_delete is set by the tracker, not left to the build (Debian's is on, python.org's
    and most others' off): a build with it off is simulated by switching it off first."""
    path = tmp_path / "z.sqlite3"

    def plain_build():
        conn = sqlite3.connect(path, check_same_thread=False)
        conn.execute("PRAGMA secure_delete=OFF")
        return conn

    engine = make_engine(f"sqlite:///{path}", creator=plain_build)
    with engine.begin() as conn:
        assert conn.execute(text("PRAGMA secure_delete")).scalar() == 1
        conn.execute(text("CREATE TABLE t (v TEXT)"))
        conn.execute(text("INSERT INTO t VALUES ('keep-me'), ('Quenouillard-secret')"))
    assert checkpoint(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM t WHERE v LIKE 'Quen%'"))
    assert checkpoint(engine)
    wal = tmp_path / "z.sqlite3-wal"
    assert wal.stat().st_size == 0  # TRUNCATE empties the log (the pool keeps it open)
    raw = path.read_bytes()
    engine.dispose()
    assert b"keep-me" in raw and b"Quenouillard" not in raw
