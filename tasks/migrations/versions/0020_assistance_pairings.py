"""assistance pairings

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:40:00

The assistance pairings (东西部协作, 中央单位定点帮扶, 驻村帮扶): each pairing's annual agreement with its targets,
its progress to each quarter's end, and the village work teams with their first secretaries.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'pairing_agreements',
        sa.Column('agreement_no', sa.String(length=48), nullable=False, comment='协议编号'),
        sa.Column('pairing_no', sa.String(length=40), nullable=False, comment='结对编号'),
        sa.Column('pairing_kind', sa.String(length=20), nullable=False, comment='帮扶类型'),
        sa.Column('year', sa.Integer(), nullable=False, comment='年度'),
        sa.Column('helper', sa.String(length=100), nullable=False, comment='帮扶方'),
        sa.Column('province_code', sa.String(length=2), nullable=True, comment='省代码'),
        sa.Column('county_code', sa.String(length=6), nullable=False, comment='县代码'),
        sa.Column('signed_on', sa.Date(), nullable=True, comment='协议签订日期'),
        sa.Column('target_projects', sa.Float(), nullable=True, comment='项目建设目标(个)'),
        sa.Column('target_labour', sa.Float(), nullable=True, comment='劳务协作目标(人)'),
        sa.Column('target_parks', sa.Float(), nullable=True, comment='园区共建目标(个)'),
        sa.Column('target_industry', sa.Float(), nullable=True, comment='产业协作目标(个)'),
        sa.Column('target_cadres', sa.Float(), nullable=True, comment='干部人才交流目标(人次)'),
        sa.Column('target_consumption', sa.Float(), nullable=True, comment='消费帮扶目标(万元)'),
        sa.Column('target_funds_in', sa.Float(), nullable=True, comment='投入帮扶资金目标(万元)'),
        sa.Column('target_funds_brought', sa.Float(), nullable=True, comment='引进帮扶资金目标(万元)'),
        sa.Column('target_trained', sa.Float(), nullable=True, comment='培训基层干部和技术人员目标(人次)'),
        sa.Column('target_purchased', sa.Float(), nullable=True, comment='购买脱贫地区农产品目标(万元)'),
        sa.Column('target_sold', sa.Float(), nullable=True, comment='帮助销售脱贫地区农产品目标(万元)'),
        sa.Column('reported_on', sa.Date(), nullable=True, comment='填报日期'),
        sa.PrimaryKeyConstraint('agreement_no', name=op.f('pk_pairing_agreements')),
        comment='东西部协作和中央单位定点帮扶年度协议(责任书)及目标 (受帮扶县报送)',
    )
    op.create_index('ix_pairing_agreements_year', 'pairing_agreements', ['year', 'province_code'])
    op.create_table(
        'pairing_progress',
        sa.Column('progress_no', sa.String(length=48), nullable=False, comment='报表编号'),
        sa.Column('pairing_no', sa.String(length=40), nullable=False, comment='结对编号'),
        sa.Column('year', sa.Integer(), nullable=False, comment='年度'),
        sa.Column('quarter', sa.Integer(), nullable=False, comment='季度'),
        sa.Column('province_code', sa.String(length=2), nullable=True, comment='省代码'),
        sa.Column('county_code', sa.String(length=6), nullable=True, comment='县代码'),
        sa.Column('done_projects', sa.Float(), nullable=True, comment='项目建设完成(个)'),
        sa.Column('done_labour', sa.Float(), nullable=True, comment='劳务协作完成(人)'),
        sa.Column('done_parks', sa.Float(), nullable=True, comment='园区共建完成(个)'),
        sa.Column('done_industry', sa.Float(), nullable=True, comment='产业协作完成(个)'),
        sa.Column('done_cadres', sa.Float(), nullable=True, comment='干部人才交流完成(人次)'),
        sa.Column('done_consumption', sa.Float(), nullable=True, comment='消费帮扶完成(万元)'),
        sa.Column('done_funds_in', sa.Float(), nullable=True, comment='投入帮扶资金完成(万元)'),
        sa.Column('done_funds_brought', sa.Float(), nullable=True, comment='引进帮扶资金完成(万元)'),
        sa.Column('done_trained', sa.Float(), nullable=True, comment='培训基层干部和技术人员完成(人次)'),
        sa.Column('done_purchased', sa.Float(), nullable=True, comment='购买脱贫地区农产品完成(万元)'),
        sa.Column('done_sold', sa.Float(), nullable=True, comment='帮助销售脱贫地区农产品完成(万元)'),
        sa.Column('reported_on', sa.Date(), nullable=True, comment='填报日期'),
        sa.PrimaryKeyConstraint('progress_no', name=op.f('pk_pairing_progress')),
        comment='东西部协作和中央单位定点帮扶季度进展(年初至季度末累计) (受帮扶县报送)',
    )
    op.create_index('ix_pairing_progress_period', 'pairing_progress', ['year', 'quarter', 'province_code'])
    op.create_table(
        'village_teams',
        sa.Column('team_no', sa.String(length=40), nullable=False, comment='工作队编号'),
        sa.Column('province_code', sa.String(length=2), nullable=True, comment='省代码'),
        sa.Column('county_code', sa.String(length=6), nullable=False, comment='县代码'),
        sa.Column('village', sa.String(length=60), nullable=False, comment='村名称'),
        sa.Column('unit', sa.String(length=100), nullable=True, comment='派出单位'),
        sa.Column('secretary', sa.String(length=30), nullable=True, comment='第一书记'),
        sa.Column('members', sa.Integer(), nullable=True, comment='工作队员人数'),
        sa.Column('started_on', sa.Date(), nullable=False, comment='派驻日期'),
        sa.Column('term_months', sa.Integer(), nullable=True, comment='任期(月)'),
        sa.Column('reported_on', sa.Date(), nullable=True, comment='填报日期'),
        sa.PrimaryKeyConstraint('team_no', name=op.f('pk_village_teams')),
        comment='驻村第一书记和工作队 (县报送)',
    )
    op.create_index('ix_village_teams_county', 'village_teams', ['province_code', 'county_code'])


def downgrade() -> None:
    op.drop_index('ix_village_teams_county', table_name='village_teams')
    op.drop_table('village_teams')
    op.drop_index('ix_pairing_progress_period', table_name='pairing_progress')
    op.drop_table('pairing_progress')
    op.drop_index('ix_pairing_agreements_year', table_name='pairing_agreements')
    op.drop_table('pairing_agreements')
