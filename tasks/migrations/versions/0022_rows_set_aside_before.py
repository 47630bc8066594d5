"""rows set aside before

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 15:00:00

A roster row recorded as failing its own rules (where it arrived, or at an earlier run's recheck) is held
back from a campaign's lists at every read, but it was listed for its county where it was found: a run
records it with its reasons and without its cells (`found_before`), counts it per county and lists only
what it found itself (issue 35).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('quarantined_rows', sa.Column('found_before', sa.Boolean(), nullable=False,
                                                server_default=sa.false(), comment='此前已查出 (不再列出)'))


def downgrade() -> None:
    with op.batch_alter_table('quarantined_rows') as batch:
        batch.drop_column('found_before')
