"""Engine and sessions, for the web app, the ingest and the CLI alike (no Flask here)."""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from tracker.private_files import private_dir, tighten, touch_private

log = logging.getLogger(__name__)


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""
        if path and path != ":memory:" and not path.startswith("file:"):
            # Created 0600 before SQLite opens it: its -wal and -shm take the file's mode.
            private_dir(Path(path).parent, tighten_existing=False)
            touch_private(path)
            for extra in ("-wal", "-shm"):
                tighten(path + extra)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """Per connection: foreign keys (cascades), WAL, and secure_delete: a deleted or updated row
    is overwritten with zeros instead of lingering in the file's free space, so an erased
    household or a mail body blanked after delivery is really gone from the file (the cost on
    a weigh-in insert is measured by bench/secure_delete.py)."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA secure_delete=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def checkpoint(engine: Engine, attempts: int = 5) -> bool:
    """Copy SQLite's write-ahead log into the database file and empty it (after an erasure:
    the WAL still holds the pages as they were before the delete). True when done; False when
    readers kept it busy (it is retried, then left to SQLite's next automatic checkpoint).
    Nothing to do on other databases (PostgreSQL: see docs/production.md, VACUUM)."""
    if engine.dialect.name != "sqlite":
        return True
    for attempt in range(attempts):
        with engine.connect() as conn:
            busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if not busy:
            return True
        time.sleep(0.1 * (attempt + 1))
    log.warning("the SQLite WAL could not be checkpointed: readers kept it busy")
    return False


class Database:
    """An engine with its session factory."""

    def __init__(self, url: str, *, flag_weight_g: int | None = None, **engine_kwargs) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        # The instance's rules travel with each session, so every path (form, API, CSV,
        # ingest) reads the same threshold (tracker.services.weighins.flag_weight_limit).
        info = {} if flag_weight_g is None else {"flag_weight_g": flag_weight_g}
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False, info=info)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
