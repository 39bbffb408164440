"""absences and accepted_months: coverage of the progress method (DESIGN.md)

A household declares the dates it is away (0 person-days); staff accept a household-month as
reliable despite missing weeks, with a reason (also kept in the audit log).

Revision ID: 0140_absences
Revises: 0132_published_figures
Create Date: 2026-12-02 05:00:00
"""
from alembic import op
import sqlalchemy as sa

import tracker.models


revision = '0140_absences'
down_revision = '0132_published_figures'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'absences',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('household_id', sa.Integer(),
                  sa.ForeignKey('households.id', ondelete='CASCADE'), nullable=False),
        sa.Column('date_from', sa.Date(), nullable=False),
        sa.Column('date_to', sa.Date(), nullable=False),
        sa.Column('created_by_id', sa.Integer(),
                  sa.ForeignKey('accounts.id', ondelete='SET NULL'), nullable=True),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.Column('created_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('date_to >= date_from', name='absence_order'),
    )
    op.create_index('ix_absences_household_id', 'absences', ['household_id'])
    op.create_table(
        'accepted_months',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('household_id', sa.Integer(),
                  sa.ForeignKey('households.id', ondelete='CASCADE'), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('accepted_by_id', sa.Integer(),
                  sa.ForeignKey('accounts.id', ondelete='SET NULL'), nullable=True),
        sa.Column('accepted_by', sa.String(length=254), nullable=False),
        sa.Column('accepted_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('household_id', 'month', name='uq_accepted_month'),
    )


def downgrade() -> None:
    op.drop_table('accepted_months')
    op.drop_index('ix_absences_household_id', table_name='absences')
    op.drop_table('absences')
