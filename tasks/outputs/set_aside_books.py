"""Which workbooks of rows set aside a campaign writes again: each workbook's digest (its rows to fix and why,
its completeness and flags) beside the last one the campaign wrote for the county or province
(`set_aside_workbooks`); one that would say the same, and still exists, stands."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, insert, select

from tasks.model import SetAsideWorkbook

# What identifies a row to fix and why (tasks.outputs.set_aside.found_rows): which row, and its reasons by rule.
IDENTITY = ("key", "来源文件", "文件行号", "检查阶段", "suite", "reasons")
LOOKUP_CHUNK = 500  # values per IN (…) lookup: well under SQLite's bound-parameter limit


def content_digests(rows: pd.DataFrame, books: list[tuple]) -> dict[str, str]:
    """Per workbook, a digest of what the county must fix: its rows by key, where they came from and why they
    were set aside, its completeness and its flags. A row whose other cells changed while it fails for the
    same reasons is the same row to fix: its workbook stands. The rows are a set: a run stores its rows set
    aside in the order its partitions end, which says nothing of what the county must fix."""
    said = rows[list(IDENTITY)].astype(str)
    hashes = pd.util.hash_pandas_object(said, index=False).to_numpy() if len(said) else np.zeros(0, np.uint64)
    digests = {}
    for code, _, positions, completeness_rows, flagged in books:
        digest = hashlib.sha256(np.sort(hashes[positions]).tobytes() if positions is not None else b"")
        digest.update(json.dumps([completeness_rows, flagged], ensure_ascii=False, default=str).encode("utf-8"))
        digests[code] = digest.hexdigest()
    return digests


def standing_workbooks(engine: Engine, campaign: str, digests: dict[str, str]) -> dict[str, Path]:
    """The codes whose workbook the campaign last wrote says what it would say now, and still exists."""
    table = SetAsideWorkbook.__table__
    with engine.connect() as conn:
        recorded = conn.execute(select(table.c.code, table.c.digest, table.c.path).where(
            table.c.campaign == campaign)).all()
    return {code: Path(path) for code, digest, path in recorded
            if digests.get(code) == digest and Path(path).is_file()}


def in_folder(path: Path, wanted: Path) -> Path:
    """The standing workbook, in this run's folder too: the earlier run's folder is its own. A second name
    for the same file where the file system allows (thousands of workbooks a run: a copy each took a second
    at 1 M), else a copy; a workbook is replaced, never written over in place (`fresh`)."""
    if path.resolve() != wanted.resolve():
        fresh(wanted)
        try:
            os.link(path, wanted)
        except OSError:  # another file system, or none that links
            shutil.copyfile(path, wanted)
    return wanted


def fresh(path: Path) -> Path:
    """`path` free for a new workbook: one that stands under this name may be another run's file too
    (`in_folder`), which writing over it would change."""
    path.unlink(missing_ok=True)
    return path


def record_written(engine: Engine, campaign: str, digests: dict[str, str], written: dict[str, Path],
                   run_id: str | None) -> None:
    """The workbooks just written (code -> digest, and their paths): what the campaign's next run compares."""
    table = SetAsideWorkbook.__table__
    now = datetime.now()
    with engine.begin() as conn:
        codes = sorted(digests)
        for start in range(0, len(codes), LOOKUP_CHUNK):
            conn.execute(delete(table).where(table.c.campaign == campaign,
                                             table.c.code.in_(codes[start:start + LOOKUP_CHUNK])))
        if codes:
            conn.execute(insert(table), [{"campaign": campaign, "code": code, "digest": digests[code],
                                          "path": str(written[code].resolve()), "campaign_run_id": run_id,
                                          "written_at": now} for code in codes])
