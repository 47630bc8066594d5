"""column mappings: a coordinator's saved mapping of a county's own column names to the contract's

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 08:10:00

A county whose system exports 县区编号 for 县代码 sends it again every week: `campaigns ingest --map
县区编号=县代码 --save --scope 52` stores it once, for a province, a county or everyone, and later files use it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'column_mappings',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False, comment='编号'),
        sa.Column('scope', sa.String(length=6), nullable=False, comment='适用范围(省或县代码, 空为全部)'),
        sa.Column('header', sa.String(length=100), nullable=False, comment='原列名(规范化)'),
        sa.Column('column', sa.String(length=40), nullable=False, comment='标准列名'),
        sa.Column('saved_by', sa.String(length=100), nullable=True, comment='保存人'),
        sa.Column('saved_at', sa.DateTime(), nullable=False, comment='保存时间'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_column_mappings')),
        sa.UniqueConstraint('scope', 'header', name=op.f('uq_column_mappings_scope')),
        comment='报送文件列名对应 (按省或县保存)',
    )


def downgrade() -> None:
    op.drop_table('column_mappings')
