"""What the fund ledger leaves: a workbook per province (its figures, its projects of concern, its counties'
totals beside their allotments), the national summary (summary.json, the run's artifact), one
message to the coordinators, one per province with something to correct, one per such county that has a
channel of its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

import pandas as pd

from tasks.funds.ledger import COUNTY_FLAGS, PROJECT_FLAGS
from tasks.outputs.spreadsheets import write_workbook, yes_no
from tasks.privacy import private_folder
from tasks.reference.codes import FUND_USE, LINKAGE_MECHANISM
from tasks.reference.provinces import province_name
from tasks.runs.context import CampaignContext
from tasks.runs.places import announce_by_place, counties_of_concern

PROVINCE_HEADERS = {
    "province_code": "省代码", "funds_total": "衔接资金(万元)", "funds_industry": "其中用于产业发展(万元)",
    "industry_share": "用于产业发展比例", "target": "目标比例", "below_target": "低于目标", "projects": "台账项目数",
    "operating_projects": "经营性项目数", "projects_of_concern": "需关注项目数",
    "linked_households": "带动脱贫户和监测户数",
    "counties_itemised": "已报送台账的县", "counties_of_concern": "需核对的县",
}
PROJECT_HEADERS = {
    "project_no": "项目编号", "county_code": "县代码", "county": "县名称", "quarter": "资金下达季度",
    "project_name": "项目名称", "use": "资金用途", "amount": "衔接资金(万元)", "operating": "是否经营性项目",
    "mechanism": "联农带农机制", "linked_households": "带动脱贫户和监测户数", "flags": "关注事项",
}
COUNTY_HEADERS = {
    "county_code": "县代码", "county": "县名称", "quarter": "资金下达季度", "allotted": "资金下达数(万元)",
    "itemised": "台账合计(万元)", "difference": "差额(万元)", "projects": "台账项目数", "flags": "关注事项",
}
FORMATS = {"衔接资金(万元)": "#,##0.00", "其中用于产业发展(万元)": "#,##0.00", "用于产业发展比例": "0.0%",
           "目标比例": "0.0%", "资金下达数(万元)": "#,##0.00", "台账合计(万元)": "#,##0.00", "差额(万元)": "#,##0.00"}


class FundLedgerSummary(TypedDict):
    """What a fund-ledger run returns and writes to summary.json."""
    campaign: str
    period: str
    run_id: str
    projects: int
    projects_of_concern: int
    project_flags: dict[str, int]  # projects per flag (PROJECT_FLAGS)
    county_quarters_of_concern: dict[str, int]  # county quarters per flag (COUNTY_FLAGS)
    funds_total: float  # 万元, the ledger where a county itemised, else the allotments
    funds_industry: float
    industry_share: float | None
    target: float
    provinces_below_target: list[str]
    folder: str | None  # None in a dry run, which writes nothing


def summary_of(period: str, run_id: str, projects: pd.DataFrame, counties: pd.DataFrame, provinces: pd.DataFrame,
               target: float, folder: Path | None) -> FundLedgerSummary:
    total, industry = float(provinces["funds_total"].sum()), float(provinces["funds_industry"].sum())
    return FundLedgerSummary(
        campaign="fund-ledger", period=period, run_id=run_id, projects=len(projects),
        projects_of_concern=int(projects["flag_count"].gt(0).sum()),
        project_flags={flag: int(projects[f"flag_{flag}"].sum()) for flag in PROJECT_FLAGS},
        county_quarters_of_concern={flag: int(counties[f"flag_{flag}"].sum()) for flag in COUNTY_FLAGS},
        funds_total=round(total, 2), funds_industry=round(industry, 2),
        industry_share=round(industry / total, 4) if total else None, target=target,
        provinces_below_target=provinces.loc[provinces["below_target"], "province_code"].tolist(),
        folder=str(folder.resolve()) if folder is not None else None)


def _shown(frame: pd.DataFrame, headers: dict[str, str], county_names: dict[str, str]) -> pd.DataFrame:
    """`frame` as a workbook shows it: Chinese headers, codes as their labels, 是/否."""
    shown = frame.assign(county=frame["county_code"].map(county_names)) if "county" in headers else frame.copy()
    if "use" in shown:
        shown["use"] = shown["use"].map(FUND_USE.codes).fillna(shown["use"])
    if "mechanism" in shown:
        shown["mechanism"] = shown["mechanism"].map(LINKAGE_MECHANISM.codes)
    for column in ("operating", "below_target"):
        if column in shown:
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else yes_no(v))
    return shown[list(headers)].rename(columns=headers)


def shown_provinces(provinces: pd.DataFrame, target: float) -> pd.DataFrame:
    return _shown(provinces.assign(target=target), PROVINCE_HEADERS, {})


def write_reports(folder: Path, summary: FundLedgerSummary, projects: pd.DataFrame, counties: pd.DataFrame,
                  provinces: pd.DataFrame, county_names: dict[str, str]) -> dict[str, Path]:
    """summary.json and one workbook per province (`<code>-<省名>.xlsx`); returns the workbooks by province."""
    private_folder(folder)
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    written = {}
    for row in provinces.itertuples():
        code = row.province_code
        path = folder / "provinces" / f"{code}-{province_name(code, missing=code)}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        sheets = {"全省": shown_provinces(provinces[provinces["province_code"].eq(code)], summary["target"])}
        # The projects to correct, not the whole ledger: the counties hold it, and at national scale it is 10⁵
        # rows a quarter that would cost more to write than the rest of the run (the 全省 sheet counts them all).
        concern = projects[projects["flag_count"].gt(0)]
        for title, frame, headers in (("需关注项目", concern, PROJECT_HEADERS), ("县核对", counties, COUNTY_HEADERS)):
            sheets[title] = _shown(frame[frame["province_code"].eq(code)], headers, county_names)
        written[code] = write_workbook(path, sheets, FORMATS)
    return written


def announce(ctx: CampaignContext, summary: FundLedgerSummary, projects: pd.DataFrame, counties: pd.DataFrame,
             provinces: pd.DataFrame, county_names: dict[str, str], links: dict[str, str]) -> None:
    """The coordinators' summary; per province with counties to correct or a share below the target, one
    message naming its counties; per such county with a channel of its own, one naming its projects and
    quarters (tasks.runs.places)."""
    share = summary["industry_share"]
    of_target = f"（{share:.1%}，目标 {summary['target']:.0%}）" if share is not None else ""
    figures = {"衔接资金 / linkage funds": f"{summary['funds_total']:,.2f} 万元",
               "用于产业发展 / to industry": f"{summary['funds_industry']:,.2f} 万元{of_target}",
               "台账项目 / projects": f"{summary['projects']:,}（需关注 {summary['projects_of_concern']:,}）",
               **{PROJECT_FLAGS[f]: f"{n:,} 个项目" for f, n in summary["project_flags"].items() if n},
               **{COUNTY_FLAGS[f]: f"{n:,} 个县·季度" for f, n in summary["county_quarters_of_concern"].items() if n}}
    if summary["provinces_below_target"]:
        figures["产业发展比例低于目标的省 / provinces below the target"] = "、".join(
            province_name(code, missing=code) for code in summary["provinces_below_target"])
    ctx.announce("summary", f"{ctx.label}: 结果 / results", figures,
                 [f"各省工作簿 / workbooks: {links['folder']}"] if links.get("folder") else [], campaign="fund-ledger")
    by_province = provinces.set_index("province_code")

    def of_province(code: str, counties_of: pd.DataFrame) -> dict:
        share = by_province.at[code, "industry_share"]
        return {"用于产业发展比例 / industry share": "" if pd.isna(share) else f"{share:.1%}"
                + ("（低于目标）" if by_province.at[code, "below_target"] else ""),
                "需核对的县 / counties to correct": len(counties_of)}

    announce_by_place(ctx, "fund-ledger", _counties_to_tell(projects, counties), county_names, links, of_province,
                      lambda county: {"需关注项目 / projects of concern": county.projects,
                                      "与下达数不一致的季度 / quarters whose totals differ": county.quarters},
                      provinces=by_province.index[by_province["below_target"]])


def _counties_to_tell(projects: pd.DataFrame, counties: pd.DataFrame) -> pd.DataFrame:
    """Per county with projects or quarters of concern (most first): how many, what they are in words, and
    its worst projects and quarters named."""
    flagged = projects[projects["flag_count"].gt(0)]
    project_text = flagged["project_name"].fillna("") + "（" + flagged["project_no"] + "）：" + flagged["flags"]
    quarters = counties[counties["flag_count"].gt(0)]
    quarter_text = "第" + quarters["quarter"].astype(str) + "季度：" + quarters["flags"] + "（下达 " + \
        quarters["allotted"].map("{:,.2f}".format) + " 万元，台账 " + quarters["itemised"].fillna(0).map(
            "{:,.2f}".format) + " 万元）"
    return counties_of_concern({"projects": (flagged, project_text, "{} 个项目需补充联农带农情况"),
                                "quarters": (quarters, quarter_text, "{} 个季度台账与下达数不一致或未报送")})


def summary_markdown(label: str, summary: FundLedgerSummary) -> str:
    share = summary["industry_share"]
    lines = [f"# {label}", "", "| 项目 | 数值 |", "|---|---|",
             f"| 衔接资金(万元) | {summary['funds_total']:,.2f} |",
             f"| 其中用于产业发展(万元) | {summary['funds_industry']:,.2f} |",
             f"| 用于产业发展比例 | {'' if share is None else f'{share:.1%}'}（目标 {summary['target']:.0%}） |",
             f"| 台账项目 | {summary['projects']:,} |", f"| 需关注项目 | {summary['projects_of_concern']:,} |"]
    lines += [f"| {PROJECT_FLAGS[f]} | {n:,} 个项目 |" for f, n in summary["project_flags"].items()]
    lines += [f"| {COUNTY_FLAGS[f]} | {n:,} 个县·季度 |" for f, n in summary["county_quarters_of_concern"].items()]
    if summary["provinces_below_target"]:
        lines.append("| 低于目标的省 | " + "、".join(province_name(c, missing=c)
                                                    for c in summary["provinces_below_target"]) + " |")
    if summary["folder"]:
        lines += ["", f"工作簿 / workbooks: {summary['folder']}"]
    return "\n".join(lines)
