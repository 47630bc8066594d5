"""A period's answer is worked out once: a run whose inputs are those of the last completed run of the same
campaign, period and mode gives that run's answer instead of working it out again (issue 35: work done once).

The inputs are all the answer is made of: the code and rules of the installed campaigns package, the run's
parameters and settings, the roster as recorded up to the run's watermark, the reference tables, the county
files received, and the other runs of the same campaign (a progress run compares itself with the period
before). A change of any of them, or an output missing from the run's folder, and the run works again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from tasks.model import AuditEvent, County, IngestedFile, MonitoringThreshold, Province
from tasks.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CODE = (("tasks", "*.py"), ("tasks", "*.csv"), ("flows", "*.py"), ("expectations", "*.json"))
REFERENCE = (Province, County, MonitoringThreshold)
ANSWER_FILE = "summary.json"
NOT_INPUTS = {"recompute"}  # parameters that say how to run, not what the answer is made of
INPUTS_KEY = "inputs_digest"  # where summary.json and the run's record keep the digest of the run's inputs


@cache
def code_version() -> str:
    """The campaigns code and rules this process runs: any edit of a module, a suite or a code table is a
    new version (read once per process)."""
    digest = hashlib.sha256()
    for folder, pattern in CODE:
        for path in sorted((ROOT / folder).rglob(pattern)):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def inputs_digest(engine: Engine, *, campaign: str, run_id: str, parameters: dict[str, Any], watermark: int | None,
                  settings: Settings) -> str:
    """What the run's answer is made of, as one digest."""
    with engine.connect() as conn:
        reference = [sorted(map(repr, conn.execute(select(table.__table__)).all())) for table in REFERENCE]
        files = conn.execute(select(func.count(), func.max(IngestedFile.ingested_at))).one()
        # Other periods' runs of the same campaign: what a progress run and the county outliers compare with.
        others = conn.execute(select(func.max(AuditEvent.id)).where(
            AuditEvent.action == "run.finished", AuditEvent.subject.like(f"{campaign} %"),
            AuditEvent.campaign_run_id != run_id)).scalar()
    text = json.dumps({"code": code_version(), "parameters": parameters, "watermark": watermark,
                       "settings": settings.model_dump(mode="json"), "reference": reference,
                       "files": list(files), "other_runs": others}, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def standing_answer(folder: Path, inputs: str | None, previous_inputs: str | None,
                    outputs: Callable[[dict[str, Any]], Iterable[str]]) -> dict[str, Any] | None:
    """The answer the last completed run wrote in `folder`, when it was worked out from the same `inputs` and
    every output it names (`outputs(answer)`: globs under `folder`) is still there; else None: work it out
    again."""
    if inputs is None or previous_inputs != inputs:
        return None
    try:
        answer = json.loads((folder / ANSWER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if answer.get(INPUTS_KEY) != inputs or not all(any(folder.glob(pattern)) for pattern in outputs(answer)):
        return None
    return answer
