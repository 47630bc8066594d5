"""part of a province in screening findings

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 14:40:00

The screening cuts a very large province into parts (ranges of 户编号), each stored in a transaction of its
own: a part replaces its own findings, not those of the province's other parts. Empty for a whole province.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('screening_findings', sa.Column('part', sa.String(length=16), nullable=False, server_default='',
                                                  comment='分片 (省内户编号范围, 整省为空)'))


def downgrade() -> None:
    with op.batch_alter_table('screening_findings') as batch:
        batch.drop_column('part')
