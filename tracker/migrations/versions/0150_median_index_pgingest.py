"""weighins: a partial index for the household's median of a bin (accepted rows only)

`stream_median` reads the last 50 accepted weigh-ins of one household and bin, newest first;
the web form and every ingest batch call it. With only (household_id, measured_at) to go by,
the database walked the household's rows from the newest and skipped every flagged one: a
scale past its hourly limit (device_rates) leaves thousands of flagged rows, and on
PostgreSQL one batch's median took tens of milliseconds on a 100,000-row table
(docs/ingest.md, "Benchmark"). This index holds the accepted rows only, so the 50 are read
directly, whatever the number of flagged ones.

Revision ID: 0150_median_index_pgingest
Revises: 0140_absences
Create Date: 2026-12-02 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0150_median_index_pgingest'
down_revision = '0150_monthly_aggregates_agg'
branch_labels = None
depends_on = None


def upgrade() -> None:
    accepted = sa.text("status = 'accepted'")
    op.create_index('ix_weighins_accepted_median', 'weighins',
                    ['household_id', 'stream', 'measured_at'],
                    postgresql_where=accepted, sqlite_where=accepted)


def downgrade() -> None:
    op.drop_index('ix_weighins_accepted_median', table_name='weighins')
