"""county indicators

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 23:30:00

Each county's indicators at a campaign's input stage, per period (tasks.quality.county_indicators): the
history a county's next values are compared with to find outliers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'county_indicators',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False, comment='编号'),
        sa.Column('source', sa.String(length=20), nullable=False, comment='来源'),
        sa.Column('as_of', sa.Date(), nullable=False, comment='截止日期'),
        sa.Column('province_code', sa.String(length=2), nullable=False, comment='省代码'),
        sa.Column('county_code', sa.String(length=6), nullable=False, comment='县代码'),
        sa.Column('indicator', sa.String(length=40), nullable=False, comment='指标'),
        sa.Column('value', sa.Float(), nullable=True, comment='数值'),
        sa.Column('outlier', sa.Text(), nullable=True, comment='异常值提示'),
        sa.Column('campaign_run_id', sa.String(length=80), nullable=True, comment='运行编号'),
        sa.Column('recorded_at', sa.DateTime(), nullable=False, comment='记录时间'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source', 'as_of', 'county_code', 'indicator', name='uq_county_indicators_period'),
        comment='县级指标 (各期，供异常值比较)',
    )
    op.create_index('ix_county_indicators_county', 'county_indicators', ['county_code', 'indicator'])


def downgrade() -> None:
    op.drop_index('ix_county_indicators_county', table_name='county_indicators')
    op.drop_table('county_indicators')
