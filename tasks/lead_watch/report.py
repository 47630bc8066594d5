"""What the lead watch publishes and says: a workbook (counties, then the overdue and late leads, masked) and
summary.json in its folder; one message for the coordinators and one per county with leads to chase."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

import pandas as pd

from tasks.lead_watch.watch import FIGURES
from tasks.outputs.spreadsheets import write_workbook
from tasks.privacy import private_folder
from tasks.reference.provinces import PROVINCE_BY_CODE
from tasks.runs.check import Check
from tasks.runs.context import CampaignContext
from tasks.screening.lists import LATE_LEADS, OVERDUE_LEADS
from tasks.screening.report import for_people

COUNTY_HEADERS = {
    "province_code": "省代码", "province_name": "省份", "county_code": "县代码", "county_name": "县名称",
    "pending": "待核实线索", "pending_change": "待核实较上周", "overdue": "超期未核实", "overdue_change": "超期较上周",
    "late": "受理迟延", "late_change": "受理迟延较上周",
}
COUNTIES_SHEET = "县级汇总"
NO_COUNTY = "(未填县代码)"
MAX_LEADS_NAMED = 10  # lead numbers in a county's message; the workbook has them all
OUTPUTS_CHECK = Check("check lead watch outputs", "screening_outputs", announce="problems")
ACCOUNTED_CHECK = Check("account for watched leads", "lead_watch_leads", key="lead_no", announce="problems")


def county_table(figures: pd.DataFrame, county_names: dict[str, str]) -> pd.DataFrame:
    """The counties' figures as coordinators read them: names beside codes, counts as numbers."""
    out = figures.copy()
    out.insert(1, "province_name", out["province_code"].map(_province))
    out.insert(3, "county_name", out["county_code"].map(lambda c: county_names.get(c, c or NO_COUNTY)))
    return out[list(COUNTY_HEADERS)].rename(columns=COUNTY_HEADERS)


def lead_sheets(watched: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The overdue and the late leads, each list as the screening publishes it (masked, Chinese labels)."""
    sheets = {}
    for lst, flag in ((OVERDUE_LEADS, "overdue"), (LATE_LEADS, "late_accepted")):
        rows = watched[watched[flag]]
        parts = [for_people(of_province[list(lst.columns)], code)
                 for code, of_province in rows.groupby("province_code", sort=True)]
        sheets[lst.title] = pd.concat(parts, ignore_index=True) if parts else \
            for_people(rows[list(lst.columns)], "").iloc[0:0]
    return sheets


def write_reports(folder: Path, summary: LeadWatchSummary, sheets: dict[str, pd.DataFrame]) -> Path:
    private_folder(folder)  # lead lists: the owner only
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return write_workbook(folder / "lead-watch.xlsx", sheets)


class LeadWatchSummary(TypedDict):
    """What a lead watch returns and writes to summary.json: the week's leads in the counties watched, each
    figure of FIGURES with its change on the week before."""
    campaign: str
    as_of: str
    run_id: str
    leads_watched: int
    pending: int
    overdue: int
    late: int
    pending_change: int
    overdue_change: int
    late_change: int
    counties_to_chase: int


def summary_of(as_of: str, run_id: str, trend: pd.DataFrame, watched: int) -> LeadWatchSummary:
    totals = {f: int(trend[f].sum()) for f in FIGURES} | {f"{f}_change": int(trend[f"{f}_change"].sum())
                                                          for f in FIGURES}
    return LeadWatchSummary(campaign="lead-watch", as_of=as_of, run_id=run_id, leads_watched=watched, **totals,
                            counties_to_chase=int(((trend["overdue"] > 0) | (trend["late"] > 0)).sum()))


def announce(ctx: CampaignContext, summary: LeadWatchSummary, trend: pd.DataFrame, watched: pd.DataFrame,
             county_names: dict[str, str], workbook: str | None) -> None:
    """The coordinators' summary, then one message per county with overdue or late leads, or fewer than last
    week (good news is news too), to the county's channel where one is configured."""
    worst = trend.sort_values(["overdue", "late"], ascending=False).head(5)
    actions = [f"{_place(r.province_code, r.county_code, county_names)}：超期 {r.overdue}"
               f"（{_change(r.overdue_change)}），受理迟延 {r.late}" for r in worst.itertuples() if r.overdue or r.late]
    if workbook:
        actions.append(f"报告 / report: {workbook}")
    ctx.announce("summary", f"{ctx.label}: 结果 / results", _figures(summary), actions, campaign="lead-watch")
    # The lead numbers to chase, grouped once: a filter of every watched lead per county would scan the whole
    # frame 2,850 times at national scale.
    overdue_of = watched[watched["overdue"]].groupby(["province_code", "county_code"])["lead_no"].agg(list)
    unaccepted = watched["late_accepted"] & watched["accepted_at"].isna()
    late_of = watched[unaccepted].groupby(["province_code", "county_code"])["lead_no"].agg(list)
    for r in trend.itertuples():
        if not (r.overdue or r.late or r.overdue_change or r.late_change):
            continue
        overdue = overdue_of.get((r.province_code, r.county_code), [])
        late = late_of.get((r.province_code, r.county_code), [])
        chase = [f"超期未核实，请核实 / verify: {_some(overdue)}" if overdue else "",
                 f"仍未受理，请受理 / accept: {_some(late)}" if late else ""]
        ctx.announce(
            f"county:{r.province_code}:{r.county_code}",
            f"{ctx.label} · {_place(r.province_code, r.county_code, county_names)}",
            _figures(r._asdict()), [a for a in chase if a], campaign="lead-watch",
            province=r.province_code, county=r.county_code or None)


def _figures(s: LeadWatchSummary) -> dict[str, object]:
    return {"待核实 / pending": f"{s['pending']}（{_change(s['pending_change'])}）",
            "超期未核实 / overdue": f"{s['overdue']}（{_change(s['overdue_change'])}）",
            "受理迟延 / late": f"{s['late']}（{_change(s['late_change'])}）"}


def _change(n: int) -> str:
    return "较上周持平" if n == 0 else f"较上周{'+' if n > 0 else ''}{n}"


def _province(code: str) -> str:
    return PROVINCE_BY_CODE[code].name if code in PROVINCE_BY_CODE else code


def _place(province: str, county: str, names: dict[str, str]) -> str:
    return f"{_province(province)}{names.get(county, county) if county else NO_COUNTY}"


def _some(leads: list[str]) -> str:
    more = len(leads) - MAX_LEADS_NAMED
    return "、".join(leads[:MAX_LEADS_NAMED]) + (f" 等{len(leads)}条" if more > 0 else "")


def summary_markdown(label: str, summary: LeadWatchSummary, workbook: str | None) -> str:
    """The run's summary artifact in the Prefect UI."""
    lines = [f"# {label}", "", "| 指标 | 本周 | 较上周 |", "| --- | ---: | ---: |"]
    for figure, title in (("pending", "待核实线索"), ("overdue", "超期未核实"), ("late", "受理迟延")):
        lines.append(f"| {title} | {summary[figure]:,} | {summary[f'{figure}_change']:+,} |")
    lines += ["", f"需督办的县 / counties to chase: {summary['counties_to_chase']:,}；"
              f"本周关注线索 / leads watched: {summary['leads_watched']:,}"]
    if workbook:
        lines += ["", f"报告 / report: {workbook}"]
    return "\n".join(lines) + "\n"
