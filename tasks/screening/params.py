"""The screening's parameter form: what a coordinator fills in the Prefect UI."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from tasks.quality.outliers import OutlierRules
from tasks.reference.provinces import ProvinceOption
from tasks.runs.form import (
    ChosenProvinces,
    RunSpec,
    dry_run_field,
    labelled_choice,
    option_of,
    optional_date_field,
    outliers_field,
    provinces_field,
    recompute_field,
    year_field,
)
from tasks.runs.record import scheduled_now
from tasks.screening.rules import ScreeningRules

__all__ = ["ProvinceOption", "ScreeningMode", "ScreeningParams"]


class ScreeningMode(StrEnum):
    launch = "launch"
    progress = "progress"
    close_out = "close_out"

    @property
    def label(self) -> str:
        return MODE_LABELS[self]

    @property
    def option(self) -> str:
        """As the form offers it (`收尾 close_out`): what schedules and backfills send."""
        return option_of(MODE_LABELS, self)


MODE_LABELS = {ScreeningMode.launch: "启动", ScreeningMode.progress: "每周进展", ScreeningMode.close_out: "收尾"}
ModeChoice = Annotated[ScreeningMode, *labelled_choice(
    MODE_LABELS, "模式 / mode", "启动（4月1日）· 每周进展（4至6月每周一）· 收尾（7月1日，最终名单） / "
                                "opening, weekly sweep, final")]


class ScreeningParams(ChosenProvinces, BaseModel):
    """防止返贫监测帮扶集中排查 / Q2 concentrated screening."""

    year: int = year_field(lambda: scheduled_now().year, "年度 / year", "排查年度 / the campaign year")
    window_start: date | None = optional_date_field("排查开始 / window start",
                                                    "默认当年4月1日 / default 1 April of the year")
    window_end: date | None = optional_date_field("排查结束 / window end",
                                                  "默认当年6月30日 / default 30 June of the year")
    as_of: date | None = optional_date_field("截止日期 / as of",
                                             "默认今天，不晚于排查结束 / default today, capped at the window end")
    provinces: list[ProvinceOption] = provinces_field()
    mode: ModeChoice = Field(ScreeningMode.progress,
                             json_schema_extra={"default": ScreeningMode.progress.option})
    rules: ScreeningRules = Field(default_factory=ScreeningRules, title="规则参数 / rule settings")
    outliers: OutlierRules = outliers_field(("各期", "history"))
    dry_run: bool = dry_run_field()
    recompute: bool = recompute_field()

    @model_validator(mode="after")
    def _window(self) -> ScreeningParams:
        self.window_start = self.window_start or date(self.year, 4, 1)
        self.window_end = self.window_end or date(self.year, 6, 30)
        if self.window_end < self.window_start:
            raise ValueError(f"window end {self.window_end} is before its start {self.window_start}")
        if self.as_of is None:  # the scheduled day: a late weekly sweep still reports the Monday it was for
            self.as_of = min(scheduled_now().date(), self.window_end)
        self.as_of = min(self.as_of, self.window_end)
        return self

    def run_spec(self) -> RunSpec:
        label = f"集中排查 {self.year} {self.mode.label} {self.as_of}"
        return RunSpec("screening", str(self.year), label, label,
                       Path("screening", str(self.year), f"{self.mode.value}-{self.as_of}"),
                       mode=f"{self.mode.value}:{self.as_of}", as_of=self.as_of)
