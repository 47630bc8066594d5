"""What the relocation follow-up leaves: a workbook per province with its sites in order of concern, the
national summary (summary.json, the run's artifact), one message to the coordinators and one to each county
with sites of concern, naming them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

import pandas as pd

from tasks.outputs.spreadsheets import write_workbook, yes_no
from tasks.privacy import private_folder
from tasks.reference.provinces import province_name
from tasks.relocation.sites import FLAGS, LARGE, SERVICES
from tasks.runs.context import CampaignContext
from tasks.runs.places import MAX_NAMED, announce_by_place

HEADERS = {
    "site_code": "安置点编号", "name": "安置点名称", "province_code": "省代码", "county_code": "县代码",
    "size_band": "规模", "persons_registered": "名录安置人数", "households_relocated": "搬迁户数(名册)",
    "persons_relocated": "搬迁人数(名册)", "households_with_labour": "有劳动力户数",
    "households_employed": "有劳动力且至少一人就业户数", "households_below_aim": "有劳动力但无人就业户数",
    "labour": "搬迁劳动力", "labour_employed": "务工就业人数", "labour_employed_before": "上季度务工就业人数",
    "employment_change": "比上季度增减", "employment_rate": "务工就业率", "income_per_capita": "人均纯收入(元)",
    **SERVICES, "funds_received": "专项资金到位(万元)", "flags": "关注事项",
}
FORMATS = {"务工就业率": "0.0%", "人均纯收入(元)": "#,##0", "专项资金到位(万元)": "#,##0.0"}


class RelocationSummary(TypedDict):
    """What a relocation follow-up returns and writes to summary.json."""
    campaign: str
    period: str
    run_id: str
    sites: int
    sites_of_concern: int
    flags: dict[str, int]  # sites per flag (FLAGS)
    households_relocated: int
    households_with_labour: int
    households_below_aim: int
    labour: int
    labour_employed: int
    employment_rate: float | None
    folder: str | None  # None in a dry run, which writes nothing


def summary_of(period: str, run_id: str, sites: pd.DataFrame, folder: Path | None) -> RelocationSummary:
    labour, employed = int(sites["labour"].sum()), int(sites["labour_employed"].sum())
    return RelocationSummary(
        campaign="relocation", period=period, run_id=run_id, sites=len(sites),
        sites_of_concern=int((sites["flag_count"] > 0).sum()),
        flags={flag: int(sites[f"flag_{flag}"].sum()) for flag in FLAGS},
        households_relocated=int(sites["households_relocated"].sum()),
        households_with_labour=int(sites["households_with_labour"].sum()),
        households_below_aim=int(sites["households_below_aim"].sum()), labour=labour, labour_employed=employed,
        employment_rate=round(employed / labour, 4) if labour else None,
        folder=str(folder.resolve()) if folder is not None else None)


def for_people(sites: pd.DataFrame) -> pd.DataFrame:
    """The sites as a workbook shows them: Chinese headers, yes/no for the services."""
    shown = sites[list(HEADERS)].copy()
    for column in SERVICES:
        shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else yes_no(v))
    return shown.rename(columns=HEADERS)


def write_reports(folder: Path, summary: RelocationSummary, sites: pd.DataFrame) -> dict[str, Path]:
    """summary.json and one workbook per province (`<code>-<省名>.xlsx`); returns the workbooks by province."""
    private_folder(folder)
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    written = {}
    for code, of_province in sites.groupby("province_code", sort=True):
        path = folder / "provinces" / f"{code}-{province_name(code, missing=code)}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        written[code] = write_workbook(path, {"安置点": for_people(of_province)}, FORMATS)
    return written


def announce(ctx: CampaignContext, summary: RelocationSummary, sites: pd.DataFrame, county_names: dict[str, str],
             links: dict[str, str]) -> None:
    """The coordinators' summary; one message per province naming its counties with sites of concern, and one
    per such county with a channel of its own naming its worst sites (tasks.runs.places)."""
    rate = summary["employment_rate"]
    figures = {"安置点 / sites": f"{summary['sites']:,}（需关注 {summary['sites_of_concern']:,}）",
               "有劳动力但无人就业的搬迁户 / households below the aim": f"{summary['households_below_aim']:,}",
               "搬迁劳动力务工就业 / relocated labour employed":
                   f"{summary['labour_employed']:,} / {summary['labour']:,}"
                   + (f"（{rate:.1%}）" if rate is not None else ""),
               **{FLAGS[f]: f"{n:,} 个安置点" for f, n in summary["flags"].items() if n}}
    ctx.announce("summary", f"{ctx.label}: 结果 / results", figures, [f"各省工作簿 / workbooks: {links['folder']}"]
                 if links.get("folder") else [], campaign="relocation")
    announce_by_place(
        ctx, "relocation", _counties_of_concern(sites), county_names, links,
        lambda _, of_province: {"有需关注安置点的县 / counties": len(of_province),
                                "需关注的安置点 / sites of concern": int(of_province["sites"].sum())},
        lambda county: {"需关注的安置点 / sites of concern": county.sites,
                        "有劳动力但无人就业户 / households below the aim": county.below_aim,
                        "其中大型安置点 / large sites": county.large})


def _counties_of_concern(sites: pd.DataFrame) -> pd.DataFrame:
    """Per county with sites of concern (most households below the aim first): how many, its households
    below the aim, its large sites, and its worst sites named. Grouped once: thousands of counties."""
    concern = sites[sites["flag_count"] > 0]
    text = concern["name"] + "（" + concern["site_code"] + "）：" + concern["flags"]
    grouped = concern.assign(large=concern["size_band"].isin(LARGE), text=text).groupby(
        ["province_code", "county_code"], sort=False)
    counties = grouped.agg(sites=("site_code", "size"), below_aim=("households_below_aim", "sum"),
                           large=("large", "sum"), named=("text", lambda t: list(t.head(MAX_NAMED))))
    counties["text"] = counties["sites"].map("{} 个安置点".format) + "，有劳动力但无人就业 " + \
        counties["below_aim"].astype(str) + " 户"
    return counties.reset_index().sort_values(["province_code", "below_aim", "county_code"],
                                              ascending=[True, False, True], ignore_index=True)


def summary_markdown(label: str, summary: RelocationSummary) -> str:
    rate = summary["employment_rate"]
    lines = [f"# {label}", "", "| 项目 | 数值 |", "|---|---|",
             f"| 安置点 | {summary['sites']:,} |", f"| 需关注的安置点 | {summary['sites_of_concern']:,} |",
             f"| 搬迁户(名册) | {summary['households_relocated']:,} |",
             f"| 有劳动力但无人就业的户 | {summary['households_below_aim']:,} |",
             f"| 搬迁劳动力务工就业 | {summary['labour_employed']:,} / {summary['labour']:,}"
             + (f"（{rate:.1%}）" if rate is not None else "") + " |"]
    lines += [f"| {FLAGS[f]} | {n:,} 个安置点 |" for f, n in summary["flags"].items()]
    if summary["folder"]:
        lines += ["", f"工作簿 / workbooks: {summary['folder']}"]
    return "\n".join(lines)
