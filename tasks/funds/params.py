"""The fund ledger's parameter form: what a coordinator fills in the Prefect UI."""

from __future__ import annotations

from pathlib import Path

from pydantic import ConfigDict

from tasks.reference.provinces import ProvinceOption
from tasks.release.params import QuarterlyForm, quarter_field
from tasks.runs.form import ChosenProvinces, RunSpec, dry_run_field, provinces_field


class FundLedgerParams(ChosenProvinces, QuarterlyForm):
    """衔接资金项目台账季度核查 / linkage-fund project ledger, quarterly: the year's projects to the quarter's end."""

    model_config = ConfigDict(extra="forbid")

    period: str = quarter_field("季度 / quarter", "核查本年度截至该季度末下达资金的项目；默认为计划运行时间的"
                                                 "上一季度 / the year's projects to the quarter's end; default: the "
                                                 "quarter before the scheduled time")
    provinces: list[ProvinceOption] = provinces_field()
    dry_run: bool = dry_run_field()

    def run_spec(self) -> RunSpec:
        quarter = self.quarter()
        return RunSpec("fund-ledger", quarter.label, f"衔接资金项目台账 {quarter.label}{self.scope_label}",
                       f"fund-ledger {quarter.label}" + (" dry run" if self.dry_run else ""),
                       Path("fund-ledger", quarter.label), as_of=quarter.end)
