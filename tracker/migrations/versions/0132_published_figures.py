"""edition_settings.report_figures: published cohort figures frozen at publication

The public results page showed figures computed at each visit, so an erasure or a late
correction changed what had been published. The snapshot taken when staff publish is kept
here (JSON: the headline numbers, per-bin table, participation, the chart's monthly table).
Reports published before this revision have none: they are frozen at their next public view.

Revision ID: 0132_published_figures
Revises: 0131_device_rate
Create Date: 2026-12-02 05:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0132_published_figures'
down_revision = '0131_device_rate'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('edition_settings') as batch:
        batch.add_column(sa.Column('report_figures', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('edition_settings') as batch:
        batch.drop_column('report_figures')
