"""relocation reports

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 05:05:00

What each relocation site's county reports for a quarter about the site (services present, earmarked funds
received): with the roster's relocated households, the relocation follow-up's inputs.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'relocation_reports',
        sa.Column('report_no', sa.String(length=32), nullable=False, comment='报表编号'),
        sa.Column('site_code', sa.String(length=20), nullable=False, comment='安置点编号'),
        sa.Column('year', sa.Integer(), nullable=False, comment='年度'),
        sa.Column('quarter', sa.Integer(), nullable=False, comment='季度'),
        sa.Column('province_code', sa.String(length=2), nullable=True, comment='省代码'),
        sa.Column('county_code', sa.String(length=6), nullable=True, comment='县代码'),
        sa.Column('school', sa.Boolean(), nullable=True, comment='配套学校'),
        sa.Column('clinic', sa.Boolean(), nullable=True, comment='配套卫生服务机构'),
        sa.Column('workshop', sa.Boolean(), nullable=True, comment='就业帮扶车间'),
        sa.Column('community_service', sa.Boolean(), nullable=True, comment='社区综合服务设施'),
        sa.Column('funds_received', sa.Float(), nullable=True, comment='后续扶持专项资金到位(万元)'),
        sa.Column('reported_on', sa.Date(), nullable=True, comment='填报日期'),
        sa.PrimaryKeyConstraint('report_no', name=op.f('pk_relocation_reports')),
        comment='易地搬迁集中安置点后续扶持季度情况 (县报送)',
    )
    op.create_index('ix_relocation_reports_period', 'relocation_reports', ['year', 'quarter', 'province_code'])


def downgrade() -> None:
    op.drop_index('ix_relocation_reports_period', table_name='relocation_reports')
    op.drop_table('relocation_reports')
