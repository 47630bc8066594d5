"""roster history: batches, versions of every roster row, watermarks of runs and releases

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 04:20:00

A periodic campaign must see the roster as it stood at its period, and a published period must never change
by itself: each roster row now says which batch recorded it and whether it told of an event (from which day)
or corrected the version before; the versions it replaced are kept in <table>_history. Rows recorded before
this revision have no batch: they are taken as recorded before every watermark.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROSTER = {"households": "household_no", "persons": "person_no", "measures": "measure_no", "leads": "lead_no"}
COMMENTS = {"households": "农户 (脱贫户与监测户)", "persons": "家庭成员", "measures": "帮扶措施", "leads": "问题线索"}


def _version_columns() -> list[sa.Column]:
    return [sa.Column('batch_id', sa.Integer(), nullable=True, comment='登记批次'),
            sa.Column('change', sa.String(length=12), nullable=True, comment='变更类型'),
            sa.Column('episode_on', sa.Date(), nullable=True, comment='变更生效日期')]


def upgrade() -> None:
    op.create_table(
        'roster_batches',
        sa.Column('batch_id', sa.Integer(), autoincrement=True, nullable=False, comment='登记批次'),
        sa.Column('recorded_at', sa.DateTime(), nullable=False, comment='登记时间'),
        sa.Column('source', sa.String(length=300), nullable=False, comment='来源'),
        sa.Column('campaign_run_id', sa.String(length=36), nullable=True, comment='运行编号'),
        sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_roster_batches')),
        comment='名单登记批次 (每次报送入库或生成一批)')
    for table in ROSTER:
        for column in _version_columns():
            op.add_column(table, column)
    bind = op.get_bind()
    for table, key in ROSTER.items():
        # The history has the roster table's columns as they are now, plus the batch that replaced each.
        current = sa.Table(table, sa.MetaData(), autoload_with=bind)
        columns = [sa.Column(c.name, c.type, nullable=not (c.primary_key or c.name == 'batch_id'),
                             comment=c.comment)
                   for c in current.columns]
        op.create_table(
            f'{table}_history', *columns,
            sa.Column('superseded_by', sa.Integer(), nullable=False, comment='被替代批次'),
            sa.PrimaryKeyConstraint(key, 'batch_id', name=f'pk_{table}_history'),
            comment=f'{COMMENTS[table]}: 历史版本')
        op.create_index(f'ix_{table}_history_province', f'{table}_history', ['province_code'])
    op.add_column('campaign_runs', sa.Column('watermark', sa.Integer(), nullable=True,
                                             comment='名单水位(登记批次)'))
    op.add_column('releases', sa.Column('watermark', sa.Integer(), nullable=True, comment='名单水位(登记批次)'))


def downgrade() -> None:
    for table in ('campaign_runs', 'releases'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('watermark')
    for table in ROSTER:
        op.drop_index(f'ix_{table}_history_province', table_name=f'{table}_history')
        op.drop_table(f'{table}_history')
        with op.batch_alter_table(table) as batch:
            for name in ('episode_on', 'change', 'batch_id'):
                batch.drop_column(name)
    op.drop_table('roster_batches')
