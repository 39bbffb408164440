"""Rows written with plain SQL into a database at some Alembic revision (the migration tests
cannot use the models: the tables are as that revision left them)."""
import json

from sqlalchemy import text

#: a weigh-in's columns as every revision since 0100 has them
WEIGHIN = {"stream": "residual", "weight_g": 1200, "measured_at": "2026-03-02 08:00:00",
           "source": "import", "status": "accepted", "note": "", "flag_reason": "",
           "created_at": "2026-03-02 08:00:00"}


def insert(conn, table: str, **values):
    """One row; returns its id."""
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)
    return conn.execute(text(f"SELECT max(id) FROM {table}")).scalar()


def add_edition(conn, streams=("residual",), counted=None, slug="e") -> int:
    """An edition starting on 1 March 2026 (Europe/Paris, 8 months, 1 reference month)."""
    return insert(conn, "editions", slug=slug, name=slug.upper(), start_date="2026-03-01",
                  months=8, baseline_months=1, target_pct=20, streams=json.dumps(list(streams)),
                  counted_streams=json.dumps(list(streams if counted is None else counted)),
                  timezone="Europe/Paris", created_at="2026-03-01 00:00:00")


def add_household(conn, edition: int) -> int:
    return insert(conn, "households", edition_id=edition, name="H", commune="", emails="",
                  created_at="2026-03-01 00:00:00")


def add_weighin(conn, household: int, **values) -> int:
    """A weigh-in of `WEIGHIN`'s defaults, `values` replacing or adding columns."""
    return insert(conn, "weighins", household_id=household, **{**WEIGHIN, **values})
