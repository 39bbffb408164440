"""device_rates: readings stored per scale and hour, for the ingest's plausibility limit

One scale published 5,000 readings in one second and all were accepted. The ingest now stores
the readings of a scale beyond ZW_INGEST_MAX_READINGS_PER_HOUR in one hour (of their time)
as flagged; this table keeps the counts, in the transaction that stores the readings, so the
limit holds across batches and restarts. Counting starts at this revision: readings stored
before it are not counted.

Revision ID: 0131_device_rate
Revises: 0130_session_generation
Create Date: 2026-12-02 05:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0131_device_rate'
down_revision = '0130_session_generation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'device_rates',
        sa.Column('device_id', sa.String(length=64), nullable=False),
        sa.Column('hour', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('readings', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('device_id', 'hour'),
    )


def downgrade() -> None:
    op.drop_table('device_rates')
