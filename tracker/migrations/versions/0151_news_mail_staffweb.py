"""news by mail: each household's choice (per post, weekly digest, off), when its last digest
went, and when an announcement was mailed (issue 18)

Revision ID: 0151_news_mail_staffweb
Revises: 0150_staff_source_staffweb
Create Date: 2026-12-02 08:30:00
"""
from alembic import op
import sqlalchemy as sa

import tracker.models


revision = '0151_news_mail_staffweb'
down_revision = '0150_staff_source_staffweb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('household_settings') as batch:
        batch.add_column(sa.Column('news_mail', sa.String(length=8), nullable=False,
                                   server_default='digest'))
        batch.add_column(sa.Column('news_digest_at', tracker.models.UTCDateTime(timezone=True),
                                   nullable=True))
    with op.batch_alter_table('posts') as batch:
        batch.add_column(sa.Column('mailed_at', tracker.models.UTCDateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('posts') as batch:
        batch.drop_column('mailed_at')
    with op.batch_alter_table('household_settings') as batch:
        batch.drop_column('news_digest_at')
        batch.drop_column('news_mail')
