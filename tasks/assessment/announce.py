"""The assessment's messages: one summary for the leadership channel, and one per province (its score,
grade, rank and two weakest indicators) to the province's channel."""

from __future__ import annotations

from pathlib import Path

from tasks.assessment.report import AssessmentResult
from tasks.outputs.links import report_link
from tasks.runs.context import CampaignContext


def announce_results(ctx: CampaignContext, result: AssessmentResult, folder: str | None) -> None:
    ranking = result.ranking.sort_values("rank")
    grades = ranking["grade"].value_counts()
    red = ranking.loc[ranking["red_line"], "province"].tolist()
    failed_checks = [c["label"] for c in result.national_checks if not c["passed"]]
    lagging = int(result.counties["lagging"].sum()) if not result.counties.empty else 0
    figures = {"参评省份 / provinces": len(ranking),
               "前三 / top three": "、".join(ranking["province"].head(3)),
               "等次分布 / grades": "，".join(f"{g} {int(n)}" for g, n in grades.items()),
               "规模性返贫风险 / red line": "、".join(red) or "无 / none",
               "滞后重点县 / lagging key counties": lagging,
               "全国核查 / national checks": "全部达到 / all met" if not failed_checks else "未达到: " + "、".join(
                   failed_checks)}
    # The provinces are named once, in the figures; the action says what to do about them.
    actions = [f"{len(red)} 个省份触及规模性返贫风险红线，请督促核查 / red line: follow up"] if red else []
    if folder:
        actions.append(f"报告 / report: {report_link(Path(folder) / 'report.html', ctx.settings)}")
    ctx.announce("summary", f"{ctx.label}: 结果 / results", figures, actions, campaign="leadership")
    for row in ranking.itertuples(index=False):
        figures = {"综合得分 / score": f"{row.total:.1f}", "等次 / grade": row.grade,
                   "排名 / rank": f"{int(row.rank)} / {len(ranking)}",
                   "最弱指标 / weakest": "、".join(row.weakest)}
        actions = ["触及规模性返贫风险红线 / red line reached"] if row.red_line else []
        ctx.announce(f"province:{row.province_code}", f"{ctx.label} · {row.province}", figures, actions,
                     campaign="assessment", province=row.province_code)
