"""Every deployment of the campaigns, in one place: names and descriptions in Chinese and English, tags,
and schedules in Asia/Shanghai time (a bare cron string would run in UTC). Periods are not fixed here: each
flow derives them from its run's scheduled time, so a late or retried run covers the period it was for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tasks.screening.params import ScreeningMode

TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class ScheduleSpec:
    cron: str
    slug: str
    parameters: dict[str, Any] = field(default_factory=dict)
    day_or: bool = True  # False: a day must match both the day of the month and the day of the week


@dataclass(frozen=True)
class DeploymentSpec:
    name: str  # the campaign's key, for the CLI, the calendar and backfills
    title: str  # the deployment's name on the Prefect server: what the UI lists (the flow's name is under it)
    flow: str  # "module:function"
    description: str
    tags: tuple[str, ...]
    schedules: tuple[ScheduleSpec, ...]
    campaign: str  # for the calendar and backfills
    # One run at a time (Prefect's deployment concurrency limit): two runs of a campaign for the same period
    # must not interleave their writes. Not for a flow that pauses for a person: a paused run gives the slot
    # back and is then killed by its own lease renewal; such a flow holds its period's slot itself
    # (tasks.runs.period_slot).
    one_at_a_time: bool = True

    @property
    def entrypoint(self) -> str:
        """`flows/screening.py:concentrated_screening`, as `prefect deploy` wants it."""
        module, name = self.flow.split(":")
        return f"{module.replace('.', '/')}.py:{name}"

    def load_flow(self):
        from importlib import import_module

        module, name = self.flow.split(":")
        return getattr(import_module(module), name)


SPECS: tuple[DeploymentSpec, ...] = (
    DeploymentSpec(
        "screening", "防止返贫集中排查", "flows.screening:concentrated_screening",
        "防止返贫监测帮扶集中排查。计划（北京时间）：每年4月1日9:00启动；4至6月每周一9:00进展（4月1日逢周一时当天只启动）；"
        "7月1日9:00收尾。"
        " / Q2 concentrated screening: launch 1 April, weekly progress April–June, close-out 1 July.",
        ("screening", "q2", "集中排查"),
        (ScheduleSpec("0 9 1 4 *", "screening-launch", {"params": {"mode": ScreeningMode.launch.option}}),
         # Mondays from 2 April: when 1 April is a Monday, the launch is that day's run, not a second one.
         ScheduleSpec("0 9 2-31 4 1", "screening-progress-april", {"params": {"mode": ScreeningMode.progress.option}},
                      day_or=False),
         ScheduleSpec("0 9 * 5-6 1", "screening-progress", {"params": {"mode": ScreeningMode.progress.option}}),
         ScheduleSpec("0 9 1 7 *", "screening-close-out", {"params": {"mode": ScreeningMode.close_out.option}})),
        "screening"),
    DeploymentSpec(
        "assessment", "考核评估", "flows.assessment:annual_assessment",
        "巩固拓展脱贫攻坚成果考核评估及重点帮扶县监测评价。计划（北京时间）：每年1月20日9:00评估上一年。"
        " / Annual assessment and key-county evaluation: 20 January, for the previous year.",
        ("assessment", "annual", "考核评估"),
        (ScheduleSpec("0 9 20 1 *", "assessment-annual"),),
        "assessment"),
    DeploymentSpec(
        "release", "例行数据发布", "flows.release:press_release",
        "例行数据发布。计划（北京时间）：1、4、7、10月15日9:00起草上一季度（一季度、上半年、前三季度、全年），"
        "人工审核后发布。"
        " / Press data release on the 15th after each quarter, published after a person approves it.",
        ("release", "quarterly", "数据发布"),
        (ScheduleSpec("0 9 15 1,4,7,10 *", "release-quarterly"),),
        "release", one_at_a_time=False),
    DeploymentSpec(
        "lead-watch", "问题线索常态化核查", "flows.lead_watch:lead_watch",
        "问题线索常态化核查。计划（北京时间）：全年每周一9:00通报各县超期未核实和受理迟延的线索及较上周变化。"
        " / Year-round lead watch: every Monday, each county's overdue and late leads and the change on the week.",
        ("leads", "weekly", "常态化"),
        (ScheduleSpec("0 9 * * 1", "lead-watch-weekly"),),
        "lead-watch"),
    DeploymentSpec(
        "relocation", "易地搬迁后续扶持季度监测", "flows.relocation:relocation_follow_up",
        "易地搬迁后续扶持季度监测。计划（北京时间）：1、4、7、10月10日9:00监测上一季度各集中安置点的搬迁户就业、收入、"
        "配套服务和大型安置点专项资金，需关注的安置点通报所在县。"
        " / Relocation follow-up on the 10th after each quarter: every relocation site's employment, income, "
        "services and funds; sites of concern to their counties.",
        ("relocation", "quarterly", "易地搬迁"),
        (ScheduleSpec("0 9 10 1,4,7,10 *", "relocation-quarterly"),),
        "relocation"),
    DeploymentSpec(
        "fund-ledger", "衔接资金项目台账季度核查", "flows.fund_ledger:fund_ledger",
        "衔接资金项目台账季度核查。计划（北京时间）：1、4、7、10月12日9:00（例行数据发布之前）核查本年度截至"
        "上一季度末的衔接资金项目：各省用于产业发展的比例、经营性项目的联农带农机制和带动户数、各县台账与资金下达数"
        "是否一致，需核对的县通报所在省。 / Linkage-fund project ledger on the 12th after each quarter (before the "
        "release): each province's share to industry, operating projects without a linkage mechanism, county ledgers "
        "against the allotments.",
        ("funds", "quarterly", "联农带农"),
        (ScheduleSpec("0 9 12 1,4,7,10 *", "fund-ledger-quarterly"),),
        "fund-ledger"),
    DeploymentSpec(
        "pairings", "帮扶协作季度调度", "flows.pairings:assistance_pairings",
        "帮扶协作季度调度（东西部协作、中央单位定点帮扶、驻村帮扶）。计划（北京时间）：1、4、7、10月10日9:00按年度协议"
        "(责任书)目标核查各结对截至上一季度末的进展，列出未签协议、进度滞后、未报送的结对和60天内轮换到期的驻村工作队，"
        "通报所在省、县；第四季度的完成情况供年度考核评估读取。 / Assistance pairings on the 10th after each quarter: "
        "each pairing's progress against its agreement, pairings behind or unreported, village teams to rotate within "
        "60 days; Q4's completion feeds the assessment.",
        ("pairings", "quarterly", "东西部协作"),
        (ScheduleSpec("0 10 10 1,4,7,10 *", "pairings-quarterly"),),
        "pairings"),
    DeploymentSpec(
        "threshold-what-if", "监测范围测算", "flows.what_if:threshold_what_if",
        "监测范围测算：按候选监测范围（绝对值或在现行标准上调整的比例）测算各省、县新增和退出的建议监测户数、人数，"
        "由协调员按需运行。 / Threshold what-if: households and persons entering and leaving the monitoring "
        "candidates at candidate thresholds, run on demand.",
        ("what-if", "threshold", "监测范围"),
        (),  # launched from the UI's form when a province weighs next year's threshold
        "what-if"),
    DeploymentSpec(
        "ingest-inbox", "报送文件接收", "flows.ingest:ingest_inbox",
        "报送文件接收：收件箱有县级报送文件时处理（无文件不运行）。"
        " / Ingest the county files in the inbox, when there are some (no run for an empty inbox).",
        ("ingest", "inbox", "数据报送", "housekeeping"),
        (),  # started by deployments/housekeeping.py when files have settled in the inbox
        "ingest"),
    DeploymentSpec(
        "outbox-flush", "通知补发", "flows.outbox:flush_outbox",
        "通知补发：有待发通知或到点的县级每日汇总时发送（没有则不运行）。 / Deliver pending notifications and due "
        "digests, when there are some.",
        ("notifications", "outbox", "housekeeping"),
        (),  # started by deployments/housekeeping.py when messages wait in the outbox
        "outbox"),
)
SPEC_BY_NAME = {s.name: s for s in SPECS}


def deployment_path(name: str) -> str:
    """`<flow>/<deployment>` as the Prefect API names a campaign's deployment."""
    spec = SPEC_BY_NAME[name]
    return f"{spec.load_flow().name}/{spec.title}"


def schedules_of(spec: DeploymentSpec):
    from prefect.schedules import Cron

    return [Cron(s.cron, timezone=TIMEZONE, slug=s.slug, parameters=s.parameters, day_or=s.day_or)
            for s in spec.schedules]


# The form's year (shown filled in; a scheduled run computes its own) is at most the latest year whose
# monitoring thresholds are loaded: a run launched with one click then has a threshold to work with (a
# roster of past years, the demo's, was screened against this year's, which it has not, and every province
# stopped).
FORM_YEARS = {"screening": "ScreeningParams", "threshold-what-if": "ThresholdWhatIfParams",
              "assessment": "AssessmentParams"}


def runner_deployments(threshold_year: int | None = None) -> list:
    """The deployments as Prefect RunnerDeployments, for `serve`; `threshold_year`: the latest year whose
    thresholds are loaded (None: the forms keep the schedule's year)."""
    deployments = []
    for spec in SPECS:
        deployment = spec.load_flow().to_deployment(
            spec.title, description=spec.description, tags=list(spec.tags), schedules=schedules_of(spec),
            concurrency_limit=concurrency_limit(spec))
        if threshold_year is not None and spec.name in FORM_YEARS:
            year = deployment._parameter_openapi_schema.definitions[FORM_YEARS[spec.name]]["properties"]["year"]
            year["default"] = min(year["default"], threshold_year)
        deployments.append(deployment)
    return deployments


def concurrency_limit(spec: DeploymentSpec) -> int | None:
    return 1 if spec.one_at_a_time else None


def prefect_yaml(work_pool: str = "campaigns", directory: str = "/opt/campaigns") -> str:
    """`deployments/prefect.yaml` for `prefect deploy --all` to a process work pool: the same deployments
    and schedules as `runner_deployments`, generated so that the two cannot drift apart."""
    import yaml

    document = {
        "name": "campaigns",
        "prefect-version": ">=3.4,<4",
        "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": directory}}],
        "deployments": [{
            "name": spec.title, "entrypoint": spec.entrypoint, "description": spec.description,
            "tags": list(spec.tags), "concurrency_limit": concurrency_limit(spec),
            "work_pool": {"name": work_pool, "work_queue_name": "default"},
            "schedules": [{"cron": s.cron, "timezone": TIMEZONE, "slug": s.slug, "active": True,
                           **({"day_or": False} if not s.day_or else {}),
                           **({"parameters": s.parameters} if s.parameters else {})} for s in spec.schedules],
        } for spec in SPECS],
    }
    header = ("# Generated by `campaigns deployments-yaml` from deployments/definitions.py; do not edit by hand.\n"
              "# prefect work-pool create campaigns --type process && prefect deploy --all "
              "--prefect-file deployments/prefect.yaml\n")
    return header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)
