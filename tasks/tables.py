"""Reading tables into DataFrames with the types the model declares, whatever the database returns
(SQLite hands back dates as text and booleans as 0/1)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Boolean, Date, DateTime, Engine, Integer, select

from tasks.model import metadata


def read_table(engine: Engine, name: str, provinces: Iterable[str] | None = None,
               columns: list[str] | None = None) -> pd.DataFrame:
    """Rows of table `name` (optionally of some provinces), typed as the model says."""
    table = metadata.tables[name]
    cols = [table.c[c] for c in columns] if columns else list(table.c)
    query = select(*cols)
    if provinces is not None:
        query = query.where(table.c.province_code.in_(list(provinces)))
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    return typed(frame, name)


def typed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    table = metadata.tables[name]
    for column in frame.columns:
        if column not in table.c:
            continue
        kind = table.c[column].type
        if isinstance(kind, Date | DateTime):
            frame[column] = pd.to_datetime(frame[column], errors="coerce", format="mixed")
        elif isinstance(kind, Boolean):
            frame[column] = frame[column].astype("boolean")
        elif isinstance(kind, Integer) and frame[column].isna().any():
            frame[column] = frame[column].astype("Int64")
    return frame
