"""The assessment's parameter form: what a coordinator fills in the Prefect UI."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from tasks.quality.outliers import OutlierRules
from tasks.reference.provinces import ProvinceOption
from tasks.runs.form import (
    ChosenProvinces,
    RunSpec,
    dry_run_field,
    optional_field,
    outliers_field,
    provinces_field,
    year_field,
)
from tasks.runs.record import scheduled_now


def previous_year() -> int:
    """The year before the run's scheduled time (a January run assesses the year just ended)."""
    return scheduled_now().year - 1


class AssessmentParams(ChosenProvinces, BaseModel):
    """巩固拓展脱贫攻坚成果考核评估 / annual assessment and evaluation."""

    year: int = year_field(previous_year, "考核年度 / year assessed",
                           "默认上一年 / default: the previous calendar year")
    provinces: list[ProvinceOption] = provinces_field()
    config_file: str | None = optional_field(
        {"type": "string"}, title="指标配置文件 / indicator configuration",
        description="默认为仓库中的 deployments/assessment.toml / default: the one in the repository")
    outliers: OutlierRules = outliers_field(("年度", "earlier years"))
    dry_run: bool = dry_run_field()

    @property
    def config_path(self) -> Path | None:
        return Path(self.config_file) if self.config_file else None

    def run_spec(self) -> RunSpec:
        scope = "all provinces" if not self.provinces else f"{len(self.provinces)} provinces"
        return RunSpec("assessment", str(self.year), f"考核评估 {self.year}",
                       f"assessment {self.year} {scope}" + (" dry run" if self.dry_run else ""),
                       Path("assessment", str(self.year)))
