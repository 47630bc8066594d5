"""What the pairings' follow-up leaves: a workbook per province (its figures, its pairings with their
progress area by area, those of concern first, and the village teams whose rotation is due), the national
summary (summary.json, the run's artifact), one message to the coordinators, one per province with pairings
of concern or rotations due, one per such county that has a channel of its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

import pandas as pd

from tasks.model.pairings import AREAS
from tasks.outputs.spreadsheets import write_workbook
from tasks.pairings.progress import FLAGS, ROTATION_NOTICE_DAYS
from tasks.privacy import private_folder
from tasks.reference.codes import PAIRING_KIND
from tasks.reference.provinces import province_name
from tasks.runs.context import CampaignContext
from tasks.runs.places import announce_by_place, counties_of_concern

PROVINCE_HEADERS = {
    "province_code": "省代码", "pairings": "结对数", "with_agreement": "已签协议(责任书)", "behind": "进度滞后",
    "not_reported": "本季度未报送", "completion": "平均完成率", "teams": "驻村工作队", "rotations_due": "轮换到期",
}
PAIRING_HEADERS = {
    "pairing_no": "结对编号", "pairing_kind": "帮扶类型", "helper": "帮扶方", "county_code": "县代码",
    "county": "县名称", "signed_on": "协议签订日期", "completion": "总体完成率",
    **{f"completion_{key}": f"{name}完成率" for key, (name, _) in AREAS.items()},
    "areas_behind": "滞后领域", "flags": "关注事项",
}
TEAM_HEADERS = {
    "team_no": "工作队编号", "county_code": "县代码", "county": "县名称", "village": "村名称", "unit": "派出单位",
    "secretary": "第一书记", "started_on": "派驻日期", "term_months": "任期(月)", "due_on": "任期届满日期",
    "days_left": "距季度末天数",
}
FORMATS = {"平均完成率": "0.0%", "总体完成率": "0.0%",
           **{f"{name}完成率": "0.0%" for name, _ in AREAS.values()}}


class PairingsSummary(TypedDict):
    """What a pairings run returns and writes to summary.json."""
    campaign: str
    period: str
    run_id: str
    pairings: int
    pairings_of_concern: int
    flags: dict[str, int]  # pairings per flag (FLAGS)
    completion: float | None  # mean over pairings with targets
    teams: int
    rotations_due: int
    folder: str | None  # None in a dry run, which writes nothing


def summary_of(period: str, run_id: str, pairings: pd.DataFrame, teams: pd.DataFrame, due: pd.DataFrame,
               folder: Path | None) -> PairingsSummary:
    completion = pairings["completion"].mean()
    return PairingsSummary(
        campaign="pairings", period=period, run_id=run_id, pairings=len(pairings),
        pairings_of_concern=int(pairings["flag_count"].gt(0).sum()),
        flags={flag: int(pairings[f"flag_{flag}"].sum()) for flag in FLAGS},
        completion=None if pd.isna(completion) else round(float(completion), 4), teams=len(teams),
        rotations_due=len(due), folder=str(folder.resolve()) if folder is not None else None)


def _shown(frame: pd.DataFrame, headers: dict[str, str], county_names: dict[str, str]) -> pd.DataFrame:
    shown = frame.assign(county=frame["county_code"].map(county_names)) if "county" in headers else frame.copy()
    if "pairing_kind" in shown:
        shown["pairing_kind"] = shown["pairing_kind"].map(PAIRING_KIND.codes).fillna(shown["pairing_kind"])
    return shown[list(headers)].rename(columns=headers)


def for_people(provinces: pd.DataFrame) -> list[dict]:
    """The provinces' figures as the run's artifact shows them."""
    return _shown(provinces, PROVINCE_HEADERS, {}).to_dict("records")


def write_reports(folder: Path, summary: PairingsSummary, pairings: pd.DataFrame, due: pd.DataFrame,
                  provinces: pd.DataFrame, county_names: dict[str, str]) -> dict[str, Path]:
    """summary.json and one workbook per province (`<code>-<省名>.xlsx`); returns the workbooks by province."""
    private_folder(folder)
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    written = {}
    for code in provinces["province_code"]:
        path = folder / "provinces" / f"{code}-{province_name(code, missing=code)}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        written[code] = write_workbook(path, {
            "全省": _shown(provinces[provinces["province_code"].eq(code)], PROVINCE_HEADERS, county_names),
            "结对进展": _shown(pairings[pairings["province_code"].eq(code)], PAIRING_HEADERS, county_names),
            "驻村轮换": _shown(due[due["province_code"].eq(code)], TEAM_HEADERS, county_names)}, FORMATS)
    return written


def announce(ctx: CampaignContext, summary: PairingsSummary, pairings: pd.DataFrame, due: pd.DataFrame,
             county_names: dict[str, str], links: dict[str, str]) -> None:
    """The coordinators' summary; per province with pairings of concern or teams to rotate, one message naming
    its counties; per such county with a channel of its own, one naming its pairings and teams
    (tasks.runs.places)."""
    completion = summary["completion"]
    figures = {"结对 / pairings": f"{summary['pairings']:,}（需关注 {summary['pairings_of_concern']:,}）",
               "平均完成率 / mean completion": "" if completion is None else f"{completion:.1%}",
               **{FLAGS[f]: f"{n:,} 个结对" for f, n in summary["flags"].items() if n},
               f"{ROTATION_NOTICE_DAYS} 天内轮换到期的驻村工作队 / teams to rotate": f"{summary['rotations_due']:,}"}
    ctx.announce("summary", f"{ctx.label}: 结果 / results", figures,
                 [f"各省工作簿 / workbooks: {links['folder']}"] if links.get("folder") else [], campaign="pairings")
    announce_by_place(
        ctx, "pairings", _counties_to_tell(pairings, due), county_names, links,
        lambda _, of_province: {"需关注结对 / pairings of concern": int(of_province["pairings"].sum()),
                                "轮换到期的驻村工作队 / teams to rotate": int(of_province["teams"].sum())},
        lambda county: {"需关注结对 / pairings of concern": county.pairings,
                        "轮换到期的驻村工作队 / teams to rotate": county.teams})


def _counties_to_tell(pairings: pd.DataFrame, due: pd.DataFrame) -> pd.DataFrame:
    """Per county with pairings of concern or teams to rotate (most first): how many, and each named."""
    concern = pairings[pairings["flag_count"].gt(0)]
    behind = concern["areas_behind"].where(concern["areas_behind"].eq(""), "（" + concern["areas_behind"] + "）")
    pairing_text = concern["helper"] + "（" + concern["pairing_no"] + "）：" + concern["flags"] + behind
    team_text = due["village"] + " 驻村工作队（" + due["team_no"] + "）任期届满 " + due["due_on"].astype(str)
    return counties_of_concern({"pairings": (concern, pairing_text, "{} 个结对需关注"),
                                "teams": (due, team_text, "{} 支驻村工作队轮换到期")})


def summary_markdown(label: str, summary: PairingsSummary) -> str:
    completion = summary["completion"]
    lines = [f"# {label}", "", "| 项目 | 数值 |", "|---|---|", f"| 结对 | {summary['pairings']:,} |",
             f"| 需关注结对 | {summary['pairings_of_concern']:,} |",
             f"| 平均完成率 | {'' if completion is None else f'{completion:.1%}'} |"]
    lines += [f"| {FLAGS[f]} | {n:,} 个结对 |" for f, n in summary["flags"].items()]
    lines += [f"| 驻村工作队 | {summary['teams']:,} |",
              f"| {ROTATION_NOTICE_DAYS} 天内轮换到期 | {summary['rotations_due']:,} |"]
    if summary["folder"]:
        lines += ["", f"工作簿 / workbooks: {summary['folder']}"]
    return "\n".join(lines)
