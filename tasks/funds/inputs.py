"""What the fund ledger reads: the allotments (linkage_funds, through their suite as every campaign reads
them) and the counties' projects (checked where they arrived: each row of the ledger passed its rules at
ingest, the rest is in its county's workbook of rows set aside), the year's to the quarter's end."""

from __future__ import annotations

import pandas as pd

from tasks.funds.ledger import year_to_date
from tasks.runs.check import Check
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.runs.inputs import PROGRAMME_CHECKS
from tasks.storage.reads import read_table

FIGURES_CHECK = Check("check fund ledger figures", "fund_ledger_provinces", key="province_code",
                      announce="problems")


def allotments_and_projects(ctx: CampaignContext, provinces: list[str] | None, year: int,
                            quarter: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    allotments = checkpoint(ctx, PROGRAMME_CHECKS["linkage_funds"],
                            read_table(ctx.engine, "linkage_funds", provinces)).frame
    projects = read_table(ctx.engine, "fund_projects", provinces)
    return year_to_date(allotments, year, quarter), year_to_date(projects, year, quarter)
