"""rural incomes: the survey's per-capita disposable income of the 脱贫县's rural residents, per province

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 08:20:00

Releases publish 脱贫县农村居民人均可支配收入 and its growth (15,111 元, +7.5 % in 2022). It is a survey figure
the statistics office reports per province and quarter (year to date), not something the roster can count;
the rural population is kept beside it as the weight of the national figure.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'rural_incomes',
        sa.Column('province_code', sa.String(length=2), nullable=False, comment='省代码'),
        sa.Column('year', sa.Integer(), nullable=False, comment='年度'),
        sa.Column('quarter', sa.Integer(), nullable=False, comment='季度'),
        sa.Column('income', sa.Float(), nullable=False, comment='人均可支配收入(元, 年初至季末)'),
        sa.Column('population', sa.Float(), nullable=False, comment='农村常住人口(万人)'),
        sa.PrimaryKeyConstraint('province_code', 'year', 'quarter', name=op.f('pk_rural_incomes')),
        comment='脱贫县农村居民人均可支配收入 (统计部门住户调查, 按省、季度, 年初至季末)',
    )


def downgrade() -> None:
    op.drop_table('rural_incomes')
