"""fund projects

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 12:30:00

The linkage-fund project ledger (衔接资金项目台账): each project funded by the central linkage funds as its
county reports it, with its 联农带农 mechanism and the households it brings in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'fund_projects',
        sa.Column('project_no', sa.String(length=40), nullable=False, comment='项目编号'),
        sa.Column('year', sa.Integer(), nullable=False, comment='资金年度'),
        sa.Column('quarter', sa.Integer(), nullable=False, comment='资金下达季度'),
        sa.Column('province_code', sa.String(length=2), nullable=True, comment='省代码'),
        sa.Column('county_code', sa.String(length=6), nullable=False, comment='县代码'),
        sa.Column('project_name', sa.String(length=100), nullable=True, comment='项目名称'),
        sa.Column('use', sa.String(length=20), nullable=False, comment='资金用途'),
        sa.Column('amount', sa.Float(), nullable=False, comment='衔接资金(万元)'),
        sa.Column('operating', sa.Boolean(), nullable=True, comment='是否经营性项目'),
        sa.Column('mechanism', sa.String(length=20), nullable=True, comment='联农带农机制'),
        sa.Column('linked_households', sa.Integer(), nullable=True, comment='带动脱贫户和监测户数'),
        sa.Column('reported_on', sa.Date(), nullable=True, comment='填报日期'),
        sa.PrimaryKeyConstraint('project_no', name=op.f('pk_fund_projects')),
        comment='中央财政衔接资金项目台账及联农带农情况 (县报送)',
    )
    op.create_index('ix_fund_projects_period', 'fund_projects', ['year', 'quarter', 'province_code'])


def downgrade() -> None:
    op.drop_index('ix_fund_projects_period', table_name='fund_projects')
    op.drop_table('fund_projects')
