"""The lead watch's parameter form: what a coordinator fills in the Prefect UI."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from tasks.reference.provinces import ProvinceOption
from tasks.runs.form import ChosenProvinces, RunSpec, dry_run_field, optional_date_field, provinces_field
from tasks.runs.record import scheduled_now
from tasks.screening.rules import LeadRules


class LeadWatchParams(ChosenProvinces, BaseModel):
    """问题线索常态化核查 / year-round lead watch."""

    as_of: date | None = optional_date_field(
        "截止日期 / as of", "默认计划运行日的前一天(周一运行时为上周日) / default: the day before the scheduled run "
                        "(Sunday, for Monday's run)")
    provinces: list[ProvinceOption] = provinces_field()
    rules: LeadRules = Field(default_factory=LeadRules, title="线索时限 / time limits")
    dry_run: bool = dry_run_field()

    @model_validator(mode="after")
    def _as_of(self) -> LeadWatchParams:
        # The week that ended before the run: Monday's run covers Monday to Sunday, whenever it actually starts.
        self.as_of = self.as_of or scheduled_now().date() - timedelta(days=1)
        return self

    def run_spec(self) -> RunSpec:
        return RunSpec("lead-watch", str(self.as_of), f"线索周报 截至{self.as_of}", f"lead watch {self.as_of}",
                       Path("lead-watch", str(self.as_of)), as_of=self.as_of)
