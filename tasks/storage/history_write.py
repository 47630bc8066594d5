"""Writing roster rows as versions: a row that changed keeps its old version in the history, marked with the
batch that replaced it, and the new version says whether it told of an event (and from which day) or
corrected the one before (the rules: tasks.model.history). A row sent again unchanged makes no version, so
loading the same rows twice leaves the roster as it was."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, bindparam, delete, func, or_, select, tuple_, update

from tasks.model import HISTORY, KEYS, metadata
from tasks.model.history import EVENTS, NEWS, submitted_columns
from tasks.storage.bulk import insert_frame
from tasks.storage.reads import typed
from tasks.storage.versions import DATABASE_COLUMNS

KEY_CHUNK = 1_000


@dataclass
class Written:
    """What one write did to a table's rows."""

    new: int = 0
    events: int = 0
    corrections: int = 0
    unchanged: int = 0
    removed: int = 0  # current rows of another key that the rows replaced (the same 证件号码 re-registered)


def write_versions(conn: Connection, name: str, rows: pd.DataFrame, *, batch_id: int, recorded_on: date,
                   also_by: str | None = None, checked_with: str | None = None,
                   source_rows: pd.Series | None = None) -> Written:
    """Write `rows` of roster table `name` as batch `batch_id`, recorded on `recorded_on`, inside the caller's
    transaction. A current row with the same key is replaced (kept in the history); so is one with the same
    `also_by` value (a natural key) under another key. The rows passed the row rules of version
    `checked_with` (tasks.quality.row_checks); a row sent again unchanged takes that version too, and keeps
    the file line it came from (`source_rows`, aligned with `rows`: the lines of the batch's file)."""
    table, key = metadata.tables[name], KEYS[name]
    compared = submitted_columns(table)
    rows = typed(rows.reindex(columns=compared).reset_index(drop=True), name).assign(
        source_row=None if source_rows is None else source_rows.astype("Int64").to_numpy())
    old = _current(conn, name, rows, also_by)
    written = Written()
    by_key = old.set_index(key, drop=False)
    matched = rows[key].isin(by_key.index).to_numpy()
    before = by_key.loc[rows.loc[matched, key]].reset_index(drop=True)
    after = rows[matched].reset_index(drop=True)
    differs = _differs(before, after, compared)
    written.unchanged = int((~differs).sum())
    if checked_with is not None:
        _restamp(conn, name, before.loc[~differs, key].tolist(), checked_with)
    before, after = before[differs].reset_index(drop=True), after[differs].reset_index(drop=True)
    change, episode = classify(name, before, after, recorded_on)
    written.events, written.corrections = int((change == "event").sum()), int((change == "correction").sum())
    fresh = rows[~matched]
    written.new = len(fresh)
    replaced_keys = set(rows[key])
    gone = old[~old[key].isin(replaced_keys)]  # the same natural key under another key
    written.removed = len(gone)
    retired = pd.concat([before, gone], ignore_index=True)
    if not retired.empty:
        retired = retired.assign(batch_id=retired["batch_id"].fillna(0).astype("int64"), superseded_by=batch_id)
        _delete(conn, name, retired[key].tolist())
        insert_frame(conn, HISTORY[name], retired)
    versions = pd.concat([
        after.assign(change=change, episode_on=episode),
        fresh.assign(change="new", episode_on=pd.NaT),
    ], ignore_index=True).assign(batch_id=batch_id, checked_with=checked_with, check_reasons=None)
    insert_frame(conn, table, versions)
    return written


def classify(name: str, before: pd.DataFrame, after: pd.DataFrame,
             recorded_on: date) -> tuple[np.ndarray, pd.Series]:
    """For each changed row (aligned), "event" and the day it began, or "correction" and the day of the
    episode it corrects (tasks.model.history: EVENTS, NEWS)."""
    n = len(after)
    explained = {c: np.zeros(n, dtype=bool) for c in after.columns}
    day = pd.Series(pd.NaT, index=after.index, dtype="datetime64[s]")
    for event in EVENTS[name]:
        newly = (before[event.on].isna() & after[event.on].notna()).to_numpy(dtype=bool)
        for column in (event.on, *event.with_):
            explained[column] |= newly
        on = pd.to_datetime(after[event.on]).dt.normalize().astype("datetime64[s]").where(newly)
        day = day.where(day.notna() & (day >= on.fillna(day)), on)
    news = np.zeros(n, dtype=bool)
    correction = np.zeros(n, dtype=bool)
    for column in after.columns:
        if column in DATABASE_COLUMNS:
            continue
        changed = _column_differs(before[column], after[column])
        if column in NEWS[name]:
            news |= changed & ~explained[column]  # risk codes set with an identification are the identification's
        correction |= changed & ~explained[column] & (column not in NEWS[name])
    recorded = pd.Timestamp(recorded_on).as_unit("s")
    day = day.where(~news | (day.notna() & (day >= recorded)), recorded)
    change = np.where(correction, "correction", "event")
    # A correction keeps the day of the version it corrects; one sent with an event or news takes their day,
    # so that the event is not seen in the periods before it.
    episode = day.where(~correction | day.notna(), pd.to_datetime(before["episode_on"]).astype("datetime64[s]"))
    return change, episode


def _differs(before: pd.DataFrame, after: pd.DataFrame, columns: list[str]) -> np.ndarray:
    out = np.zeros(len(after), dtype=bool)
    for column in columns:
        out |= _column_differs(before[column], after[column])
    return out


def _column_differs(a: pd.Series, b: pd.Series) -> np.ndarray:
    missing_a, missing_b = a.isna().to_numpy(dtype=bool), b.isna().to_numpy(dtype=bool)
    # Missing values as None: pandas' NA has no truth value, and NA == NA is not a change.
    same = a.astype(object).where(~missing_a, None).to_numpy() == b.astype(object).where(~missing_b, None).to_numpy()
    return np.where(missing_a | missing_b, missing_a != missing_b, ~same.astype(bool))


def _current(conn: Connection, name: str, rows: pd.DataFrame, also_by: str | None) -> pd.DataFrame:
    table, key = metadata.tables[name], KEYS[name]
    wanted = {c: rows[c].dropna().unique().tolist() for c in {key, also_by} - {None}}
    chunks = []
    longest = max((len(v) for v in wanted.values()), default=0)
    for start in range(0, longest, KEY_CHUNK):
        tests = [table.c[c].in_(v[start:start + KEY_CHUNK]) for c, v in wanted.items() if v[start:start + KEY_CHUNK]]
        chunks.append(pd.read_sql(select(table).where(or_(*tests)), conn))
    found = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=[c.name for c in table.c])
    return typed(found.drop_duplicates(key), name)


def _restamp(conn: Connection, name: str, keys: list, checked_with: str) -> None:
    """Rows sent again unchanged were checked again with the file: their record says so, once."""
    table, key = metadata.tables[name], KEYS[name]
    for start in range(0, len(keys), KEY_CHUNK):
        conn.execute(update(table).where(table.c[key].in_(keys[start:start + KEY_CHUNK]),
                                         table.c.checked_with.is_distinct_from(checked_with))
                     .values(checked_with=checked_with, check_reasons=None))


def record_checks(conn: Connection, name: str, checked: pd.DataFrame, checked_with: str) -> None:
    """Record that the versions in `checked` (the key, `batch_id`, `check_reasons`: None when passed) were
    checked with rules `checked_with`, wherever each version is kept (the current table or the history)."""
    key = KEYS[name]
    batches = checked["batch_id"].astype("Int64").fillna(0).astype("int64")  # no batch: before the history
    passed = checked["check_reasons"].isna().to_numpy(dtype=bool)
    pairs = list(zip(checked.loc[passed, key].tolist(), batches[passed].tolist(), strict=True))
    failed = [{"k": k, "b": b, "r": r} for k, b, r in zip(checked.loc[~passed, key].tolist(), batches[~passed].tolist(),
                                                           checked.loc[~passed, "check_reasons"].tolist(), strict=True)]
    for table in (metadata.tables[name], HISTORY[name]):
        version = tuple_(table.c[key], func.coalesce(table.c.batch_id, 0))
        for start in range(0, len(pairs), KEY_CHUNK):
            conn.execute(update(table).where(version.in_(pairs[start:start + KEY_CHUNK]))
                         .values(checked_with=checked_with, check_reasons=None))
        if failed:
            conn.execute(update(table).where(table.c[key] == bindparam("k"),
                                             func.coalesce(table.c.batch_id, 0) == bindparam("b"))
                         .values(checked_with=checked_with, check_reasons=bindparam("r")), failed)


def _delete(conn: Connection, name: str, keys: list) -> None:
    table, key = metadata.tables[name], KEYS[name]
    for start in range(0, len(keys), KEY_CHUNK):
        conn.execute(delete(table).where(table.c[key].in_(keys[start:start + KEY_CHUNK])))
