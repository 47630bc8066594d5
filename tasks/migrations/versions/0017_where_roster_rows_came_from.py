"""where roster rows came from

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 05:10:00

Each roster version keeps the line of the county file it came from (its file is its batch's), and a row a
campaign sets aside keeps that file's name: the county's workbook of rows set aside names the file and line
to correct, as the ingest's own workbook does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROSTER = ('households', 'persons', 'measures', 'leads')


def upgrade() -> None:
    for table in (*ROSTER, *(f'{t}_history' for t in ROSTER)):
        op.add_column(table, sa.Column('source_row', sa.Integer(), nullable=True, comment='文件行号'))
    op.add_column('quarantined_rows', sa.Column('source_file', sa.String(length=300), nullable=True,
                                                comment='来源文件'))


def downgrade() -> None:
    with op.batch_alter_table('quarantined_rows') as batch:
        batch.drop_column('source_file')
    for table in (*ROSTER, *(f'{t}_history' for t in ROSTER)):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('source_row')
