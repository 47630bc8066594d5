"""A roster row version is checked against its table's row rules once, where it arrives (a county file's
ingest, the generator's seed), and the outcome is recorded with it: the version of the rules (a content
hash of the rules as declared and of the reference data they read) and the reasons it failed, if any. A
campaign reading the roster checks again only the versions recorded with other rules (a rule changed, a
county code list refreshed) and records their new outcome; everything else it takes as recorded."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
import pandas as pd

from tasks.quality.gx import ROW, suite_expectations

ROW_RULES = frozenset({ROW})
# Not part of a version: a "not in the future" rule is answered on the day the row arrived, and a row that
# passed it then is no less valid a day later.
TIME = frozenset({"today"})
REASON_SEPARATOR = "\n"


def rule_version(suite: str, parameters: dict[str, Any]) -> str:
    """The version of `suite`'s row rules with the reference data they read from `parameters`."""
    rules = suite_expectations(suite, ROW_RULES)
    named = sorted(_parameters_named(rules) - TIME)
    reference = {name: sorted(set(map(str, parameters.get(name) or ()))) for name in named}
    text = json.dumps({"rules": rules, "reference": reference}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _parameters_named(value: Any) -> set[str]:
    if isinstance(value, dict):
        if "$PARAMETER" in value:
            return {value["$PARAMETER"]}
        return set().union(*(_parameters_named(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_parameters_named(v) for v in value)) if value else set()
    return set()


def recorded_reasons(reasons: dict[int, list[str]], rows: int) -> list[str | None]:
    """Per row position, its reasons as recorded with the row (None: it passed)."""
    out: list[str | None] = [None] * rows
    for position, found in reasons.items():
        out[position] = REASON_SEPARATOR.join(found)
    return out


def reasons_of(recorded: pd.Series) -> dict[int, list[str]]:
    """Row position -> the reasons recorded with the row, for the rows recorded as failing."""
    failing = np.flatnonzero(recorded.notna().to_numpy(dtype=bool))
    values = recorded.to_numpy(dtype=object)
    return {int(p): str(values[p]).split(REASON_SEPARATOR) for p in failing}
