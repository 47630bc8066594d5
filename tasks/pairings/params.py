"""The assistance pairings' parameter form: what a coordinator fills in the Prefect UI."""

from __future__ import annotations

from pathlib import Path

from pydantic import ConfigDict

from tasks.reference.provinces import ProvinceOption
from tasks.release.params import QuarterlyForm, quarter_field
from tasks.runs.form import ChosenProvinces, RunSpec, dry_run_field, provinces_field


class PairingsParams(ChosenProvinces, QuarterlyForm):
    """帮扶协作季度调度 / assistance pairings, quarterly: each pairing's progress against its agreement."""

    model_config = ConfigDict(extra="forbid")

    period: str = quarter_field("季度 / quarter", "按年度协议目标核查截至该季度末的进展，列出轮换到期的驻村工作队；"
                                                 "默认为计划运行时间的上一季度 / progress to the quarter's end "
                                                 "against the year's agreements; default: the quarter before the "
                                                 "scheduled time")
    provinces: list[ProvinceOption] = provinces_field()
    dry_run: bool = dry_run_field()

    def run_spec(self) -> RunSpec:
        quarter = self.quarter()
        return RunSpec("pairings", quarter.label, f"帮扶协作季度调度 {quarter.label}{self.scope_label}",
                       f"pairings {quarter.label}" + (" dry run" if self.dry_run else ""),
                       Path("pairings", quarter.label), as_of=quarter.end)
