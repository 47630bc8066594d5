"""Realistic defects injected into synthetic data, so the checkpoints have something to catch.

Each defective row gets exactly one defect, so `--defect-rate 0.02` makes about 2 % of the rows of each
roster table defective. The returned log names every defect (table, key, kind, column).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.model import KEYS
from tasks.privacy import CHECK_CHARS

# Kinds of defect per table, with the column each one damages.
KINDS: dict[str, dict[str, str]] = {
    "households": {"negative_income": "wage_income", "missing_field": "household_size",
                   "unknown_code": "monitoring_type"},
    "persons": {"bad_checksum": "id_number", "duplicate_person": "id_number", "missing_field": "labour_skill",
                "unknown_code": "labour_skill"},
    "measures": {"unknown_code": "category", "missing_field": "start_on"},
    "leads": {"unknown_code": "channel", "missing_field": "reported_at", "bad_checksum": "id_number"},
}
UNKNOWN = {"monitoring_type": "一般农户", "labour_skill": "半劳力", "category": "助学补贴", "channel": "wechat"}


def inject_defects(rng: np.random.Generator, tables: dict[str, pd.DataFrame], rate: float) -> pd.DataFrame:
    """Damage about `rate` of the rows of each roster table in place; return the defect log."""
    logs = []
    if rate <= 0:
        return pd.DataFrame(columns=["table", "key", "kind", "column"])
    for table, kinds in KINDS.items():
        frame = tables[table]
        n = len(frame)
        rows = np.flatnonzero(rng.random(n) < rate)
        kind = np.array(list(kinds), dtype=object)[rng.integers(0, len(kinds), len(rows))]
        # A checksum can only be broken where there is a number (a lead may name a household only).
        damageable = ~((kind == "bad_checksum") & frame[kinds.get("bad_checksum", KEYS[table])].isna()
                       .to_numpy()[rows])
        rows, kind = rows[damageable], kind[damageable]
        # Donors for duplicates come from undamaged rows, so each defective row carries one defect.
        donors = np.setdiff1d(np.arange(n), rows)
        for k in kinds:
            _apply(rng, frame, k, kinds[k], rows[kind == k], donors)
        logs.append(pd.DataFrame({"table": table, "key": frame[KEYS[table]].to_numpy()[rows], "kind": kind,
                                  "column": [kinds[k] for k in kind]}))
    return pd.concat(logs, ignore_index=True)


def _apply(rng, frame: pd.DataFrame, kind: str, column: str, rows: np.ndarray, donors: np.ndarray) -> None:
    if len(rows) == 0:
        return
    idx = frame.index[rows]
    if kind == "negative_income":
        frame.loc[idx, column] = -frame.loc[idx, column].abs() - 100.0
    elif kind == "missing_field":
        frame.loc[idx, column] = None
    elif kind == "unknown_code":
        frame.loc[idx, column] = UNKNOWN[column]
    elif kind == "bad_checksum":
        ids = frame.loc[idx, column]
        present = ids.notna()
        wrong = ids[present].map(_wrong_check_character)
        frame.loc[wrong.index, column] = wrong
    elif kind == "duplicate_person":
        # Another person's number (and name) registered again: the commonest roster error.
        donor = frame.index[donors[rng.integers(0, len(donors), len(rows))]]
        frame.loc[idx, column] = frame.loc[donor, column].to_numpy()
        frame.loc[idx, "name"] = frame.loc[donor, "name"].to_numpy()


def _wrong_check_character(id_number: str) -> str:
    current = CHECK_CHARS.index(id_number[-1]) if id_number[-1] in CHECK_CHARS else 0
    return id_number[:-1] + CHECK_CHARS[(current + 1) % 11]
