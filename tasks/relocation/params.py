"""The relocation follow-up's parameter form: what a coordinator fills in the Prefect UI."""

from __future__ import annotations

from pathlib import Path

from pydantic import ConfigDict

from tasks.reference.provinces import ProvinceOption
from tasks.release.params import QuarterlyForm, quarter_field
from tasks.runs.form import ChosenProvinces, RunSpec, dry_run_field, provinces_field


class RelocationParams(ChosenProvinces, QuarterlyForm):
    """易地搬迁后续扶持季度监测 / relocation follow-up, quarterly: every 集中安置点 as of the quarter's end."""

    model_config = ConfigDict(extra="forbid")

    period: str = quarter_field("季度 / quarter", "按季度末的名单与安置点报表计算；默认为计划运行时间的上一季度 / "
                                                 "as of the quarter's end; default: the quarter before the scheduled "
                                                 "time")
    provinces: list[ProvinceOption] = provinces_field()
    dry_run: bool = dry_run_field()

    def run_spec(self) -> RunSpec:
        quarter = self.quarter()
        return RunSpec("relocation", quarter.label, f"易地搬迁后续扶持 {quarter.label}{self.scope_label}",
                       f"relocation {quarter.label}" + (" dry run" if self.dry_run else ""),
                       Path("relocation", quarter.label), as_of=quarter.end)
