"""weighins.seq as a 64-bit integer

A scale's seq is validated up to 2^53 (tracker.schemas.ReadingSchema) and firmwares may start
it high (a bridge's --seq-start after a lost SD card); PostgreSQL's INTEGER stops at
2^31 - 1. SQLite stores 64-bit integers either way; batch mode rebuilds its table.

Revision ID: 0110_seq_bigint
Revises: 0100_life
Create Date: 2026-11-22 02:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0110_seq_bigint'
down_revision = '0100_life'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('weighins') as batch:
        batch.alter_column('seq', existing_type=sa.Integer(), type_=sa.BigInteger(),
                           existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('weighins') as batch:
        batch.alter_column('seq', existing_type=sa.BigInteger(), type_=sa.Integer(),
                           existing_nullable=True)
