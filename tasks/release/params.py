"""The press release's parameter form: what a coordinator fills in the Prefect UI."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tasks.release.period import Period, default_period
from tasks.runs.form import RunSpec, dry_run_field, optional_field
from tasks.runs.record import scheduled_now

PREVIOUS_QUARTER = "上一季度（按计划运行时间）"
FIRST_YEAR = 2021  # the transition period after 2020: the releases this programme makes


def offered_periods(today: date | None = None) -> list[str]:
    """The form's choices, a dropdown: the quarter before the scheduled time (what a schedule means), then
    every ended quarter from 2021Q1, newest first. Computed when the deployments are registered: a server
    running across a quarter's end offers the new quarter after its next start (the CLI takes any)."""
    period, out = default_period(today or date.today()), []
    while period.year >= FIRST_YEAR:
        out.append(period.label)
        period = period.previous()
    return [PREVIOUS_QUARTER, *out]


def quarter_field(title: str, description: str) -> Any:
    """A quarter chosen from the dropdown of `offered_periods` (default: the one before the scheduled time)."""
    return Field(PREVIOUS_QUARTER, title=title, json_schema_extra={"enum": offered_periods()}, description=description)


def known_quarter(value: str | None) -> str:
    """A form's quarter as typed or chosen: its label (2023Q2), or PREVIOUS_QUARTER when left to the run."""
    if value is None or (isinstance(value, str) and value.strip() in ("", PREVIOUS_QUARTER)):
        return PREVIOUS_QUARTER
    return Period.parse(value).label


def resolved_quarter(value: str) -> Period:
    """The quarter a form's value means when the run starts."""
    return Period.parse(period_for_run() if value == PREVIOUS_QUARTER else value)


def period_for_run() -> str:
    """The quarter before the run's scheduled time (a late or retried scheduled run still covers the right
    quarter); outside a flow run, before now."""
    return default_period(scheduled_now()).label


class QuarterlyForm(BaseModel):
    """A form whose `period` is a quarter (quarter_field): as typed or chosen, and what it means at the run."""

    period: str

    @field_validator("period", mode="before")
    @classmethod
    def _known_period(cls, value: str | None) -> str:
        return known_quarter(value)

    def quarter(self) -> Period:
        return resolved_quarter(self.period)


class ReleaseParams(BaseModel):
    """例行数据发布 / routine press data release (一季度, 上半年, 前三季度, 全年). Every release launched from the
    UI or a schedule waits for an approver: this form has no way around the approval (see
    tasks.release.approval)."""

    # A parameter this form does not have (an old run's auto_approve) is refused, not silently dropped.
    model_config = ConfigDict(extra="forbid")

    period: str = quarter_field("发布期间 / period", "Q1 一季度、Q2 上半年、Q3 前三季度、Q4 全年；默认为计划运行时间的"
                                                     "上一季度 / default: the quarter before the scheduled time")
    as_published: int | None = optional_field({"type": "integer"}, ge=1,
                                              title="按已发布版本重算 / as published version",
                                              description="按该版本发布时的名单（登记批次）重新计算，用于核对，"
                                                          "不发布 / recompute with the roster as that version read "
                                                          "it, to check it; publishes nothing")
    dry_run: bool = dry_run_field("只计算和生成草稿，不发布、不通知 / compute and draft; publish nothing, "
                                     "notify nobody")

    @field_validator("period", mode="before")
    @classmethod
    def _known_period(cls, value: str | None) -> str:
        return known_quarter(value)

    def resolved_period(self) -> Period:
        return resolved_quarter(self.period)

    def run_spec(self) -> RunSpec:
        period = self.resolved_period()
        return RunSpec("release", period.label, f"数据发布 {period.label} {period.release_type}",
                       f"release {period.label} {period.release_type}" + (" dry run" if self.dry_run else ""),
                       Path("releases", period.label))
