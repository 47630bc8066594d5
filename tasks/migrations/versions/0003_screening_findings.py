"""screening findings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 19:11:16.500840
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('screening_findings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False, comment='编号'),
    sa.Column('campaign_run_id', sa.String(length=36), nullable=False, comment='运行编号'),
    sa.Column('year', sa.Integer(), nullable=False, comment='年度'),
    sa.Column('mode', sa.String(length=12), nullable=False, comment='模式'),
    sa.Column('as_of', sa.Date(), nullable=False, comment='截止日期'),
    sa.Column('province_code', sa.String(length=2), nullable=False, comment='省代码'),
    sa.Column('list_name', sa.String(length=40), nullable=False, comment='清单'),
    sa.Column('household_no', sa.String(length=32), nullable=True, comment='户编号'),
    sa.Column('lead_no', sa.String(length=32), nullable=True, comment='线索编号'),
    sa.Column('category', sa.String(length=40), nullable=True, comment='类别'),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True, comment='明细'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_findings')),
    comment='集中排查结果 (按年度、模式、截止日期、省)'
    )
    with op.batch_alter_table('screening_findings', schema=None) as batch_op:
        batch_op.create_index('ix_screening_findings_scope', ['year', 'mode', 'as_of', 'province_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('screening_findings', schema=None) as batch_op:
        batch_op.drop_index('ix_screening_findings_scope')

    op.drop_table('screening_findings')
