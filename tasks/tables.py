"""Reading tables into DataFrames with the types the model declares, whatever the database returns
(SQLite hands back dates as text and booleans as 0/1)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
from pyarrow import csv as pa_csv
from sqlalchemy import JSON, Boolean, Date, DateTime, Engine, Float, Integer, Select, String, select

from tasks.model import metadata


def read_table(engine: Engine, name: str, provinces: Iterable[str] | None = None,
               columns: list[str] | None = None) -> pd.DataFrame:
    """Rows of table `name` (optionally of some provinces), typed as the model says."""
    table = metadata.tables[name]
    cols = [table.c[c] for c in columns] if columns else list(table.c)
    query = select(*cols)
    if provinces is not None:
        query = query.where(table.c.province_code.in_(list(provinces)))
    columnar = not any(isinstance(c.type, JSON) for c in cols)  # JSON documents stay Python objects
    if engine.dialect.name == "postgresql" and columnar:
        return typed(_copy_out(engine, query, cols), name)
    # SQLite stays with pandas: native readers (connectorx, ADBC) bring their own SQLite, whose closing of
    # a WAL database under our open connections ended in "disk I/O error" (tried; see the issue 9 note).
    with engine.connect() as conn:
        # In chunks: a whole result as Python tuples takes about ten times the memory of the frame.
        chunks = list(pd.read_sql(query, conn, chunksize=READ_CHUNK_ROWS))
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=[c.name for c in cols])
    return typed(frame, name)


READ_CHUNK_ROWS = 100_000
ARROW_TYPES = [(Boolean, pa.bool_()), (DateTime, pa.timestamp("us")), (Date, pa.date32()),
               (Integer, pa.int64()), (Float, pa.float64()), (String, pa.string())]


def _copy_out(engine: Engine, query: Select, cols: list) -> pd.DataFrame:
    """PostgreSQL's COPY … TO STDOUT, parsed by Arrow: about ten times the rows per second of fetching
    Python tuples, which matters at tens of millions of persons. The CSV is spooled to a temporary file so
    memory holds the parsed columns, not the text too."""
    sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    types = {c.name: next((t for kind, t in ARROW_TYPES if isinstance(c.type, kind)), pa.string()) for c in cols}
    with tempfile.TemporaryFile() as spool:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
                for block in copy:
                    spool.write(block)
        spool.seek(0)
        table = pa_csv.read_csv(spool, convert_options=pa_csv.ConvertOptions(
            column_types=types, true_values=["t"], false_values=["f"],
            # COPY writes NULL unquoted and an empty string as "": keep them apart.
            strings_can_be_null=True, quoted_strings_can_be_null=False))
    return table.to_pandas(date_as_object=False, self_destruct=True)


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
        elif isinstance(kind, String) and frame[column].dtype == object:
            # A chunk of NULLs and a chunk of text concatenate to objects; text is text whatever the chunks.
            frame[column] = frame[column].astype("str")
    return frame
