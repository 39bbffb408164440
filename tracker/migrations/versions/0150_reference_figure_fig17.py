"""editions.reference_kg_year: the figure a family compares its yearly residual waste with

Kilograms of residual household waste (ordures ménagères résiduelles) per inhabitant per year;
default 254, the national figure of ADEME's MODECOM 2017 campaign (docs/dashboards.md). Empty:
no comparison is shown.

Revision ID: 0150_reference_figure_fig17
Revises: 0140_absences
Create Date: 2026-12-02 08:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0150_reference_figure_fig17'
down_revision = '0151_news_mail_staffweb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('editions') as batch:
        batch.add_column(sa.Column('reference_kg_year', sa.Double(), nullable=True,
                                   server_default='254'))


def downgrade() -> None:
    with op.batch_alter_table('editions') as batch:
        batch.drop_column('reference_kg_year')
