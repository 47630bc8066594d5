"""What the threshold what-if gives the coordinators: a workbook (by province, by county, by type, what was
tried), a chart of the households entering and leaving per candidate threshold, a summary, and one message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

import pandas as pd

from tasks.outputs.charts import Label, bar_chart
from tasks.outputs.spreadsheets import write_workbook
from tasks.reference.codes import MONITORING_TYPE
from tasks.reference.provinces import province_name
from tasks.runs.check import Check
from tasks.runs.context import CampaignContext
from tasks.what_if.threshold import COUNTS, by, by_province

INPUT_CHECK = Check("check what-if households", "what_if_households", key="household_no",
                    source="households", announce="problems", audience="data-quality")
OUTPUT_CHECK = Check("check what-if results", "what_if_results", key="key", announce="problems")
HEADERS = {
    "scenario": "测算方案", "province_code": "省代码", "province": "省份", "county_code": "县代码", "county": "县名称",
    "candidate_type": "建议监测对象类别", "threshold_now": "现行监测范围(元)", "threshold_then": "测算监测范围(元)",
    "candidates_now": "现行标准下建议监测户数", "candidates_then": "测算标准下建议监测户数",
    "entering_households": "新增建议监测户数", "entering_persons": "新增建议监测人数",
    "leaving_households": "退出建议监测户数", "leaving_persons": "退出建议监测人数",
}
FORMATS = {HEADERS[k]: "#,##0" for k in ("threshold_now", "threshold_then", *COUNTS)}
BY_PROVINCE, BY_COUNTY, BY_TYPE = "分省", "分县", "分类别"


def sheets(results: pd.DataFrame, county_names: dict[str, str], tried: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The workbook's sheets, Chinese headers, numbers as numbers."""
    provinces = by_province(results)
    counties = by(results, ["scenario", "province_code", "county_code"])
    types = by(results, ["scenario", "candidate_type"])
    for frame in (provinces, counties):
        frame.insert(2, "province", frame["province_code"].map(lambda c: province_name(c, missing=c)))
    counties.insert(4, "county", counties["county_code"].map(lambda c: county_names.get(c, c)))
    types["candidate_type"] = types["candidate_type"].map(lambda t: MONITORING_TYPE.codes.get(t, t))
    order = ["scenario", "province_code", "province", "threshold_now", "threshold_then", *COUNTS]
    return {BY_PROVINCE: _headed(provinces[order]), BY_COUNTY: _headed(counties), BY_TYPE: _headed(types),
            "测算说明": tried}


def _headed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns=HEADERS)


def chart(results: pd.DataFrame) -> bytes:
    """Per scenario, the households entering and leaving the candidates (leaving in red)."""
    totals = by(results, ["scenario"])
    labels, values, leaving = [], [], []
    for row in totals.itertuples(index=False):
        ascii_name = row.scenario.replace("元", " yuan").replace("现行", "current ")
        labels += [Label(f"{row.scenario} 新增", f"{ascii_name} in"),
                   Label(f"{row.scenario} 退出", f"{ascii_name} out")]
        values += [row.entering_households, row.leaving_households]
        leaving += [False, True]
    title = Label("监测范围测算：新增与退出建议监测户数", "Threshold what-if: households in and out")
    return bar_chart(labels, values, title, unit="户", highlight=leaving)


def write_reports(folder: Path, summary: WhatIfSummary, workbook: dict[str, pd.DataFrame], png: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    (folder / "what-if.png").write_bytes(png)
    return write_workbook(folder / "what-if.xlsx", workbook, FORMATS)


class WhatIfSummary(TypedDict):
    """What a what-if returns and writes to summary.json: per scenario (a candidate threshold), the COUNTS."""
    campaign: str
    label: str
    households: int
    set_aside: int
    scenarios: dict[str, dict[str, int]]
    folder: str | None  # where its workbook and chart are; None in a dry run, which writes nothing


def summary_of(results: pd.DataFrame, params_label: str, set_aside: int, households: int,
               folder: Path | None) -> WhatIfSummary:
    totals = by(results, ["scenario"])
    return WhatIfSummary(campaign="what-if", label=params_label, households=households, set_aside=set_aside,
                         scenarios={r.scenario: {k: int(getattr(r, k)) for k in COUNTS}
                                    for r in totals.itertuples()},
                         folder=str(folder.resolve()) if folder is not None else None)


def announce(ctx: CampaignContext, summary: WhatIfSummary, links: dict[str, str] | None) -> None:
    """One message to the coordinators: each scenario's households entering and leaving."""
    figures = {name: f"新增{s['entering_households']:,}户{s['entering_persons']:,}人，"
                     f"退出{s['leaving_households']:,}户{s['leaving_persons']:,}人"
               for name, s in summary["scenarios"].items()}
    actions = [f"未纳入测算 {summary['set_aside']:,} 户（缺收入等，见数据质量通知）"] if summary["set_aside"] else []
    if links:
        actions.append(f"测算表 / workbook: {links['workbook']}")
    ctx.announce("summary", f"{ctx.label}: 结果 / results", figures, actions, campaign="what-if")


def summary_markdown(label: str, summary: WhatIfSummary, links: dict[str, str] | None) -> str:
    lines = [f"# {label}", "", f"测算农户 {summary['households']:,} 户；未纳入测算 {summary['set_aside']:,} 户", "",
             "| 测算方案 | 现行标准下建议监测户数 | 测算标准下 | 新增户数 | 新增人数 | 退出户数 | 退出人数 |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, s in summary["scenarios"].items():
        lines.append(f"| {name} | {s['candidates_now']:,} | {s['candidates_then']:,} | {s['entering_households']:,} "
                     f"| {s['entering_persons']:,} | {s['leaving_households']:,} | {s['leaving_persons']:,} |")
    if links:
        lines += ["", f"测算表 / workbook: {links['workbook']}，图 / chart: {links['chart']}"]
    return "\n".join(lines) + "\n"
