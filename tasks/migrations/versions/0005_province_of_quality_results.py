"""province of quality results and quarantined rows

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 05:40:00

A stage run once per province (the screening's input checks) recorded its results under the same run,
stage and suite for every province, so each province's write replaced the previous one's. The province
is now part of the key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("quality_results", "quarantined_rows")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column('province_code', sa.String(length=2), nullable=True, comment='省代码'))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('province_code')
