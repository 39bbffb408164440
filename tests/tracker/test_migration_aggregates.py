"""0150: the monthly aggregates table is created and backfilled from the weigh-ins already
stored, on SQLite and PostgreSQL; down drops it, up again rebuilds it."""
from sqlalchemy import create_engine, inspect, text

from tests.tracker.migration_rows import add_edition, add_household, add_weighin
from tests.tracker.test_migrations import empty_url  # noqa: F401  (the fixture)
from tracker.migrate import downgrade, upgrade


def test_aggregates_backfilled_up_down_up(empty_url):  # noqa: F811
    upgrade(empty_url, "0140_absences")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        household = add_household(conn, add_edition(
            conn, streams=("residual", "glass", "biowaste"), counted=("residual", "glass")))
        # Paris local dates: Mar 1 01:30 (month 1, block 1), Mar 8 (block 2), Apr 1 00:30
        # local = Mar 31 22:30 UTC (month 2), a flagged and a diverted one in month 1
        for stream, grams, utc, status in (
                ("residual", 1200, "2026-03-01 00:30:00", "accepted"),
                ("glass", 800, "2026-03-08 09:00:00", "accepted"),
                ("residual", 500, "2026-03-31 22:30:00", "accepted"),
                ("residual", 20000, "2026-03-02 09:00:00", "flagged"),
                ("biowaste", 300, "2026-03-03 09:00:00", "accepted")):
            add_weighin(conn, household, stream=stream, weight_g=grams, measured_at=utc,
                        created_at=utc, status=status)
    upgrade(empty_url)
    query = text("SELECT month, grams, w1, w2, w3, w4, diverted_grams, diverted, flagged, "
                 "rejected FROM monthly_aggregates ORDER BY month")
    expected = [(1, 2000, 1, 1, 0, 0, 300, 1, 1, 0), (2, 500, 1, 0, 0, 0, 0, 0, 0, 0)]
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(query)] == expected
    downgrade(empty_url, "0140_absences")
    with engine.connect() as conn:
        assert "monthly_aggregates" not in inspect(conn).get_table_names()
    upgrade(empty_url)
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(query)] == expected
    engine.dispose()
