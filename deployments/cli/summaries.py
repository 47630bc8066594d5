"""What each campaign's command prints when its run ends: one function, one printer per campaign."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import typer

from tasks.settings import get_settings

SCREENING_FIGURES = ("leads", "new_candidates", "elimination_candidates", "coverage_gaps", "weak_labour_to_explore",
                     "answered_by")
LEAD_WATCH_FIGURES = ("as_of", "leads_watched", "pending", "overdue", "overdue_change", "late", "late_change",
                      "counties_to_chase")


def _figures(names: tuple[str, ...]) -> Callable[[dict], list[str]]:
    return lambda summary: [json.dumps({k: summary[k] for k in names if k in summary}, ensure_ascii=False)]


def _assessment(summary: dict) -> list[str]:
    ranked = sorted(summary["provinces"].values(), key=lambda p: p["rank"])
    lines = [f"{p['rank']:>2}. {p['province']} {p['total']:.1f} {p['grade']}"
             + (" 规模性返贫风险" if p["red_line"] else "") for p in ranked[:5]]
    folder = get_settings().output_dir / "assessment" / str(summary["year"])
    return [*lines, f"{len(ranked)} provinces scored; reports in {folder}"]


def _what_if(summary: dict) -> list[str]:
    lines = [f"{name}: 新增 {s['entering_households']:,} 户 {s['entering_persons']:,} 人，"
             f"退出 {s['leaving_households']:,} 户 {s['leaving_persons']:,} 人"
             for name, s in summary["scenarios"].items()]
    return lines + ([f"测算表 / workbook: {summary['folder']}/what-if.xlsx"] if summary["folder"] else [])


def _relocation(summary: dict) -> list[str]:
    rate = summary["employment_rate"]
    share = f"（{rate:.1%}）" if rate is not None else ""
    lines = [f"relocation {summary['period']}: {summary['sites']:,} 个安置点，需关注 {summary['sites_of_concern']:,}；"
             f"有劳动力但无人就业的搬迁户 {summary['households_below_aim']:,}；搬迁劳动力务工就业 "
             f"{summary['labour_employed']:,} / {summary['labour']:,}{share}"]
    return lines + ([f"各省工作簿 / workbooks: {summary['folder']}/provinces"] if summary["folder"] else [])


def _fund_ledger(summary: dict) -> list[str]:
    share = summary["industry_share"]
    lines = [f"fund-ledger {summary['period']}: 衔接资金 {summary['funds_total']:,.2f} 万元，用于产业发展 "
             + (f"{share:.1%}（目标 {summary['target']:.0%}）" if share is not None else "—")
             + f"；台账项目 {summary['projects']:,}，需关注 {summary['projects_of_concern']:,}"]
    return lines + ([f"各省工作簿 / workbooks: {summary['folder']}/provinces"] if summary["folder"] else [])


def _pairings(summary: dict) -> list[str]:
    completion = summary["completion"]
    lines = [f"pairings {summary['period']}: {summary['pairings']:,} 个结对，"
             f"需关注 {summary['pairings_of_concern']:,}；"
             f"平均完成率 {'—' if completion is None else f'{completion:.1%}'}；轮换到期的驻村工作队 "
             f"{summary['rotations_due']:,}"]
    return lines + ([f"各省工作簿 / workbooks: {summary['folder']}/provinces"] if summary["folder"] else [])


def _release(result: dict) -> list[str]:
    return [f"release {result['period']}: {result['status']}"
            + (f" v{result['version']} in {result['path']}" if result.get("path") else "")
            + (f" (draft in {result['draft']})" if result.get("draft") else "")
            + (f" v{result['version']}: {len(result['differing'])} cell(s) differ" if "differing" in result else "")]


def _demo(result: dict) -> list[str]:
    return [f"demo finished; results in {result['output_dir']}:",
            f"  roster overview   {result['overview']}",
            f"  screening reports {result['screening_reports']} (summary.json, CSVs, screening.xlsx, provinces/, "
            "data_docs/)",
            f"  assessment        {result['assessment_reports']} (report.html, report.xlsx, scores.csv)",
            f"  press release     {result['release'].get('path') or result['release'].get('status')} "
            "(release.html, release.md, tables, manifest.json)",
            f"  relocation        {result['relocation']['folder']} (summary.json, provinces/: sites in order of "
            "concern)",
            f"  fund ledger       {result['fund_ledger']['folder']} (summary.json, provinces/: projects and county "
            "totals to correct first)",
            f"  pairings          {result['pairings']['folder']} (summary.json, provinces/: pairings of concern first, "
            "teams to rotate)",
            f"  messages          {get_settings().outbox_path} (no Slack configured)"]


PRINTERS: dict[str, Callable[[dict], list[str]]] = {
    "screening": _figures(SCREENING_FIGURES), "assessment": _assessment, "lead-watch": _figures(LEAD_WATCH_FIGURES),
    "what-if": _what_if, "release": _release, "relocation": _relocation, "fund-ledger": _fund_ledger,
    "pairings": _pairings, "demo": _demo,
}


def show(campaign: str, summary: dict[str, Any]) -> None:
    """The lines a person reads at the end of `campaign`'s run."""
    for line in PRINTERS[campaign](summary):
        typer.echo(line)
