"""The threshold what-if's parameter form: what a provincial coordinator fills in the Prefect UI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from tasks.reference.provinces import ProvinceOption
from tasks.runs.form import ChosenProvinces, RunSpec, dry_run_field, optional_date_field, provinces_field, year_field
from tasks.runs.record import scheduled_now
from tasks.screening.rules import ScreeningRules

MAX_CANDIDATES = 10


DEFAULT_CHANGES = (5.0, -5.0)


class ThresholdWhatIfParams(ChosenProvinces, BaseModel):
    """监测范围测算 / monitoring threshold what-if."""

    year: int = year_field(lambda: scheduled_now().year, "年度 / year",
                           "现行监测范围所属年度 / the year whose threshold is compared")
    as_of: date | None = optional_date_field("名册截止日期 / roster as of",
                                             "按该日的名册测算，默认今天 / the roster as it stood that day; "
                                             "default today")
    provinces: list[ProvinceOption] = provinces_field()
    thresholds: list[int] = Field(
        default_factory=list, title="候选监测范围（元/人·年） / candidate thresholds (yuan)",
        description="每项一个绝对值，如 7000 / one absolute value each, e.g. 7000")
    # Filled in the form, so that a run launched with one click weighs the usual question (each province's
    # own threshold raised or lowered by 5 %); the CLI and a form that clears it give their own.
    changes_pct: list[float] = Field(
        default_factory=lambda: list(DEFAULT_CHANGES), title="在现行监测范围上调整（%） / changes on the current "
        "threshold (%)", json_schema_extra={"default": list(DEFAULT_CHANGES)},
        description="默认上调、下调各5%；如 5 表示上调5%，-5 表示下调5%，各省按本省现行标准计算 / default ±5 %; "
                    "5 = +5 %, -5 = -5 %, each province from its own current threshold")
    rules: ScreeningRules = Field(default_factory=ScreeningRules, title="规则参数 / rule settings")
    dry_run: bool = dry_run_field("只计算，在运行页面查看结果，不写测算表、不通知 / "
                                  "compute and show in the run's page; no workbook, no message")

    @model_validator(mode="after")
    def _candidates(self) -> ThresholdWhatIfParams:
        count = len(self.thresholds) + len(self.changes_pct)
        if count == 0:
            raise ValueError("请至少填写一个候选监测范围或调整比例 / give at least one candidate threshold or change")
        if count > MAX_CANDIDATES:
            raise ValueError(f"候选方案最多{MAX_CANDIDATES}个，现有{count}个 / at most {MAX_CANDIDATES} candidates")
        for value in self.thresholds:
            if not 1_000 <= value <= 100_000:
                raise ValueError(f"候选监测范围 {value} 元不在 1,000–100,000 元之间 / threshold out of range")
        for change in self.changes_pct:
            if not -50 <= change <= 100:
                raise ValueError(f"调整比例 {change:+g}% 不在 -50% 至 +100% 之间 / change out of range")
        self.as_of = self.as_of or scheduled_now().date()
        return self

    def run_spec(self) -> RunSpec:
        return RunSpec("what-if", f"{self.year}@{self.as_of}", f"监测范围测算 {self.year}（名册截至{self.as_of}）",
                       f"threshold what-if {self.year} as of {self.as_of}",
                       Path("what-if", str(self.year), str(self.as_of)), as_of=self.as_of)
