"""The press release's parameter form: what a coordinator fills in the Prefect UI."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tasks.release.period import Period, default_period
from tasks.runs.form import dry_run_field
from tasks.runs.record import scheduled_now


def period_for_run() -> str:
    """The quarter before the run's scheduled time (a late or retried scheduled run still covers the right
    quarter); outside a flow run, before now."""
    return default_period(scheduled_now()).label


class ReleaseParams(BaseModel):
    """例行数据发布 / routine press data release (一季度, 上半年, 前三季度, 全年). Every release launched from the
    UI or a schedule waits for an approver: this form has no way around the approval (see
    tasks.release.approval)."""

    # A parameter this form does not have (an old run's auto_approve) is refused, not silently dropped.
    model_config = ConfigDict(extra="forbid")

    period: str | None = Field(None, title="发布期间 / period", pattern=r"^\s*\d{4}[Qq][1-4]\s*$",
                               description="如 2023Q2（上半年）；默认为计划运行时间的上一季度 / e.g. 2023Q2 "
                                           "(first half); default: the quarter before the scheduled time")
    as_published: int | None = Field(None, ge=1, title="按已发布版本重算 / as published version",
                                     description="按该版本发布时的名单（登记批次）重新计算，用于核对，不发布 / "
                                                 "recompute with the roster as that version read it, to check "
                                                 "it; publishes nothing")
    dry_run: bool = dry_run_field("只计算和生成草稿，不发布、不通知 / compute and draft; publish nothing, "
                                     "notify nobody")

    @field_validator("period")
    @classmethod
    def _known_period(cls, value: str | None) -> str | None:
        return Period.parse(value).label if value else None

    def resolved_period(self) -> Period:
        return Period.parse(self.period or period_for_run())
