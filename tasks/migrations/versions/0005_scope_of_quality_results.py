"""scope of quality results and quarantined rows, province of quarantined rows

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 05:40:00

A stage run once per province (or partition of provinces) recorded its results under the same run, stage
and suite each time, so each write replaced the previous province's. The scope is now part of the key,
and a quarantined row says which province it came from.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("quality_results", "quarantined_rows"):
        op.add_column(table, sa.Column('scope', sa.String(length=60), nullable=True, comment='范围(省或分区)'))
    op.add_column('quarantined_rows', sa.Column('province_code', sa.String(length=2), nullable=True,
                                                comment='省代码'))


def downgrade() -> None:
    with op.batch_alter_table('quarantined_rows') as batch:
        batch.drop_column('province_code')
        batch.drop_column('scope')
    with op.batch_alter_table('quality_results') as batch:
        batch.drop_column('scope')
