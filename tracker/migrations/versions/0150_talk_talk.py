"""talk: questions and answers, comments under news and tips, mail choice (issue 18)

Revision ID: 0150_talk_talk
Revises: 0140_absences
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa

import tracker.models


revision = '0150_talk_talk'
down_revision = '0150_median_index_pgingest'
branch_labels = None
depends_on = None


def _moderation():
    return [
        sa.Column('status', sa.String(length=8), nullable=False, server_default='visible'),
        sa.Column('hidden_reason', sa.String(length=500), nullable=False, server_default=''),
        sa.Column('hidden_by_id', sa.Integer(),
                  sa.ForeignKey('accounts.id', ondelete='SET NULL'), nullable=True),
        sa.Column('hidden_at', tracker.models.UTCDateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        'talk_questions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('edition_id', sa.Integer(),
                  sa.ForeignKey('editions.id', ondelete='CASCADE'), nullable=False),
        sa.Column('author_id', sa.Integer(),
                  sa.ForeignKey('accounts.id', ondelete='SET NULL'), nullable=True),
        sa.Column('household_id', sa.Integer(),
                  sa.ForeignKey('households.id', ondelete='CASCADE'), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('answered_at', tracker.models.UTCDateTime(timezone=True), nullable=True),
        *_moderation(),
        sa.CheckConstraint("status IN ('visible', 'hidden')", name='talk_question_status_known'),
    )
    op.create_index('ix_talk_questions_edition_created', 'talk_questions',
                    ['edition_id', 'created_at'])
    op.create_table(
        'talk_messages',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('question_id', sa.Integer(),
                  sa.ForeignKey('talk_questions.id', ondelete='CASCADE'), nullable=True),
        sa.Column('post_id', sa.Integer(),
                  sa.ForeignKey('posts.id', ondelete='CASCADE'), nullable=True),
        sa.Column('edition_id', sa.Integer(),
                  sa.ForeignKey('editions.id', ondelete='CASCADE'), nullable=True),
        sa.Column('author_id', sa.Integer(),
                  sa.ForeignKey('accounts.id', ondelete='SET NULL'), nullable=True),
        sa.Column('household_id', sa.Integer(),
                  sa.ForeignKey('households.id', ondelete='CASCADE'), nullable=True),
        sa.Column('by_staff', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', tracker.models.UTCDateTime(timezone=True), nullable=False),
        *_moderation(),
        sa.CheckConstraint('(question_id IS NULL) <> (post_id IS NULL)',
                           name='talk_message_parent'),
        sa.CheckConstraint("status IN ('visible', 'hidden')", name='talk_message_status_known'),
    )
    op.create_index('ix_talk_messages_question', 'talk_messages', ['question_id', 'created_at'])
    op.create_index('ix_talk_messages_post', 'talk_messages', ['post_id', 'created_at'])
    op.create_index('ix_talk_messages_created', 'talk_messages', ['created_at'])
    op.create_table(
        'talk_preferences',
        sa.Column('household_id', sa.Integer(),
                  sa.ForeignKey('households.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('mail', sa.String(length=8), nullable=False, server_default='each'),
        sa.Column('digest_until', tracker.models.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("mail IN ('each', 'digest', 'never')", name='talk_mail_known'),
    )


def downgrade() -> None:
    op.drop_table('talk_preferences')
    op.drop_index('ix_talk_messages_created', table_name='talk_messages')
    op.drop_index('ix_talk_messages_post', table_name='talk_messages')
    op.drop_index('ix_talk_messages_question', table_name='talk_messages')
    op.drop_table('talk_messages')
    op.drop_index('ix_talk_questions_edition_created', table_name='talk_questions')
    op.drop_table('talk_questions')
