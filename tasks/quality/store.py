"""Checkpoint results and quarantined rows, written in one transaction per (run, stage, suite) so that a
rerun of the stage replaces what it wrote before instead of adding to it."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, delete, insert, select

from tasks.model import QualityResult, QuarantinedRow
from tasks.quality.results import CheckpointResult
from tasks.storage.bulk import insert_frame
from tasks.storage.retries import with_retries


def record_checkpoint(engine: Engine, *, run_id: str, stage: str, source: str, frame: pd.DataFrame,
                      result: CheckpointResult, key: str | None, columns: list[str] | None = None,
                      row_numbers: pd.Series | None = None, reasons: dict[int, list[str]] | None = None,
                      raw_rows: pd.DataFrame | None = None, scope: str | None = None,
                      files: pd.Series | None = None, found_before: Collection[int] = (),
                      household_counties: pd.Series | None = None,
                      cells_of: Callable[[list[int]], pd.DataFrame] | None = None) -> int:
    """Store the results and quarantine the failing rows (the input columns, every reason); returns the
    number of rows quarantined. `reasons` (row position -> reasons) replaces the result's own when the
    caller found more (an ingest's unreadable cells); `raw_rows`, aligned with `frame`, is stored instead
    of the typed columns (the cells as the file had them). `scope` (a province, or a partition's provinces)
    bounds the replacement: a stage run once per partition replaces only that partition's results. `files`
    (aligned with `frame`) names the county file of each row read from the roster, as `row_numbers` its line.
    `found_before`: the positions among `reasons` set aside only for reasons recorded before (where the row
    arrived): stored with their reasons, without their cells, which were listed for the county then.
    `household_counties` (household_no -> county) gives a row of no county of its own its household's;
    `cells_of(positions)`, the rows whole, when `frame` holds some of their columns only."""
    now = datetime.now()
    reasons = result.quarantine_reasons() if reasons is None else reasons
    positions = sorted(reasons)
    before = set(found_before)
    listed = [p for p in positions if p not in before]
    source_rows = raw_rows if raw_rows is not None else frame[[c for c in (columns or frame.columns) if c in frame]]
    whole = cells_of(listed) if cells_of is not None and listed else source_rows.iloc[listed]
    cells = dict(zip(listed, rows_as_json(whole), strict=True))
    keys = (frame[key].iloc[positions].astype(object).tolist() if key is not None and key in frame
            else [None] * len(positions))
    quarantined = quarantine_frame(
        run_id, stage, source, result.suite, scope=scope, provinces=_codes(frame, "province_code", 2, positions),
        counties=_counties(frame, positions, household_counties), keys=keys,
        row_data=[cells.get(p, "{}") for p in positions], reasons=[reasons[p] for p in positions],
        row_numbers=None if row_numbers is None else row_numbers.iloc[positions].astype("Int64").to_numpy(),
        files=None if files is None else files.iloc[positions].to_numpy(dtype=object),
        found_before=[p in before for p in positions], at=now)
    outcomes = [{
        "campaign_run_id": run_id, "stage": stage, "scope": scope, "suite": result.suite, "expectation": o.rule,
        "column_name": o.column, "severity": o.severity, "success": o.success, "observed_value": o.observed,
        "threshold": o.threshold, "element_count": o.element_count, "unexpected_count": o.unexpected_count,
        "notes": o.notes if o.error is None else f"{o.notes} (could not run: {o.error})", "checked_at": now,
    } for o in result.outcomes]
    replaced = {"campaign_run_id": run_id, "stage": stage, "suite": result.suite, "scope": scope}

    def write() -> None:  # one transaction, replacing: safe to run again
        with engine.begin() as conn:
            conn.execute(delete(QualityResult).filter_by(**replaced))
            conn.execute(delete(QuarantinedRow).filter_by(**replaced))
            if outcomes:
                conn.execute(insert(QualityResult), outcomes)
            insert_frame(conn, QuarantinedRow.__table__, quarantined)

    # A server that drops the session at COMMIT (a restart) would otherwise fail the whole partition, whose
    # task retry reads and checks everything again, and may be dropped again.
    with_retries(write, f"record the checks of {stage}")
    return len(quarantined)


def quarantine_frame(run_id: str, stage: str, source: str, suite: str | None, *, scope, provinces, counties, keys,
                     row_data: list[str], reasons: list[list[str]], row_numbers=None, files=None,
                     found_before=False, at: datetime | None = None) -> pd.DataFrame:
    """Rows set aside as `quarantined_rows` holds them (a value or one per row each), their cells and reasons
    as JSON texts. Built as a frame and written by the bulk path: tens of thousands of quarantined persons
    through SQLAlchemy's per-row JSON handling took seconds per partition."""
    return pd.DataFrame({
        "campaign_run_id": run_id, "stage": stage, "scope": scope, "province_code": provinces,
        "county_code": counties, "source": source, "suite": suite,
        "row_key": [None if pd.isna(k) else str(k)[:60] for k in keys],
        "row_number": row_numbers, "source_file": files, "row_data": row_data,
        "reasons": [json.dumps(r, ensure_ascii=False) for r in reasons],
        "quarantined_at": at or datetime.now(), "found_before": found_before,
    }, index=range(len(row_data)))


def forget_checkpoint(engine: Engine, *, run_id: str, stage: str, suite: str, scope: str | None) -> None:
    """Remove what a stage recorded for the run (its results, its rows set aside) under `scope`."""
    replaced = {"campaign_run_id": run_id, "stage": stage, "suite": suite, "scope": scope}

    def forget() -> None:
        with engine.begin() as conn:
            conn.execute(delete(QualityResult).filter_by(**replaced))
            conn.execute(delete(QuarantinedRow).filter_by(**replaced))

    with_retries(forget, f"forget the checks of {stage}")


def _codes(frame: pd.DataFrame, column: str, length: int, positions: list[int]) -> list[str | None]:
    """Each quarantined row's province or county, when the row says one (a malformed code is none)."""
    if column not in frame.columns:
        return [None] * len(positions)
    return [c if isinstance(c, str) and len(c) == length and c.isdigit() else None
            for c in frame[column].iloc[positions].astype(object).tolist()]


def _counties(frame: pd.DataFrame, positions: list[int], household_counties: pd.Series | None) -> list[str | None]:
    if "county_code" in frame.columns or household_counties is None or "household_no" not in frame.columns:
        return _codes(frame, "county_code", 6, positions)
    counties = frame["household_no"].iloc[positions].map(household_counties).to_frame("county_code")
    return _codes(counties, "county_code", 6, list(range(len(positions))))


def rows_as_json(rows: pd.DataFrame) -> list[str]:
    """Each row as a JSON object (dates in ISO format, missing values null), one text per row."""
    if rows.empty:
        return []
    # Split at line feeds alone: JSON escapes those in a value, but not U+2028 or U+0085, which a cell
    # pasted from elsewhere may hold and which `splitlines` takes for line ends too.
    return rows.to_json(orient="records", lines=True, date_format="iso", force_ascii=False).rstrip("\n").split("\n")


def forget_other_scopes(engine: Engine, run_id: str, scopes: set[str], provinces: set[str],
                        provinces_of: Callable[[str], set[str]]) -> int:
    """Before a run checks `provinces` in partitions named `scopes`: remove what the run recorded earlier
    under other scopes covering any of those provinces (a rerun partitioned differently: other settings,
    or a roster that grew). Each partition replaces only its own scope, so without this a rerun would keep
    the old partitions' results beside the new ones. Quarantined rows of provinces not checked again stay.
    Returns the number of scopes forgotten."""
    with engine.begin() as conn:
        recorded = set()
        for model in (QualityResult, QuarantinedRow):
            recorded |= set(conn.execute(select(model.scope).where(model.campaign_run_id == run_id,
                                                                   model.scope.is_not(None)).distinct()).scalars())
        stale = sorted(s for s in recorded - scopes if provinces_of(s) & provinces)
        if stale:
            conn.execute(delete(QualityResult).where(QualityResult.campaign_run_id == run_id,
                                                     QualityResult.scope.in_(stale)))
            conn.execute(delete(QuarantinedRow).where(
                QuarantinedRow.campaign_run_id == run_id, QuarantinedRow.scope.in_(stale),
                QuarantinedRow.province_code.in_(sorted(provinces)) | QuarantinedRow.province_code.is_(None)))
    return len(stale)
