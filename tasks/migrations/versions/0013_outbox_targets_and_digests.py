"""outbox targets and digests

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 16:30:00

Messages go to DingTalk, WeCom and Feishu robots and to e-mail lists beside Slack, each rendered in its
own format at sending time: the outbox keeps what a message says (`body`), not Slack's blocks. Messages to
a county wait (`held`) for that day's digest, which they join (`digested`, with the digest's id).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('body', JSON, nullable=True, comment='消息内容'))
        batch.add_column(sa.Column('severity', sa.String(length=10), nullable=True, comment='级别'))
        batch.add_column(sa.Column('campaign', sa.String(length=30), nullable=True, comment='活动'))
        batch.add_column(sa.Column('digest_slot', sa.String(length=40), nullable=True, comment='汇总时段'))
        batch.add_column(sa.Column('digest_id', sa.Integer(), nullable=True, comment='并入的汇总消息编号'))
        batch.create_index('ix_outbox_digest_slot', ['digest_slot'])
        # An e-mail's Message-ID is its id on the platform: longer than Slack's `ts`.
        batch.alter_column('slack_ts', existing_type=sa.String(length=40), type_=sa.String(length=200),
                           comment='平台消息编号', existing_comment='Slack 消息时间戳')


def downgrade() -> None:
    # The old code knows neither held nor digested messages nor targets other than Slack channels (it would
    # post them to Slack, fail, and stop there): they are closed, and ids that no longer fit are cut.
    op.execute("UPDATE outbox SET status = 'sent' WHERE status IN ('held', 'digested') "
               "OR (channel NOT LIKE '#%' AND status <> 'sent')")
    op.execute("UPDATE outbox SET slack_ts = SUBSTR(slack_ts, 1, 40) WHERE LENGTH(slack_ts) > 40")
    with op.batch_alter_table('outbox') as batch:
        batch.drop_index('ix_outbox_digest_slot')
        batch.alter_column('slack_ts', existing_type=sa.String(length=200), type_=sa.String(length=40),
                           comment='Slack 消息时间戳', existing_comment='平台消息编号')
        for name in ('digest_id', 'digest_slot', 'campaign', 'severity', 'body'):
            batch.drop_column(name)
