"""Order of arrival: a county may send its persons, measures or leads before the households they belong to.
Such rows are set aside (no province can be derived for them); when a households file brings their
household, they are checked again and loaded, so that no county has to resubmit a correct file because of
the order it sent its files in."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, delete, select

from tasks.ingest.derive import households_of
from tasks.ingest.report import FileReport
from tasks.model import QuarantinedRow
from tasks.model.contract import CONTRACTS
from tasks.runs.audit import record_event

# The reason of a row that waits for its household (tasks.ingest.derive.fill_derived).
WAITING = "province_code.derivable"
DEPENDENT_KINDS = ("persons", "measures", "leads")


def recheck_waiting(engine: Engine, ingest: Callable[[Path, str], FileReport], actor: str) -> list[FileReport]:
    """Ingest again, as one file per original file and kind, the set-aside rows whose household is now known;
    their old quarantine records go (the new ingest keeps any reason that still holds), and the audit trail
    says which file's rows were loaded late. `ingest(path, kind)` is the caller's ingest of one file."""
    reports = []
    for kind in DEPENDENT_KINDS:
        waiting = _waiting(engine, kind)
        if waiting.empty:
            continue
        for source, rows in waiting.groupby("source", sort=True):
            headers = list(dict.fromkeys(h for cells in rows["row_data"] for h in cells))
            household = next((h for h in headers if CONTRACTS[kind].match(h) == "household_no"), None)
            if household is None:
                continue
            numbers = rows["row_data"].map(lambda cells, h=household: str(cells.get(h) or "").strip())
            ready = rows[numbers.isin(households_of(engine, numbers).index).to_numpy()]
            if ready.empty:
                continue
            with tempfile.TemporaryDirectory(prefix="campaigns-recheck-") as folder:  # cells of people: short-lived
                path = Path(folder) / f"{Path(str(source)).stem}（补充核验）.csv"
                with path.open("w", encoding="utf-8-sig", newline="") as handle:
                    writer = csv.writer(handle)
                    writer.writerow(headers)
                    writer.writerows([[cells.get(h, "") for h in headers] for cells in ready["row_data"]])
                report = ingest(path, kind)
            reports.append(report)
            if report.status == "loaded":
                with engine.begin() as conn:
                    conn.execute(delete(QuarantinedRow).where(QuarantinedRow.id.in_(ready["id"].tolist())))
                record_event(engine, "ingest.rechecked", actor, subject=str(source), run_id=report.run_id,
                             parameters={"kind": kind, "rows": len(ready), "loaded": report.loaded,
                                         "quarantined": report.quarantined},
                             detail=f"{len(ready)} 行在其所属农户报送后补充核验 / rows checked again once their "
                                    "household arrived")
    return reports


def _waiting(engine: Engine, kind: str) -> pd.DataFrame:
    query = select(QuarantinedRow.id, QuarantinedRow.source, QuarantinedRow.row_data, QuarantinedRow.reasons) \
        .where(QuarantinedRow.stage == f"ingest {kind}")
    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(query).all(), columns=["id", "source", "row_data", "reasons"])
    if rows.empty:
        return rows
    waits = rows["reasons"].map(lambda reasons: any(str(r).startswith(WAITING) for r in reasons or ()))
    return rows[waits.to_numpy(dtype=bool)]
