"""county reference list: the real county-level divisions (GB/T 2260) ship with the schema

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 08:00:00

Until now counties existed only as the synthetic generator invented them, so a real county file failed
`county_code.known` on every row. The shipped list (tasks/reference/counties.csv) is loaded as the provinces
are: missing codes inserted, the names of codes already present brought to the list's; the 脱贫县 and
重点帮扶县 flags are left as they are (`campaigns reference load` sets them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tasks.reference.counties import counties

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTIES = sa.table("counties", sa.column("code"), sa.column("name"), sa.column("province_code"),
                    sa.column("is_former_poor"), sa.column("is_key_assistance"))


def upgrade() -> None:
    conn = op.get_bind()
    present = set(conn.execute(sa.select(COUNTIES.c.code)).scalars())
    shipped = counties()
    op.bulk_insert(COUNTIES, [{"code": c.code, "name": c.name, "province_code": c.province_code,
                               "is_former_poor": False, "is_key_assistance": False}
                              for c in shipped if c.code not in present])
    for c in shipped:
        if c.code in present:
            conn.execute(COUNTIES.update().where(COUNTIES.c.code == c.code)
                         .values(name=c.name, province_code=c.province_code))


def downgrade() -> None:
    pass  # the rows are reference data other tables may name; they stay
