"""The seeded rows that fail their own rules, listed for their counties once, as an ingest lists a file's
(tasks.ingest.load): the generated roster stands for rows that arrived, and a campaign that reads them holds
them back and counts them without listing them again (tasks.runs.inputs). Their workbooks go to the seed's
folder (`seed/隔离行`), one per county and per province, each row with its reasons and what to fix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, delete, select

from tasks.model import KEYS, QuarantinedRow, metadata
from tasks.model.history import submitted_columns
from tasks.outputs.set_aside import write_set_aside
from tasks.quality.row_checks import reasons_of
from tasks.quality.store import quarantine_frame, rows_as_json
from tasks.runs.record import finish_run, start_run
from tasks.storage.bulk import insert_frame

SEED_RUN = "seed"  # the run that lists them, one per year seeded (campaign_runs.kind)


def list_failing_rows(engine: Engine, provinces: list[str], year: int, folder: Path) -> int:
    """Record, for `provinces`, the current roster rows recorded as failing their own rules in the seed's run
    (replacing those provinces' earlier ones) and write their counties' workbooks into `folder`; returns
    how many rows."""
    run_id = start_run(engine, SEED_RUN, str(year), parameters={"provinces": provinces}, launched_by="campaigns seed")
    rows = pd.concat([_failing(engine, table, provinces, run_id) for table in KEYS], ignore_index=True)
    with engine.begin() as conn:
        table = QuarantinedRow.__table__
        conn.execute(delete(table).where(table.c.campaign_run_id == run_id, table.c.province_code.in_(provinces)))
        insert_frame(conn, table, rows)
    write_set_aside(engine, [run_id], folder, provinces=provinces, campaign=SEED_RUN)
    finish_run(engine, run_id, "completed")
    return len(rows)


def _failing(engine: Engine, name: str, provinces: list[str], run_id: str) -> pd.DataFrame:
    table = metadata.tables[name]
    with engine.connect() as conn:
        found = pd.read_sql(select(table).where(table.c.province_code.in_(provinces),
                                                table.c.check_reasons.is_not(None)), conn)
    reasons = reasons_of(found["check_reasons"])
    return quarantine_frame(
        run_id, f"ingest {name}", name, f"{name}_raw", scope=found["province_code"].to_numpy(dtype=object),
        provinces=found["province_code"].to_numpy(dtype=object),
        counties=found["county_code"].to_numpy(dtype=object) if "county_code" in found else None,
        keys=found[KEYS[name]].tolist(), row_data=rows_as_json(found[submitted_columns(table)]),
        reasons=[reasons[p] for p in range(len(found))])
