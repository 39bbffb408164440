"""A fresh database for one benchmark run: the benches seed fixed names (editions, scales).

    with scratch_database(url) as fresh_url: ...

With a PostgreSQL URL, a new database named after the URL's one (`<name>_bench_<hex>`) is
created on the same server (the URL's role needs CREATEDB), used, then dropped, even when the
run fails (`keep=True` keeps it, for a look afterwards). Any other URL (SQLite in the bench's
temporary folder) is used as given.
"""
from __future__ import annotations

import contextlib
import uuid
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextlib.contextmanager
def scratch_database(url: str, *, keep: bool = False) -> Iterator[str]:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        yield url
        return
    name = f"{parsed.database or 'zw'}_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    print(f"scratch database {name} on {parsed.host or 'localhost'}"
          f"{' (kept)' if keep else ' (dropped at the end)'}")
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def in_process_app(instance: str, url: str, secret: str = "bench"):
    """The tracker's app on `url` (instance folder `instance`), configured through the
    environment as a deployment is, rate limits off: what the in-process benches measure."""
    import os
    os.environ.update({"ZW_INSTANCE_PATH": instance, "ZW_DATABASE_URL": url,
                       "ZW_SECRET_KEY": secret, "ZW_MQTT_PASSWORD": secret,
                       "ZW_BROKER_ADMIN_PASSWORD": secret, "ZW_LOG_LEVEL": "WARNING",
                       "ZW_RATELIMIT_ENABLED": "false"})
    from tracker.app import create_app
    return create_app()
