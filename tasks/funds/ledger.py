"""What the fund ledger checks, for a year's projects to the end of a quarter (the policy's 二（一）: the
linkage funds' share to industry, 联农带农 for every operating project) and the ledger against the allotments
(linkage_funds): per project its flags, per county and quarter both totals, per province the figures."""

from __future__ import annotations

import pandas as pd

from tasks.model.funds import ITEMISED_BY, TOTALS_TOLERANCE, funds_by_use
from tasks.outputs.flags import with_flags
from tasks.release.figures import funds_by_province
from tasks.release.period import Period

# Why a project is of concern, in the order a coordinator reads them.
PROJECT_FLAGS = {
    "no_mechanism": "经营性项目未建立联农带农机制",
    "no_households": "经营性项目未填带动脱贫户和监测户",
}
# Why a county's quarter is of concern.
COUNTY_FLAGS = {
    "totals_differ": "台账合计与资金下达数不一致",
    "not_itemised": "资金已下达但未报送项目台账",
}


def year_to_date(frame: pd.DataFrame, year: int, quarter: int) -> pd.DataFrame:
    """The rows of `year` allotted in quarters 1 to `quarter`."""
    return frame[frame["year"].eq(year) & frame["quarter"].le(quarter)].reset_index(drop=True)


def project_flags(projects: pd.DataFrame) -> pd.DataFrame:
    """The projects with a column per flag (PROJECT_FLAGS), `flag_count` and `flags` in words; of concern first,
    then by county and number."""
    operating = projects["operating"].astype("boolean").fillna(False).astype(bool)
    linked = pd.to_numeric(projects["linked_households"], errors="coerce").fillna(0)
    marks = pd.DataFrame({"no_mechanism": operating & projects["mechanism"].isna(),
                          "no_households": operating & ~linked.gt(0)}, index=projects.index)
    return _in_order(with_flags(projects, marks, PROJECT_FLAGS), ["county_code", "project_no"])


def county_totals(allotments: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Per county and quarter with funds allotted or itemised: both totals (万元), their difference, and the
    flags (COUNTY_FLAGS). A quarter itemised with no allotment reported differs by the whole of it."""
    allotted = allotments.groupby(ITEMISED_BY)["amount"].sum().rename("allotted")
    itemised = projects.groupby(ITEMISED_BY)["amount"].sum().rename("itemised")
    count = projects.groupby(ITEMISED_BY).size().rename("projects")
    province = pd.concat([allotments.set_index(ITEMISED_BY)["province_code"],
                          projects.set_index(ITEMISED_BY)["province_code"]])
    totals = pd.concat([allotted, itemised, count], axis=1).fillna({"allotted": 0.0, "projects": 0})
    totals["province_code"] = province[~province.index.duplicated()].reindex(totals.index)
    totals["difference"] = (totals["itemised"].fillna(0.0) - totals["allotted"]).round(2)
    totals["projects"] = totals["projects"].astype(int)
    marks = pd.DataFrame({"totals_differ": totals["itemised"].notna() & totals["difference"].abs().gt(TOTALS_TOLERANCE),
                          "not_itemised": totals["itemised"].isna() & totals["allotted"].gt(0)}, index=totals.index)
    return _in_order(with_flags(totals, marks, COUNTY_FLAGS).reset_index(), ITEMISED_BY)


def province_figures(period: Period, allotments: pd.DataFrame, projects: pd.DataFrame, flagged: pd.DataFrame,
                     counties: pd.DataFrame, target: float) -> pd.DataFrame:
    """Per province: the year's funds to date as counted (the ledger where a county itemised, else the
    allotments), of them to industry and the share against `target`; the projects, operating ones and those
    flagged, households linked; counties itemising and counties whose totals are of concern."""
    funds = funds_by_province(funds_by_use(allotments, projects), period)
    operating = flagged["operating"].astype("boolean").fillna(False).astype(bool)
    by_project = flagged.assign(operating=operating, linked=pd.to_numeric(flagged["linked_households"]).fillna(0),
                                of_concern=flagged["flag_count"].gt(0)).groupby("province_code").agg(
        projects=("project_no", "size"), operating_projects=("operating", "sum"),
        projects_of_concern=("of_concern", "sum"), linked_households=("linked", "sum"))
    # Counties are counted once each, whatever their quarters.
    of_county = counties.assign(itemised=counties["itemised"].notna(), concern=counties["flag_count"].gt(0)).groupby(
        ["province_code", "county_code"])[["itemised", "concern"]].any().groupby("province_code").sum().rename(
        columns={"itemised": "counties_itemised", "concern": "counties_of_concern"})
    figures = pd.concat([funds, by_project, of_county], axis=1).fillna(0)
    figures["industry_share"] = (figures["funds_industry"] / figures["funds_total"]).where(figures["funds_total"] > 0)
    figures["below_target"] = figures["industry_share"].lt(target)
    for column in ("projects", "operating_projects", "projects_of_concern", "linked_households",
                   "counties_itemised", "counties_of_concern"):
        figures[column] = figures[column].astype(int)
    return figures.rename_axis("province_code").reset_index().sort_values("province_code", ignore_index=True)


def _in_order(frame: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Most flags first, then by `order`."""
    return frame.sort_values(["flag_count", *order], ascending=[False, *[True] * len(order)], ignore_index=True)
