"""weigh-in source `staff`: a weigh-in entered by staff for a family (issue 18)

Downgrading turns the `staff` weigh-ins into `web` ones (the source the older code knows;
the audit log still says who entered them) before the constraint is narrowed again.

Revision ID: 0150_staff_source_staffweb
Revises: 0140_absences
Create Date: 2026-12-02 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0150_staff_source_staffweb'
down_revision = '0140_absences'
branch_labels = None
depends_on = None

WITH_STAFF = "source IN ('web', 'api', 'import', 'scale', 'staff')"
WITHOUT_STAFF = "source IN ('web', 'api', 'import', 'scale')"


def _replace(check: str) -> None:
    with op.batch_alter_table('weighins') as batch:
        batch.drop_constraint('source_known', type_='check')
        batch.create_check_constraint('source_known', sa.text(check))


def upgrade() -> None:
    _replace(WITH_STAFF)


def downgrade() -> None:
    op.execute("UPDATE weighins SET source = 'web' WHERE source = 'staff'")
    _replace(WITHOUT_STAFF)
