"""What a checkpoint found: per expectation the measured value, the threshold, the failing rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tasks.privacy import mask_id_numbers_in_text
from tasks.quality.rules import title
from tasks.quality.stage_titles import stage_title


@dataclass
class ExpectationOutcome:
    rule: str  # stable id from the suite's meta, e.g. "id_number.valid"
    expectation: str  # GX expectation type
    column: str | None
    severity: str  # critical / warning
    success: bool
    observed: Any  # what was measured (JSON-safe)
    threshold: Any  # what it was measured against (JSON-safe)
    element_count: int | None
    unexpected_count: int | None
    failing_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # positions
    failing_keys: list[str] = field(default_factory=list)
    notes: str = ""
    error: str | None = None  # the expectation could not run (a missing column, say)

    @property
    def row_level(self) -> bool:
        return self.error is None and len(self.failing_rows) > 0

    @property
    def reason(self) -> str:
        return f"{self.rule}: {self.notes}" if self.notes else self.rule


@dataclass
class CheckpointResult:
    suite: str
    rows: int
    outcomes: list[ExpectationOutcome]
    quarantines_rows: bool  # the suite's policy: critical row failures quarantine (raw) or stop (validated)
    validation: Any = field(default=None, repr=False)  # GX's own result, for Data Docs

    @property
    def passed(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def critical_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "critical"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]

    @property
    def blocking(self) -> list[ExpectationOutcome]:
        """Critical failures that stop the stage: table-level ones, errors, or any in a stop-suite."""
        if not self.quarantines_rows:
            return self.critical_failures
        return [o for o in self.critical_failures if not o.row_level]

    def quarantine_reasons(self) -> dict[int, list[str]]:
        """Row position -> every critical reason, for the rows that go to quarantine."""
        if not self.quarantines_rows:
            return {}
        reasons: dict[int, list[str]] = {}
        for outcome in self.critical_failures:
            for row in outcome.failing_rows.tolist():
                reasons.setdefault(row, []).append(outcome.reason)
        return reasons

    def summary_rows(self) -> list[dict[str, Any]]:
        """One JSON-safe row per expectation, for artifacts and messages (keys, no values), with the rule's
        Chinese name."""
        return [{
            "title": title(o.rule, self.suite), "rule": o.rule, "severity": o.severity, "success": o.success,
            "column": o.column, "observed": o.observed, "threshold": o.threshold, "unexpected": o.unexpected_count,
            "of": o.element_count, "example_keys": [mask_id_numbers_in_text(k) for k in o.failing_keys[:5]],
            "error": o.error,
        } for o in self.outcomes]


# The quality artifact's columns in the order a reader wants them, with Chinese headers: what failed, how
# badly, where, how many rows; the rule's code last, for whoever edits the suite.
ARTIFACT_COLUMNS = {"success": "结果", "severity": "级别", "title": "规则", "stage": "阶段", "province": "省份",
                    "scope": "范围", "suite": "检查集", "column": "字段", "unexpected": "不符行数", "of": "检查行数",
                    "observed": "实际值", "threshold": "阈值", "example_keys": "示例（已脱敏）", "error": "错误",
                    "rule": "规则代码"}
SEVERITY_LABELS = {"critical": "严重（阻断）", "warning": "警告"}


def artifact_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checkpoint rows as the run's quality artifact shows them: failures first (critical before warnings:
    88 passes above one failure hide it), Chinese headers and values."""
    ordered = sorted(rows, key=lambda r: (bool(r["success"]), r["severity"] != "critical"))
    values = {"success": lambda v: "通过" if v else "未通过", "severity": lambda v: SEVERITY_LABELS.get(v, v),
              "stage": stage_title,
              "example_keys": lambda v: "、".join(v) if v else ""}
    return [{label: values.get(key, _as_is)(row.get(key)) for key, label in ARTIFACT_COLUMNS.items()}
            for row in ordered]


def _as_is(value: Any) -> Any:
    return value
