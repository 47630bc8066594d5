"""Bulk writes of DataFrames: batched `executemany` on SQLite, `COPY` on PostgreSQL.

Rows are written as the DataFrame holds them; callers choose the columns (named as the table's).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv as pa_csv
from sqlalchemy import Connection, DateTime, Integer, Table

from tasks.storage.retries import driver_connection

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # what SQLAlchemy's SQLite DateTime stores and parses


def insert_frame(conn: Connection, table: Table, frame: pd.DataFrame, batch_rows: int = 50_000) -> int:
    """Append `frame` to `table` inside the caller's transaction; returns rows written."""
    if frame.empty:
        return 0
    unknown = set(frame.columns) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name}: columns not in the table: {sorted(unknown)}")
    frame = _integer_columns_as_int(table, frame)
    if conn.dialect.name == "postgresql":
        return _copy_postgres(conn, table, frame, batch_rows)
    return _executemany(conn, table, frame, batch_rows)


def _integer_columns_as_int(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """A missing value turns an integer column into floats (3.0), which PostgreSQL's COPY refuses."""
    floats = [c for c in frame.columns
              if isinstance(table.c[c].type, Integer) and pd.api.types.is_float_dtype(frame[c])]
    if not floats:
        return frame
    return frame.assign(**{c: frame[c].round().astype("Int64") for c in floats})


def _executemany(conn: Connection, table: Table, frame: pd.DataFrame, batch_rows: int) -> int:
    cols = list(frame.columns)
    names = ", ".join(f'"{c}"' for c in cols)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" for _ in cols)})'
    with driver_connection(conn) as raw:
        cur = raw.cursor()
        try:
            for chunk in _chunks(frame, batch_rows):
                cur.executemany(sql, _sqlite_rows(table, chunk))
        finally:
            cur.close()
    return len(frame)


def _sqlite_rows(table: Table, chunk: pd.DataFrame) -> Iterator[tuple]:
    """Rows of Python values for sqlite3, built column by column in C (Arrow, NumPy): a per-value Python
    conversion would cost more than SQLite's own insert."""
    return zip(*(_sqlite_values(table, name, chunk[name]) for name in chunk.columns), strict=True)


def _sqlite_values(table: Table, name: str, s: pd.Series) -> list:
    if pd.api.types.is_datetime64_any_dtype(s):
        # Dates repeat (birth dates, reporting days): format each distinct one once, in SQLAlchemy's format.
        fmt = DATETIME_FORMAT if isinstance(table.c[name].type, DateTime) else "%Y-%m-%d"
        codes, uniques = pd.factorize(s)
        return _take(uniques.strftime(fmt).tolist(), codes)
    if pd.api.types.is_string_dtype(s) and s.iloc[:2_000].nunique() < 200:
        # Codes: one Python string per distinct value, shared by its rows.
        codes, uniques = pd.factorize(s)
        return _take(uniques.astype(object).tolist(), codes)
    try:  # missing values (NaN, NA, None) become None; booleans stay bool, which sqlite3 stores as 1/0
        return pa.Array.from_pandas(s).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed Python objects: value by value
        return s.astype(object).where(s.notna(), None).tolist()


def _take(values: list, codes: np.ndarray) -> list:
    """`values[code]` for each code; -1 (missing) gives None."""
    table = np.empty(len(values) + 1, dtype=object)  # the last slot stays None
    table[:-1] = values
    return table[codes].tolist()


def _copy_postgres(conn: Connection, table: Table, frame: pd.DataFrame, batch_rows: int) -> int:
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    copy_in = f'COPY "{table.name}" ({cols}) FROM STDIN WITH (FORMAT csv)'
    with driver_connection(conn) as raw, raw.cursor() as cur, cur.copy(copy_in) as copy:
        for chunk in _chunks(frame, batch_rows):
            copy.write(_csv_block(chunk))
    return len(frame)


def _csv_block(chunk: pd.DataFrame) -> bytes | str:
    """The chunk as COPY's CSV, written by Arrow (several times pandas' speed; NULL unquoted, an empty
    string as ""); pandas writes what Arrow cannot convert (mixed Python objects)."""
    try:
        buf = io.BytesIO()
        pa_csv.write_csv(pa.Table.from_pandas(chunk, preserve_index=False), buf,
                         pa_csv.WriteOptions(include_header=False))
        return buf.getvalue()
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        text = io.StringIO()
        chunk.to_csv(text, header=False, index=False, na_rep="", date_format=DATETIME_FORMAT)
        return text.getvalue()


def _chunks(frame: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start : start + size]

