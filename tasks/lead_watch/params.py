"""The lead watch's parameter form: what a coordinator fills in the Prefect UI."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, Field, model_validator

from tasks.reference.provinces import ProvinceOption, codes_of
from tasks.runs.record import scheduled_now
from tasks.screening.rules import LeadRules


class LeadWatchParams(BaseModel):
    """问题线索常态化核查 / year-round lead watch."""

    as_of: date | None = Field(None, title="截止日期 / as of",
                               description="默认计划运行日的前一天(周一运行时为上周日) / default: the day before the "
                                           "scheduled run (Sunday, for Monday's run)")
    provinces: list[ProvinceOption] = Field(default_factory=list, title="省份 / provinces",
                                            description="不选为全部31个省份 / empty = all 31 provinces")
    rules: LeadRules = Field(default_factory=LeadRules, title="线索时限 / time limits")
    dry_run: bool = Field(False, title="试运行 / dry run",
                          description="只计算和报告，不写入、不通知 / compute and report, write nothing, notify nobody")

    @model_validator(mode="after")
    def _as_of(self) -> LeadWatchParams:
        # The week that ended before the run: Monday's run covers Monday to Sunday, whenever it actually starts.
        self.as_of = self.as_of or scheduled_now().date() - timedelta(days=1)
        return self

    @property
    def province_codes(self) -> list[str]:
        return codes_of(self.provinces)
