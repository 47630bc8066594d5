"""The linkage-fund project ledger (衔接资金项目台账): each project funded by the central linkage funds, as
its county reports it, with its 联农带农 mechanism and the households it brings in. The allotments
themselves, by county, quarter and use, are tasks.model.programme.LinkageFund; where a county has itemised
a quarter's projects, the release and the assessment count its funds from them (tasks.funds.sources)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Boolean, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped

from tasks.model.base import Base, col


class FundProject(Base):
    __tablename__ = "fund_projects"
    __table_args__ = (
        Index("ix_fund_projects_period", "year", "quarter", "province_code"),
        {"comment": "中央财政衔接资金项目台账及联农带农情况 (县报送)"},
    )

    # A county sending a project again replaces it (its own correction), like a site's quarterly report.
    project_no: Mapped[str] = col("项目编号", String(40), primary_key=True)
    year: Mapped[int] = col("资金年度", Integer)
    quarter: Mapped[int] = col("资金下达季度", Integer)
    province_code: Mapped[str | None] = col("省代码", String(2))
    county_code: Mapped[str] = col("县代码", String(6))
    project_name: Mapped[str | None] = col("项目名称", String(100))
    use: Mapped[str] = col("资金用途", String(20))
    amount: Mapped[float] = col("衔接资金(万元)", Float)
    operating: Mapped[bool | None] = col("是否经营性项目", Boolean)
    mechanism: Mapped[str | None] = col("联农带农机制", String(20))
    linked_households: Mapped[int | None] = col("带动脱贫户和监测户数", Integer)
    reported_on: Mapped[date | None] = col("填报日期", Date)


# The ledger's amounts and the allotments' are to two decimals of 万元: sums of rounded parts may differ by a
# few hundredths without anything being wrong.
TOTALS_TOLERANCE = 0.05  # 万元
ITEMISED_BY = ["county_code", "year", "quarter"]


def funds_by_use(allotments: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """The allotments (linkage_funds' columns) as the release and the assessment count them: a county's
    quarter itemised in the ledger counts its projects, summed per use, instead of its allotment rows; a
    quarter it has not itemised counts the allotments as sent."""
    if projects.empty:
        return allotments
    # Summed in the projects' order by number: in another (a county's file sent again) a float sum differs in
    # its last digit, and a published release is checked figure for figure.
    ledger = projects.sort_values("project_no").groupby([*ITEMISED_BY, "use"], as_index=False, sort=True).agg(
        province_code=("province_code", "first"), amount=("amount", "sum"))
    itemised = pd.MultiIndex.from_frame(ledger[ITEMISED_BY].drop_duplicates())
    kept = allotments[~pd.MultiIndex.from_frame(allotments[ITEMISED_BY]).isin(itemised)]
    return pd.concat([kept, ledger[list(allotments.columns)]], ignore_index=True)
