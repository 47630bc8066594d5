"""The period board: for each campaign and period, where it stands (计划中, 运行中, 待审核, 已发布 vN, 已退回,
失败 …) in one table, like Dagster's partition status. From the campaigns' own records (runs, releases),
the Prefect server for the state of a run still open (a release paused for approval is 待审核), and the
schedules for what comes next. `campaigns board` prints it; the housekeeping watcher of `campaigns serve`
keeps it as the `period-board` artifact in the UI, written again only when it changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Row, func, select

from deployments.calendar import upcoming
from deployments.definitions import SPEC_BY_NAME
from tasks.model import AuditEvent, CampaignRun, Release
from tasks.runs.period_slot import PREFECT_STATE_LABELS
from tasks.screening.params import ScreeningMode

CAMPAIGNS = ("screening", "assessment", "release", "lead-watch", "relocation", "fund-ledger",
             "pairings")
STATES = {"completed": "已完成", "failed": "失败", "rejected": "已退回", "expired": "审核超时", "running": "运行中",
          "blocked": "未通过检查"}
HEADERS = ("活动", "期间", "状态", "说明", "时间", "链接")
ARTIFACT_KEY = "period-board"


@dataclass(frozen=True)
class BoardRow:
    campaign: str
    period: str
    state: str
    detail: str
    at: datetime | None
    link: str | None

    def cells(self) -> tuple[str, ...]:
        return (SPEC_BY_NAME[self.campaign].title, self.period, self.state, self.detail,
                f"{self.at:%Y-%m-%d %H:%M}" if self.at else "", self.link or "")


def board(engine: Engine, *, periods_per_campaign: int = 8, live: bool = True) -> list[BoardRow]:
    """Every campaign's next planned run, then its latest periods, newest first. `live`: ask the Prefect
    server about runs still open (without a server they read 运行中)."""
    with engine.connect() as conn:
        runs = conn.execute(select(CampaignRun.__table__).where(CampaignRun.kind.in_(CAMPAIGNS))
                            .order_by(CampaignRun.started_at.desc())).all()
        published = dict(conn.execute(select(Release.period, func.max(Release.version))
                                      .where(Release.status == "published").group_by(Release.period)).all())
    latest: dict[tuple[str, str], Row] = {}
    for run in runs:  # newest first: a period's first row is its latest run (a screening year: any mode)
        latest.setdefault((run.kind, run.period), run)
    answered = _answered(engine, [r for r in latest.values() if r.status == "completed"])
    open_states = _prefect_states([r.flow_run_id for r in latest.values() if r.status == "running"]) if live else {}
    planned = _planned()
    rows = []
    for campaign in CAMPAIGNS:
        if campaign in planned:
            rows.append(planned[campaign])
        of_campaign = sorted((r for (k, _), r in latest.items() if k == campaign),
                             key=lambda r: r.period, reverse=True)[:periods_per_campaign]
        rows.extend(_row(run, published.get(run.period) if campaign == "release" else None,
                         open_states.get(run.flow_run_id), answered.get(run.id)) for run in of_campaign)
    return rows


def _answered(engine: Engine, runs: list[Row]) -> dict[str, str]:
    """Per completed run that gave the answer of an earlier one with the same inputs (tasks.runs.answered),
    when that one finished: from each run's last end in the audit trail."""
    ends: dict[str, dict] = {}
    with engine.connect() as conn:
        for run_id, parameters in conn.execute(
                select(AuditEvent.campaign_run_id, AuditEvent.parameters).where(
                    AuditEvent.action == "run.finished", AuditEvent.campaign_run_id.in_([r.id for r in runs]))
                .order_by(AuditEvent.id)):
            ends[run_id] = parameters or {}
    return {run_id: end["answered_by"] for run_id, end in ends.items() if end.get("answered_by")}


def _row(run: Row, version: int | None, prefect_state: str | None, answered_by: str | None = None) -> BoardRow:
    from tasks.notify.hooks import flow_run_url

    state = STATES.get(run.status, run.status)
    if run.status == "running" and prefect_state:
        state = PREFECT_STATE_LABELS.get(prefect_state, state)
    detail = ""
    if run.kind == "screening" and run.mode:
        mode, _, as_of = run.mode.partition(":")
        detail = f"{ScreeningMode(mode).label} 截至 {as_of}"
    if run.kind == "release":
        if run.status == "completed" and version:
            state = f"已发布 v{version}"
        elif version:
            detail = f"已发布的 v{version} 仍有效"
    if answered_by:  # the same inputs as the run that worked the answer out: its answer, given again
        detail = (detail + "；" if detail else "") + f"输入未变，沿用 {answered_by} 的结果"
    if run.rows_rechecked:  # a rule or the reference data changed since these rows were checked
        detail = (detail + "；" if detail else "") + f"按新规则复查 {run.rows_rechecked:,} 行"
    if run.error and run.status != "completed":
        detail = (detail + "；" if detail else "") + run.error.splitlines()[0][:80]
    return BoardRow(run.kind, run.period, state, detail, run.finished_at or run.started_at,
                    flow_run_url(run.flow_run_id))


def _planned() -> dict[str, BoardRow]:
    """The next scheduled run of each campaign, from the schedules."""
    out = {}
    for run in upcoming(days=400):
        if run.deployment in CAMPAIGNS and run.deployment not in out:
            out[run.deployment] = BoardRow(run.deployment, run.period, "计划中", "按计划自动运行",
                                           datetime(*run.at.timetuple()[:6]), None)
    return out


def _prefect_states(flow_run_ids: list[str | None]) -> dict[str, str]:
    ids = [i for i in flow_run_ids if i]
    if not ids:
        return {}
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    try:
        with get_client(sync_client=True) as client:
            found = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)))
    except Exception:  # no server reachable: the database's word stands
        return {}
    return {str(r.id): r.state.type.value for r in found if r.state}


def markdown(rows: list[BoardRow]) -> str:
    lines = ["# 各期运行状态 / period board", "", "| " + " | ".join(HEADERS) + " |",
             "|" + " --- |" * len(HEADERS)]
    for row in rows:
        cells = list(row.cells())
        cells[-1] = f"[打开]({cells[-1]})" if cells[-1] else ""
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def publish(rows: list[BoardRow], last_digest: str | None = None) -> str:
    """Write the board as the `period-board` artifact unless it is the same as `last_digest`; returns the
    board's digest (times of planned runs included: a new plan is a change)."""
    text = markdown(rows)
    digest = hashlib.sha256(text.encode()).hexdigest()
    if digest != last_digest:
        # Through the API: Prefect's artifact helpers are for flow and task runs, and a run made only to
        # hold the board would be the noise housekeeping removed.
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.actions import ArtifactCreate

        with get_client(sync_client=True) as client:
            client.create_artifact(ArtifactCreate(key=ARTIFACT_KEY, type="markdown", data=text,
                                                  description="每个活动每一期的状态 / each campaign's periods"))
    return digest
