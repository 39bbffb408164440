"""0150: the monthly aggregates table is created and backfilled from the weigh-ins already
stored, on SQLite and PostgreSQL; down drops it, up again rebuilds it."""
from sqlalchemy import create_engine, inspect, text

from tests.tracker.test_migrations import empty_url  # noqa: F401  (the fixture)
from tracker.migrate import downgrade, upgrade


def test_aggregates_backfilled_up_down_up(empty_url):  # noqa: F811
    upgrade(empty_url, "0140_absences")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO editions (slug, name, start_date, months, "
                          "baseline_months, target_pct, streams, counted_streams, timezone, "
                          "created_at) VALUES ('e', 'E', '2026-03-01', 8, 1, 20, "
                          "'[\"residual\", \"glass\", \"biowaste\"]', '[\"residual\", \"glass\"]', "
                          "'Europe/Paris', '2026-03-01 00:00:00')"))
        edition = conn.execute(text("SELECT id FROM editions")).scalar()
        conn.execute(text("INSERT INTO households (edition_id, name, commune, emails, "
                          "created_at) VALUES (:e, 'H', '', '', '2026-03-01 00:00:00')"),
                     {"e": edition})
        household = conn.execute(text("SELECT id FROM households")).scalar()
        # Paris local dates: Mar 1 01:30 (month 1, block 1), Mar 8 (block 2), Apr 1 00:30
        # local = Mar 31 22:30 UTC (month 2), a flagged and a diverted one in month 1
        for stream, grams, utc, status in (
                ("residual", 1200, "2026-03-01 00:30:00", "accepted"),
                ("glass", 800, "2026-03-08 09:00:00", "accepted"),
                ("residual", 500, "2026-03-31 22:30:00", "accepted"),
                ("residual", 20000, "2026-03-02 09:00:00", "flagged"),
                ("biowaste", 300, "2026-03-03 09:00:00", "accepted")):
            conn.execute(text("INSERT INTO weighins (household_id, stream, weight_g, "
                              "measured_at, source, status, note, flag_reason, created_at) "
                              "VALUES (:h, :s, :g, :t, 'import', :st, '', '', :t)"),
                         {"h": household, "s": stream, "g": grams, "t": utc, "st": status})
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
