"""What the screening tells people: the scope at launch, the results, one message per province, and what
is new since the previous progress run."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, bindparam, func, select, text

from tasks.model import ScreeningFinding
from tasks.reference.provinces import PROVINCE_BY_CODE
from tasks.runs.context import CampaignContext
from tasks.screening.lists import (
    BY_NAME,
    COVERAGE_GAPS,
    ELIMINATION_CANDIDATES,
    NEW_CANDIDATES,
    WEAK_LABOUR,
    ScreeningList,
)

SCOPE_QUERY = text("""
SELECT COUNT(*) AS households,
       SUM(CASE WHEN monitoring_type IS NOT NULL AND risk_status = 'at_risk' THEN 1 ELSE 0 END) AS at_risk
FROM households WHERE province_code IN :provinces
""").bindparams(bindparam("provinces", expanding=True))
OPEN_LEADS = text("SELECT COUNT(*) FROM leads WHERE province_code IN :provinces AND status = 'pending'"
                  ).bindparams(bindparam("provinces", expanding=True))


def scope(engine: Engine, provinces: list[str]) -> dict[str, int]:
    with engine.connect() as conn:
        row = conn.execute(SCOPE_QUERY, {"provinces": provinces}).one()
        open_leads = conn.execute(OPEN_LEADS, {"provinces": provinces}).scalar() or 0
    return {"provinces": len(provinces), "households": int(row.households or 0),
            "at_risk": int(row.at_risk or 0), "open_leads": int(open_leads)}


def announce_scope(ctx: CampaignContext, figures: dict[str, int], window: tuple[date, date]) -> None:
    ctx.announce(
        "scope", f"{ctx.label}: 启动 / scope",
        {"排查窗口 / window": f"{window[0]} – {window[1]}", "省份 / provinces": figures["provinces"],
         "农户 / households": figures["households"], "风险未消除监测户 / at risk": figures["at_risk"],
         "待核实线索 / open leads": figures["open_leads"]},
        ["按渠道汇集线索，逐户核实 / gather leads from every channel and verify each household"])
    # no campaign: the coordinators' (default) channel


def announce_results(ctx: CampaignContext, summary: dict, folder: str | None) -> None:
    gaps = summary.get("coverage_gaps", {})
    actions = _nonzero([
        (summary['leads']['unmatched'], "{} 条线索涉及名单外人员，需入户核实 / leads outside the roster to visit"),
        (summary['leads']['overdue'], "{} 条线索超期未核实 / overdue leads"),
        (sum(gaps.values()), "{} 户帮扶措施缺口 / coverage gaps")])
    if folder:
        actions.append(f"报告 / reports: {folder}")
    if summary.get("failed_provinces"):
        actions.append("未完成省份 / provinces stopped: " + ", ".join(summary["failed_provinces"]))
    # the coordinators' (default) channel
    ctx.announce("summary", f"{ctx.label}: 结果 / results", _figures(summary), actions)
    for code, s in summary["provinces"].items():
        if not needs_action(s):  # a province with nothing to do hears nothing: its coordinators read every one
            continue
        ctx.announce(
            f"province:{code}", f"{ctx.label} · {PROVINCE_BY_CODE[code].name}", _figures(s),
            _province_actions(s), campaign="screening", province=code)


def announce_progress(ctx: CampaignContext, changes: dict | None) -> None:
    if changes is None:
        return
    # By the list's own title: a coordinator reads 新识别候选, not new_candidates.
    figures = {f"{BY_NAME[name].short}新增 / new {BY_NAME[name].short_en}": count
               for name, count in changes["new"].items()}
    ctx.announce(
        "progress", f"{ctx.label}: 较上次进展 / since {changes['previous_as_of']}", figures,
        ["关注本周新增名单 / follow up this week's new entries"], campaign="screening")


def progress_since_previous(engine: Engine, year: int, as_of: date, provinces: list[str],
                            current: dict[str, set[str]]) -> dict | None:
    """Entries of each list that the previous progress run (the latest earlier as_of) did not have."""
    with engine.connect() as conn:
        previous = conn.execute(select(func.max(ScreeningFinding.as_of)).where(
            ScreeningFinding.year == year, ScreeningFinding.mode == "progress", ScreeningFinding.as_of < as_of,
            ScreeningFinding.province_code.in_(provinces))).scalar()
        if previous is None:
            return None
        rows = conn.execute(select(ScreeningFinding.list_name, ScreeningFinding.household_no,
                                   ScreeningFinding.lead_no).where(
            ScreeningFinding.year == year, ScreeningFinding.mode == "progress", ScreeningFinding.as_of == previous,
            ScreeningFinding.province_code.in_(provinces))).all()
    old: dict[str, set[str]] = {}
    for name, household, lead in rows:  # a frame made of 115,000 rows cost 0.6 s of a 1,000,000-household run
        old.setdefault(name, set()).add(household if household is not None else lead)
    return {"previous_as_of": str(previous),
            "new": {name: len(keys - old.get(name, set())) for name, keys in current.items()}}


def list_keys(results) -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {}
    for r in results:
        for name, frame in r.lists.items():
            column = "household_no" if "household_no" in frame else "lead_no"
            keys.setdefault(name, set()).update(frame[column].dropna().astype(str))
    return keys


def _figures(s: dict) -> dict[str, object]:
    return {"线索 / leads": s["leads"]["total"], "未匹配 / unmatched": s["leads"]["unmatched"],
            "超期 / overdue": s["leads"]["overdue"], "受理迟延 / late": s["leads"].get("late_accepted", 0),
            _label(NEW_CANDIDATES): s["new_candidates"]["total"],
            _label(ELIMINATION_CANDIDATES): s["elimination_candidates"],
            _label(COVERAGE_GAPS): sum(s["coverage_gaps"].values()), _label(WEAK_LABOUR): s["weak_labour_to_explore"],
            "隔离 / quarantined": sum(s["quarantined"].values())}


def _nonzero(items: list[tuple[int, str]]) -> list[str]:
    """Only what asks something of the reader: "0 条超期线索" is no action."""
    return [text.format(count) for count, text in items if count]


def _province_actions(s: dict) -> list[str]:
    gaps = s["coverage_gaps"]
    actions = _nonzero([
        (gaps["labour_without_development"], "有劳动能力未落实开发式措施 {} 户，请落实 / no development measure"),
        (gaps["no_labour_without_safety_net"], "无劳动能力未落实兜底 {} 户，请落实 / no safety net"),
        (s["leads"]["overdue"], "超期未核实线索 {} 条，请核实 / overdue leads"),
        (s["new_candidates"]["total"], NEW_CANDIDATES.short + " {} 户，请入户核实 / to verify"),
        (s["elimination_candidates"], ELIMINATION_CANDIDATES.short + " {} 户，请按程序核实 / to verify"),
        (sum(s["quarantined"].values()), "{} 行数据被隔离，请更正后重报 / rows set aside to correct")])
    return actions or ["请查看本省名单 / see the province's lists"]


def needs_action(s: dict) -> bool:
    """Whether a province's results ask anything of its coordinators (its lead count alone does not)."""
    return any(value for label, value in _figures(s).items() if label != "线索 / leads")


def _label(lst: ScreeningList) -> str:
    return f"{lst.short} / {lst.short_en}"
