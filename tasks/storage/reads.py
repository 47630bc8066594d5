"""Reading tables into DataFrames with the types the model declares, whatever the database returns
(SQLite hands back dates as text and booleans as 0/1)."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import pandas as pd
import pyarrow as pa
from pyarrow import csv as pa_csv
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    Select,
    String,
    Table,
    func,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from tasks.model import HISTORY, KEYS, metadata
from tasks.model.history import submitted_columns
from tasks.storage.retries import driver_connection
from tasks.storage.sqlite_native import NativeReadError, read_arrow
from tasks.storage.versions import RosterView, older_versions, resolve, seen_as_they_are

logger = logging.getLogger(__name__)


class RowRange(Protocol):
    """Which rows of a table to read (a part of a province: tasks.partitions.partition.Partition)."""

    def rows_of(self, table: Table) -> ColumnElement | None: ...


def read_table(engine: Engine, name: str, provinces: Iterable[str] | None = None,
               columns: list[str] | None = None) -> pd.DataFrame:
    """Rows of table `name` (optionally of some provinces), typed as the model says."""
    return read_tables(engine, [name], provinces, {name: columns} if columns else None)[name]


def read_tables(engine: Engine, names: Iterable[str], provinces: Iterable[str] | None = None,
                columns: dict[str, list[str]] | None = None, part: RowRange | None = None,
                view: RosterView | None = None) -> dict[str, pd.DataFrame]:
    """Several tables at once (optionally of some provinces, or of one part of a province, and some columns),
    each typed as the model says; the roster tables as `view` sees them (tasks.storage.versions), else as
    they are now. On a SQLite file they are read together by one native reader (tasks.storage.sqlite_native)."""
    names = list(names)
    if view is not None and not view.is_everything and (versioned := [n for n in names if n in HISTORY]):
        return _read_as_of(engine, names, versioned, provinces, columns, part, view)
    return _read(engine, names, provinces, columns, part)


VERSION_CHUNK = 500  # keys per lookup: well under SQLite's bound-parameter limit


def read_versions(engine: Engine, name: str, versions: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Roster table `name`'s rows at the versions given (its key and `batch_id`, as a read saw them), with
    `columns`, typed, in the order given: wherever each version is kept (the current table or the history).
    What a read of some columns fetches of the few rows it needs whole."""
    key = KEYS[name]
    batches = versions["batch_id"].astype("Int64").fillna(0).astype("int64")
    keys = list(dict.fromkeys(versions[key].tolist()))
    found = []
    with engine.connect() as conn:
        for table in (metadata.tables[name], HISTORY[name]):
            batch = func.coalesce(table.c.batch_id, 0)
            for start in range(0, len(keys), VERSION_CHUNK):
                # By key alone, which the primary key indexes (a key's few versions), the version picked below.
                query = select(*(table.c[c] for c in columns), table.c[key].label("_key"), batch.label("_batch")) \
                    .where(table.c[key].in_(keys[start:start + VERSION_CHUNK]))
                found.append(pd.DataFrame(conn.execute(query).all(), columns=[*columns, "_key", "_batch"]))
    whole = pd.concat(found, ignore_index=True).drop_duplicates(["_key", "_batch"]).set_index(["_key", "_batch"])
    wanted = pd.MultiIndex.from_arrays([versions[key].to_numpy(dtype=object), batches.to_numpy()])
    return typed(whole.reindex(wanted).reset_index(drop=True)[columns], name)


def _read_as_of(engine: Engine, names: list[str], versioned: list[str], provinces: Iterable[str] | None,
                columns: dict[str, list[str]] | None, part: RowRange | None,
                view: RosterView) -> dict[str, pd.DataFrame]:
    """In the same read: the current rows `view` sees as they are (the database filters them), and the
    older versions of the other rows (tasks.storage.versions: only those, a few per cent); then each of
    those rows' version as `view` sees it."""
    asked = dict(columns or {})
    columns = dict(asked)
    for name in versioned:
        wanted = asked.get(name) or submitted_columns(metadata.tables[name])
        columns[name] = wanted
        columns[HISTORY[name].name] = [*wanted, *(c for c in ("batch_id", "episode_on") if c not in wanted),
                                       "superseded_by"]
    frames = _read(engine, [*names, *(HISTORY[n].name for n in versioned)], provinces, columns, part, view)
    for name in versioned:
        frames[name] = resolve(frames[name], frames.pop(HISTORY[name].name), KEYS[name], view)
    return frames


def _read(engine: Engine, names: list[str], provinces: Iterable[str] | None,
          columns: dict[str, list[str]] | None, part: RowRange | None,
          view: RosterView | None = None) -> dict[str, pd.DataFrame]:
    provinces = list(provinces) if provinces is not None else None
    queries = {name: _select(name, provinces, (columns or {}).get(name), part, view) for name in names}
    frames: dict[str, pd.DataFrame] = {}
    native = {n: q for n, (q, cols) in queries.items() if not any(isinstance(c.type, JSON) for c in cols)}
    if engine.dialect.name == "postgresql":
        # JSON documents stay Python objects: COPY would hand them back as text.
        frames = {n: typed(_copy_out(engine, q, queries[n][1]), n) for n, q in native.items()}
    elif engine.dialect.name == "sqlite" and native and _sqlite_file(engine):
        try:
            frames = _read_native(engine, native, queries)
        except NativeReadError as exc:
            # Slower but the same rows: the Python driver.
            logger.warning("%s; reading through the Python driver instead", exc)
    for name, (query, cols) in queries.items():
        if name not in frames:
            frames[name] = _read_python(engine, name, query, cols)
    return {name: frames[name] for name in queries}


def _select(name: str, provinces: list[str] | None, columns: list[str] | None,
            part: RowRange | None = None, view: RosterView | None = None) -> tuple[Select, list]:
    table = metadata.tables[name]
    # Which version a row is, is the reads' business (tasks.storage.versions), not the campaigns'.
    cols = [table.c[c] for c in (columns or submitted_columns(table))]
    query = select(*cols)
    if view is not None and name in HISTORY:
        query = query.where(seen_as_they_are(table, view))
    elif view is not None and (of := table.info.get("versions_of")):
        query, cols = older_versions(query, cols, table, metadata.tables[of], view)
    if provinces is not None:
        query = query.where(table.c.province_code.in_(provinces))
    if part is not None and (of_part := part.rows_of(table)) is not None:
        query = query.where(of_part)
    return query, cols


def _read_python(engine: Engine, name: str, query: Select, cols: list) -> pd.DataFrame:
    with engine.connect() as conn:
        # In chunks: a whole result as Python tuples takes about ten times the memory of the frame.
        chunks = list(pd.read_sql(query, conn, chunksize=READ_CHUNK_ROWS))
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=[c.name for c in cols])
    return typed(frame, name)


def _sqlite_file(engine: Engine) -> bool:
    database = engine.url.database
    return bool(database) and database != ":memory:" and not database.startswith("file:")


def _read_native(engine: Engine, queries: dict[str, Select],
                 declared: dict[str, tuple[Select, list]]) -> dict[str, pd.DataFrame]:
    sql = {n: str(q.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
           for n, q in queries.items()}
    tables = read_arrow(str(Path(engine.url.database).resolve()), sql)
    frames = {}
    for name, table in tables.items():
        schema = pa.schema([(c.name, _arrow_type(c)) for c in declared[name][1]])
        frames[name] = typed(table.cast(schema).to_pandas(date_as_object=False, self_destruct=True), name)
    return frames


READ_CHUNK_ROWS = 100_000
ARROW_TYPES = [(Boolean, pa.bool_()), (DateTime, pa.timestamp("us")), (Date, pa.date32()),
               (Integer, pa.int64()), (Float, pa.float64()), (String, pa.string())]


def _arrow_type(column) -> pa.DataType:
    return next((t for kind, t in ARROW_TYPES if isinstance(column.type, kind)), pa.string())


def _copy_out(engine: Engine, query: Select, cols: list) -> pd.DataFrame:
    """PostgreSQL's COPY … TO STDOUT, parsed by Arrow: about ten times the rows per second of fetching
    Python tuples, which matters at tens of millions of persons. The CSV is spooled to a temporary file so
    memory holds the parsed columns, not the text too."""
    sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    types = {c.name: _arrow_type(c) for c in cols}
    with tempfile.TemporaryFile() as spool:
        copy_out = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)"
        with engine.connect() as conn, driver_connection(conn) as raw, raw.cursor() as cur, cur.copy(copy_out) as copy:
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
            # One unit per kind whichever reader parsed them (text, Arrow dates, COPY), so frames compare.
            unit = "datetime64[us]" if isinstance(kind, DateTime) else "datetime64[s]"
            frame[column] = pd.to_datetime(frame[column], errors="coerce", format="mixed").astype(unit)
        elif isinstance(kind, Boolean):
            frame[column] = frame[column].astype("boolean")
        elif isinstance(kind, Integer) and frame[column].isna().any():
            frame[column] = frame[column].astype("Int64")
        elif isinstance(kind, Integer | Float) and frame.empty:
            # No rows: the Python driver gives objects, the fast readers the column's type.
            frame[column] = frame[column].astype("int64" if isinstance(kind, Integer) else "float64")
        elif isinstance(kind, String) and frame[column].dtype == object:
            # A chunk of NULLs and a chunk of text concatenate to objects; text is text whatever the chunks.
            frame[column] = frame[column].astype("str")
    return frame
