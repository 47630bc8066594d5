"""What a period's records gained since a watermark: rows recorded late (补报) and corrections (更正), the
records behind a revision of a published period. Only rows with a version recorded after the watermark are
read, so the cost follows the changes, not the roster."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine, Table, select
from sqlalchemy.sql.elements import ColumnElement

from tasks.model import HISTORY, KEYS, metadata
from tasks.storage.reads import read_tables
from tasks.storage.versions import RosterView

LATE, CORRECTED, WITHDRAWN = "补报", "更正", "撤销"


@dataclass(frozen=True)
class SomeRows:
    """The rows of one roster table with these keys, in the table and in its history (a RowRange)."""

    name: str
    keys: tuple[str, ...]

    def rows_of(self, table: Table) -> ColumnElement[bool] | None:
        return table.c[KEYS[self.name]].in_(self.keys)


def changed_since(engine: Engine, watermark: int, as_of: date, provinces: list[str] | None = None) -> pd.DataFrame:
    """Per roster row whose version for the period ending `as_of` differs between the roster as recorded up
    to `watermark` and as recorded now: table, key, 户编号, province, and how (补报: not recorded by then, or
    late news of the period's days; 更正: a correction; 撤销: removed since)."""
    found = []
    for name, key in KEYS.items():
        keys = _changed_keys(engine, name, watermark, provinces)
        if not keys:
            continue
        wanted = {name: list(dict.fromkeys([key, "household_no", "province_code", "batch_id", "change"]))}

        def seen(mark: int | None, name=name, key=key, keys=keys, wanted=wanted) -> pd.DataFrame:
            return read_tables(engine, [name], columns=wanted, part=SomeRows(name, tuple(keys)),
                               view=RosterView(as_of, mark))[name].set_index(key, drop=False)

        then, now = seen(watermark), seen(None)
        everyone = then.index.union(now.index)
        differs = everyone[(then["batch_id"].reindex(everyone).fillna(-1)
                            != now["batch_id"].reindex(everyone).fillna(-1)).to_numpy()]
        if differs.empty:
            continue
        kind = pd.Series(LATE, index=differs)
        kind[differs.isin(then.index) & ~differs.isin(now.index)] = WITHDRAWN
        kept = differs.isin(then.index) & differs.isin(now.index)
        kind[kept & (now["change"].reindex(differs) == "correction").to_numpy()] = CORRECTED
        rows = now.reindex(differs).combine_first(then.reindex(differs))
        household = rows["household_no"].to_numpy()
        found.append(pd.DataFrame({"table": name, "key": differs, "household_no": household,
                                   "province_code": rows["province_code"].to_numpy(), "kind": kind.to_numpy()}))
    columns = ["table", "key", "household_no", "province_code", "kind"]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=columns)


def _changed_keys(engine: Engine, name: str, watermark: int, provinces: list[str] | None) -> list[str]:
    """Keys of the rows with a version recorded after `watermark`, or removed since."""
    table, history, key = metadata.tables[name], HISTORY[name], KEYS[name]

    def of_provinces(t):
        return [t.c.province_code.in_(provinces)] if provinces is not None else []

    with engine.connect() as conn:
        keys = set(conn.execute(select(table.c[key]).where(table.c.batch_id > watermark,
                                                           *of_provinces(table))).scalars())
        # A row removed since the watermark has no current row: its last version says when it went.
        keys |= set(conn.execute(select(history.c[key]).where(history.c.superseded_by > watermark,
                                                              *of_provinces(history))).scalars())
    return sorted(keys)
