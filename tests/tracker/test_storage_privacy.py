"""What the storage keeps after a delete, and who may read the files the tracker writes."""
from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from pathlib import Path

from sqlalchemy import text

from tracker.db import checkpoint, make_engine


def test_sqlite_zeroes_deleted_rows_whatever_its_build_default(tmp_path):
    """secure_delete is set by the tracker, not left to the build (Debian's is on, the SQLite
    default is off): a build with it off is simulated by switching it off first."""
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


# --- who may read the files: 0600 files, 0700 folders, whatever the umask -----------------



@contextlib.contextmanager
def usual_umask():
    """The umask of a shell or of gunicorn (022, or 0): files are world-readable by default."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_private(*paths) -> None:
    for path in paths:
        assert Path(path).exists(), path
        assert mode(path) & 0o077 == 0, f"{path} is {oct(mode(path))}"


def test_instance_folder_database_secrets_and_outbox_are_private(tmp_path):
    from tracker.app import create_app
    from tracker.config import Config
    from tracker.migrate import upgrade
    from tracker.adapters.mailer import FolderTransport
    from tracker.services import mail as mail_service

    instance = tmp_path / "instance"
    with usual_umask():
        app = create_app(Config(instance_path=instance))   # secrets and SQLite: the defaults
        upgrade(app.config["ZW"].database_url)
        database = app.extensions["zw_db"]
        with database.session() as s:
            mail_service.queue_mail(s, to="famille@example.org", subject="Lien",
                                    body="https://zw.example/lien/secret-token", kind="signin")
            s.flush()
            mail_service.deliver_pending(s, FolderTransport(instance / "outbox"))
        with database.engine.connect() as conn:  # the -wal and -shm exist while it is open
            conn.exec_driver_sql("SELECT 1")
            assert_private(instance, instance / "zw.sqlite3", instance / "zw.sqlite3-wal",
                           instance / "zw.sqlite3-shm", instance / ".secret_key",
                           instance / ".broker_admin_password",
                           instance / ".mqtt_ingest_password", instance / "outbox",
                           *(instance / "outbox").glob("*.eml"))
        assert list((instance / "outbox").glob("*.eml"))
        database.dispose()


def test_files_left_readable_by_an_older_version_are_tightened(tmp_path):
    from tracker.config import Config
    from tracker.db import make_engine

    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    os.chmod(instance, 0o755)
    for name in (".secret_key", "zw.sqlite3"):
        (instance / name).write_text("x" * 40 if name == ".secret_key" else "")
        os.chmod(instance / name, 0o644)
    Config(instance_path=instance, broker_admin_password="a", mqtt_password="b").resolved()
    make_engine(f"sqlite:///{instance / 'zw.sqlite3'}").dispose()
    assert_private(instance, instance / ".secret_key", instance / "zw.sqlite3")


def test_ingest_status_exports_and_bridge_spool_are_private(app, runner, world, tmp_path):
    from firmware_bridge.spool import Spool
    from ingest.status import write_status

    with usual_umask():
        write_status(tmp_path / "run" / "ingest-status.json", {"running": True})
        Spool(tmp_path / "bridge" / "spool.sqlite3").close()
        out = tmp_path / "progress.csv"
        result = runner.invoke(args=["progress", "export", "--challenge", "defi-2026",
                                     "--as-of", "2026-04-01", "-o", str(out)])
        assert result.exit_code == 0, result.output
    assert_private(tmp_path / "run", tmp_path / "run" / "ingest-status.json",
                   tmp_path / "bridge", tmp_path / "bridge" / "spool.sqlite3", out)


def test_broker_folder_config_passwords_persistence_and_log_are_private(tmp_path):
    from tracker.adapters import broker as zw_broker

    data = tmp_path / "broker"
    with usual_umask():
        broker = zw_broker.prepare_broker(
            data, zw_broker.free_port("127.0.0.1"), admin_user="zw-admin",
            admin_password="admin-pw", ingest_user="zw-ingest", ingest_password="ingest-pw")
        broker.start()
        broker.stop()  # mosquitto saves its persistence file on the way out
    assert_private(data, data / "mosquitto.conf", data / "dynamic-security.json",
                   data / "mosquitto.db", broker.log_path)


def test_zw_run_log_folder_and_files_are_private(tmp_path):
    from tracker.cli.run import Children

    with usual_umask():
        proc = Children(tmp_path / "logs").spawn("child", ["--help"], dict(os.environ))
        assert proc.wait(timeout=60) == 0
    assert_private(tmp_path / "logs", tmp_path / "logs" / "child.log")
