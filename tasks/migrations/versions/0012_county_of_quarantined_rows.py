"""county of quarantined rows

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 11:00:00

The rows set aside go back to the county that can correct them, as a workbook per county
(tasks.outputs.set_aside): each row says its county, as it already says its province.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('quarantined_rows', sa.Column('county_code', sa.String(length=6), nullable=True, comment='县代码'))


def downgrade() -> None:
    with op.batch_alter_table('quarantined_rows') as batch:
        batch.drop_column('county_code')
