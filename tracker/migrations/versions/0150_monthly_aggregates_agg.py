"""monthly_aggregates: weigh-ins summed per household × challenge month (issue 19)

The progress pages read these instead of every weigh-in of the edition; the rows are kept in
step by `tracker.aggregates` and backfilled here from the existing weigh-ins.

Revision ID: 0150_monthly_aggregates_agg
Revises: 0140_absences
Create Date: 2026-12-10 09:00:00
"""
from alembic import op
import sqlalchemy as sa

import tracker.models


revision = '0150_monthly_aggregates_agg'
down_revision = '0150_reference_figure_fig17'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'monthly_aggregates',
        sa.Column('household_id', sa.Integer(),
                  sa.ForeignKey('households.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('month', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('grams', sa.BigInteger(), nullable=False),
        sa.Column('w1', sa.Integer(), nullable=False),
        sa.Column('w2', sa.Integer(), nullable=False),
        sa.Column('w3', sa.Integer(), nullable=False),
        sa.Column('w4', sa.Integer(), nullable=False),
        sa.Column('diverted_grams', sa.BigInteger(), nullable=False),
        sa.Column('diverted', sa.Integer(), nullable=False),
        sa.Column('flagged', sa.Integer(), nullable=False),
        sa.Column('rejected', sa.Integer(), nullable=False),
        sa.Column('last_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
    )
    # the backfill: the same grouped statement that keeps the table in step afterwards
    from tracker.aggregates import rebuild_all

    rebuild_all(op.get_bind())


def downgrade() -> None:
    op.drop_table('monthly_aggregates')
