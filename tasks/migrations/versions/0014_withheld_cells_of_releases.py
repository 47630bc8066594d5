"""withheld cells of releases

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 23:00:00

A release keeps which of its cells it withheld (small cells and the complementary ones): the next release
of the year is audited against everything already public (tasks.release.disclosure), so it must know which
cells the public did not see.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('releases', sa.Column('withheld', sa.JSON().with_variant(JSONB(), 'postgresql'), nullable=True,
                                        comment='不予公布的单元格'))


def downgrade() -> None:
    with op.batch_alter_table('releases') as batch:
        batch.drop_column('withheld')
