"""Apply the Alembic migrations that ship inside the package (`zw db upgrade`, `zw run`)."""
from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import inspect

from tracker.db import make_engine

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> AlembicConfig:
    """An Alembic configuration pointing at the packaged migrations and this database."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (head by default)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database back to `revision` (used by the migration tests)."""
    command.downgrade(alembic_config(url), revision)


def needs_upgrade(url: str) -> bool:
    """True when the database is new or behind the packaged head."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return True
            current = MigrationContext.configure(conn).get_current_heads()
    finally:
        engine.dispose()
    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    return set(current) != set(heads)
