"""ingested files

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 02:50:50.052546
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ingested_files',
    sa.Column('sha256', sa.String(length=64), nullable=False, comment='文件 SHA-256'),
    sa.Column('file_name', sa.String(length=300), nullable=False, comment='文件名'),
    sa.Column('kind', sa.String(length=20), nullable=True, comment='数据类别'),
    sa.Column('status', sa.String(length=12), nullable=False, comment='状态'),
    sa.Column('county_code', sa.String(length=6), nullable=True, comment='县代码'),
    sa.Column('rows_read', sa.Integer(), nullable=False, comment='读取行数'),
    sa.Column('rows_loaded', sa.Integer(), nullable=False, comment='入库行数'),
    sa.Column('rows_quarantined', sa.Integer(), nullable=False, comment='隔离行数'),
    sa.Column('reasons', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True, comment='隔离原因及行数'),
    sa.Column('problem', sa.Text(), nullable=True, comment='拒收原因'),
    sa.Column('campaign_run_id', sa.String(length=36), nullable=True, comment='运行编号'),
    sa.Column('launched_by', sa.String(length=100), nullable=True, comment='发起人或调度'),
    sa.Column('received_at', sa.DateTime(), nullable=False, comment='首次接收时间'),
    sa.Column('ingested_at', sa.DateTime(), nullable=False, comment='处理时间'),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_ingested_files')),
    comment='已接收的县级报送文件 (按内容 SHA-256)'
    )


def downgrade() -> None:
    op.drop_table('ingested_files')
