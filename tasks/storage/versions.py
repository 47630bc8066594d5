"""Which version of each roster row a read sees: the roster "as of" a period's last day, as recorded up to a
watermark (the last batch a run saw). The versions themselves are kept by tasks.storage.history_write.

The rule, for each row: the last version recorded by the watermark whose episode began by the as-of day.
A version that told of an event (an identification, an elimination, a verified lead, a changed job) starts an
episode on the event's day; a correction belongs to the episode of the version it corrected; the first version
of a row belongs to every period. So a published quarter read again later sees neither the events of the next
quarter nor a job changed since, but does see a correction of its own records, and late news of its days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, Select, Table, and_, exists, func, insert, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from tasks.model import KEYS, IngestedFile, RosterBatch
from tasks.model.history import DATABASE_COLUMNS, VERSION_COLUMNS

__all__ = ["DATABASE_COLUMNS", "VERSION_COLUMNS", "RosterView", "files_of_batches", "latest_batch", "older_versions",
           "open_batch", "resolve", "seen_as_they_are"]


@dataclass(frozen=True)
class RosterView:
    """The roster as it stood at the end of `as_of`, as recorded up to batch `watermark` (None: all of it)."""

    as_of: date | None = None
    watermark: int | None = None

    @property
    def is_everything(self) -> bool:
        return self.as_of is None and self.watermark is None


def latest_batch(engine: Engine | Connection) -> int:
    """The last batch recorded: a run started now sees up to it (0 before any)."""
    query = select(func.max(RosterBatch.batch_id))
    if isinstance(engine, Connection):
        return int(engine.execute(query).scalar() or 0)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def open_batch(conn: Connection, source: str, recorded_at: datetime, run_id: str | None = None) -> int:
    """A new batch, numbered after every earlier one, inside the caller's transaction."""
    result = conn.execute(insert(RosterBatch).values(recorded_at=recorded_at, source=source[:300],
                                                     campaign_run_id=run_id))
    return int(result.inserted_primary_key[0])


def files_of_batches(engine: Engine, batch_ids: list[int]) -> dict[int, str]:
    """The county file each batch was ingested from (batches of other origins have none)."""
    if not batch_ids:
        return {}
    with engine.connect() as conn:
        return dict(conn.execute(select(RosterBatch.batch_id, IngestedFile.file_name)
                                 .join(IngestedFile, IngestedFile.campaign_run_id == RosterBatch.campaign_run_id)
                                 .where(RosterBatch.batch_id.in_(sorted(batch_ids)))).all())


def seen_as_they_are(table: Table, view: RosterView) -> ColumnElement[bool]:
    """The current rows `view` sees as they are: recorded by the watermark, their episode begun by the as-of
    day. Most rows are; the database filters them, so the read costs what a plain read costs."""
    tests = []
    if view.watermark is not None:
        tests.append(func.coalesce(table.c.batch_id, 0) <= view.watermark)
    if view.as_of is not None:
        tests.append(or_(table.c.episode_on.is_(None), table.c.episode_on <= view.as_of))
    return and_(true(), *tests)


def older_versions(query: Select, cols: list, history: Table, current: Table,
                   view: RosterView) -> tuple[Select, list]:
    """`query` of `history` narrowed to the versions `resolve` chooses from: recorded by the watermark, of
    rows whose current version the view does not see as it is; with whether the row was there at the
    watermark (`alive`: a version of it recorded by then and not replaced by then), asked of the whole
    table, since a province or a part of one filters the versions (a corrected province moves a row)."""
    key = KEYS[current.name]
    if view.watermark is None:
        alive = exists().where(current.c[key] == history.c[key])
    else:
        other = history.alias("other")
        alive = or_(exists().where(current.c[key] == history.c[key],
                                   func.coalesce(current.c.batch_id, 0) <= view.watermark),
                    exists().where(other.c[key] == history.c[key], other.c.batch_id <= view.watermark,
                                   other.c.superseded_by > view.watermark))
    alive = alive.label("alive")
    seen = exists().where(current.c[key] == history.c[key], seen_as_they_are(current, view))
    query = query.add_columns(alive).where(~seen)
    if view.watermark is not None:
        query = query.where(history.c.batch_id <= view.watermark)
    return query, [*cols, alive]


def resolve(seen: pd.DataFrame, older: pd.DataFrame, key: str, view: RosterView) -> pd.DataFrame:
    """The rows `view` sees: `seen` (current rows it sees as they are) and, of the other rows, the last
    version in `older` (their versions by the watermark, from `older_versions`) whose episode began by the
    as-of day; a row not there at the watermark (first recorded after it, or removed by then) is left out."""
    if older.empty:
        return seen
    candidates = older[_in_period(older, view) & older["alive"].astype(bool).to_numpy()]
    chosen = candidates.sort_values("batch_id", kind="stable").drop_duplicates(key, keep="last")
    if chosen.empty:
        return seen
    # A load committed between the read of the current rows and that of the history moved a row seen as it
    # was into the history: it was read twice, the same version; keep the first.
    if seen.empty:
        return chosen[seen.columns].reset_index(drop=True)
    seen_keys = pa.array(seen[key])
    twice = pc.is_in(seen_keys, value_set=pa.array(chosen[key].to_numpy(dtype=object), type=seen_keys.type))
    if pc.any(twice).as_py():
        chosen = chosen[~chosen[key].isin(pc.filter(seen_keys, twice).to_pylist()).to_numpy(dtype=bool)]
    return pd.concat([seen, chosen[seen.columns]], ignore_index=True)


def _in_period(frame: pd.DataFrame, view: RosterView) -> np.ndarray:
    if view.as_of is None:
        return np.ones(len(frame), dtype=bool)
    episode = pd.to_datetime(frame["episode_on"])
    return (episode.isna() | (episode <= pd.Timestamp(view.as_of))).to_numpy(dtype=bool)
