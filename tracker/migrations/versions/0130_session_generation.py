"""accounts.session_generation, sign_ins, api_tokens: sign-out and password changes revoke

Every session and remember-me cookie now carries the account's session generation and the key
of its browser sign-in (Account.get_id). Rotating the generation signs every browser out;
deleting a sign-in row signs one browser out. Cookies made before this revision carry neither,
so everyone signs in once more after the upgrade (the point: year-long cookies die).

API tokens move from one hash per account to a table of named tokens (listed and revoked one by
one on the account page, all revoked by a password change). The existing hash is kept as a
token named "API", so scripts keep working.

Revision ID: 0130_session_generation
Revises: 0120_dead_letter_fingerprint
Create Date: 2026-12-02 04:40:00
"""
import secrets

from alembic import op
import sqlalchemy as sa

from tracker.models import UTCDateTime


revision = '0130_session_generation'
down_revision = '0120_dead_letter_fingerprint'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sign_ins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key_hash'))
    op.create_index('ix_sign_ins_account_id', 'sign_ins', ['account_id'])
    tokens = op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'))
    op.create_index('ix_api_tokens_account_id', 'api_tokens', ['account_id'])

    conn = op.get_bind()
    accounts = sa.table('accounts', sa.column('id', sa.Integer),
                        sa.column('api_token_hash', sa.String),
                        sa.column('session_generation', sa.String))
    kept = conn.execute(sa.select(accounts.c.id, accounts.c.api_token_hash)
                        .where(accounts.c.api_token_hash.is_not(None))).all()
    if kept:
        from tracker.models import utcnow

        op.bulk_insert(tokens, [{'account_id': account_id, 'name': 'API', 'token_hash': digest,
                                 'created_at': utcnow()} for account_id, digest in kept])

    with op.batch_alter_table('accounts') as batch:
        batch.add_column(sa.Column('session_generation', sa.String(length=32), nullable=True))
    for (account_id,) in conn.execute(sa.select(accounts.c.id)).all():
        conn.execute(accounts.update().where(accounts.c.id == account_id)
                     .values(session_generation=secrets.token_urlsafe(12)))
    with op.batch_alter_table('accounts') as batch:
        batch.alter_column('session_generation', existing_type=sa.String(length=32),
                           nullable=False)
        batch.drop_column('api_token_hash')


def downgrade() -> None:
    with op.batch_alter_table('accounts') as batch:
        batch.add_column(sa.Column('api_token_hash', sa.String(length=128), nullable=True))
        batch.create_unique_constraint('uq_accounts_api_token_hash', ['api_token_hash'])
    conn = op.get_bind()
    tokens = sa.table('api_tokens', sa.column('id', sa.Integer),
                      sa.column('account_id', sa.Integer), sa.column('token_hash', sa.String))
    accounts = sa.table('accounts', sa.column('id', sa.Integer),
                        sa.column('api_token_hash', sa.String))
    newest = {}  # the schema before kept one token per account: the newest one survives
    for token_id, account_id, digest in conn.execute(
            sa.select(tokens.c.id, tokens.c.account_id, tokens.c.token_hash)
            .order_by(tokens.c.id)).all():
        newest[account_id] = digest
    for account_id, digest in newest.items():
        conn.execute(accounts.update().where(accounts.c.id == account_id)
                     .values(api_token_hash=digest))
    with op.batch_alter_table('accounts') as batch:
        batch.drop_column('session_generation')
    op.drop_index('ix_api_tokens_account_id', table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_index('ix_sign_ins_account_id', table_name='sign_ins')
    op.drop_table('sign_ins')
