"""append-only audit trail; which process holds a running campaign run

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 09:30:00

audit_events records every campaign run, ingest, approval and publication with actor, time and
parameters. The database itself refuses to change or delete its rows (triggers on SQLite and PostgreSQL),
so the trail holds even against the application's own code. campaign_runs.holder names the process that
runs a campaign (host:pid), so a second run of the same campaign and period is refused while the first is
alive, and taken over once it is gone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit_events is append-only"


def upgrade() -> None:
    op.create_table(
        'audit_events',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True, comment='编号'),
        sa.Column('at', sa.DateTime(), nullable=False, comment='时间'),
        sa.Column('actor', sa.String(length=100), nullable=False, comment='操作人或调度'),
        sa.Column('action', sa.String(length=40), nullable=False, comment='操作'),
        sa.Column('subject', sa.String(length=200), nullable=True, comment='对象'),
        sa.Column('campaign_run_id', sa.String(length=36), nullable=True, comment='运行编号'),
        sa.Column('parameters', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True, comment='参数'),
        sa.Column('detail', sa.Text(), nullable=True, comment='说明'),
        comment='审计记录 (只增不改)',
    )
    op.create_index('ix_audit_events_at', 'audit_events', ['at'])
    op.add_column('campaign_runs', sa.Column('holder', sa.String(length=120), nullable=True,
                                             comment='运行进程(主机:进程号)'))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$;
            CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
                FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
            CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
                FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
        """)
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events "
                       f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE audit_events; DROP FUNCTION audit_events_append_only();")
    else:
        op.drop_table('audit_events')
    with op.batch_alter_table('campaign_runs') as batch:
        batch.drop_column('holder')
