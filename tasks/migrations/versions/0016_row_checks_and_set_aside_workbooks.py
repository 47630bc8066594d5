"""row checks and set-aside workbooks

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 23:30:00

Each roster version records the row rules it was checked with where it arrived, and why it failed them
(tasks.quality.row_checks): a campaign checks again only what its rules changed for, and its run says how
many rows it checked again. The workbooks of rows
set aside a campaign wrote, per county and province, with a digest of their content: a run rewrites only
those whose rows changed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROSTER = ('households', 'persons', 'measures', 'leads')


def upgrade() -> None:
    for table in (*ROSTER, *(f'{t}_history' for t in ROSTER)):
        op.add_column(table, sa.Column('checked_with', sa.String(length=16), nullable=True, comment='检查规则版本'))
        op.add_column(table, sa.Column('check_reasons', sa.Text(), nullable=True, comment='检查未通过原因'))
    op.add_column('campaign_runs', sa.Column('rows_rechecked', sa.Integer(), nullable=True,
                                             comment='按新规则复查行数'))
    op.create_table(
        'set_aside_workbooks',
        sa.Column('campaign', sa.String(length=20), nullable=False, comment='活动类型'),
        sa.Column('code', sa.String(length=6), nullable=False, comment='县或省代码'),
        sa.Column('digest', sa.String(length=64), nullable=False, comment='内容摘要 (SHA-256)'),
        sa.Column('path', sa.String(length=500), nullable=False, comment='文件路径'),
        sa.Column('campaign_run_id', sa.String(length=36), nullable=True, comment='运行编号'),
        sa.Column('written_at', sa.DateTime(), nullable=False, comment='写出时间'),
        sa.PrimaryKeyConstraint('campaign', 'code'),
        comment='活动写出的隔离行工作簿 (按县、省)',
    )


def downgrade() -> None:
    op.drop_table('set_aside_workbooks')
    with op.batch_alter_table('campaign_runs') as batch:
        batch.drop_column('rows_rechecked')
    for table in (*ROSTER, *(f'{t}_history' for t in ROSTER)):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('check_reasons')
            batch.drop_column('checked_with')
