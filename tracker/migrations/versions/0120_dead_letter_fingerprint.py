"""dead_letters.fingerprint: a redelivered refusal is kept once

The ingest acknowledges a message only after its batch is committed. Killed in between, its
session gets the message again (MQTT's DUP flag set) and the refusal would be kept twice. The
fingerprint (SHA-256 of topic and whole payload) lets a redelivered refusal already kept be
recognised. Rows kept before this revision have none: their payload may have been cut, so it
cannot be computed again.

Revision ID: 0120_dead_letter_fingerprint
Revises: 0110_seq_bigint
Create Date: 2026-12-01 15:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0120_dead_letter_fingerprint'
down_revision = '0110_seq_bigint'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dead_letters') as batch:
        batch.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))
        batch.create_index('ix_dead_letters_fingerprint', ['fingerprint'])


def downgrade() -> None:
    with op.batch_alter_table('dead_letters') as batch:
        batch.drop_index('ix_dead_letters_fingerprint')
        batch.drop_column('fingerprint')
