"""`campaigns run …` and `campaigns demo`: a campaign run now, in this process."""

from __future__ import annotations

from contextlib import nullcontext
from importlib import import_module
from pathlib import Path
from typing import Annotated

import typer

from deployments.cli.app import app, run_app
from deployments.cli.common import fail, form, run_campaign
from deployments.cli.summaries import show
from deployments.temporary_api import TEMPORARY_API

Provinces = Annotated[str, typer.Option(help="Province codes, e.g. 52,53; empty for all 31.")]
DryRun = Annotated[bool, typer.Option(help="Compute and report; write nothing, notify nobody.")]


@run_app.command("screening")
def run_screening(
    year: Annotated[int, typer.Option(help="Campaign year.")] = 2023,
    provinces: Provinces = "",
    as_of: Annotated[str, typer.Option(help="As-of date YYYY-MM-DD (default today, capped at 30 June).")] = "",
    mode: Annotated[str, typer.Option(help="launch, progress or close_out.")] = "progress",
    dry_run: DryRun = False,
    recompute: Annotated[bool, typer.Option(
        help="Work the answer out again even with the same inputs as the period's last completed run.")] = False,
) -> None:
    """The Q2 concentrated screening (防止返贫监测帮扶集中排查)."""
    from flows.screening import concentrated_screening
    from tasks.screening.params import ScreeningParams

    params = form(ScreeningParams, provinces, year=year, as_of=as_of or None, mode=mode, dry_run=dry_run,
                  recompute=recompute)
    show("screening", run_campaign(concentrated_screening, params))


@run_app.command("assessment")
def run_assessment(
    year: Annotated[int | None, typer.Option(help="Year assessed (default: the previous calendar year).")] = None,
    provinces: Provinces = "",
    config: Annotated[Path | None, typer.Option(help="Indicator configuration (default: "
                                                     "deployments/assessment.toml).")] = None,
    dry_run: DryRun = False,
) -> None:
    """The annual assessment and evaluation (考核评估) and the key assistance counties' evaluation."""
    from flows.assessment import annual_assessment
    from tasks.assessment.config import load_config
    from tasks.assessment.params import AssessmentParams

    params = form(AssessmentParams, provinces, config_file=str(config) if config else None, dry_run=dry_run,
                  **({"year": year} if year else {}))
    try:
        load_config(params.config_path, params.year)  # a bad configuration stops here, in one line
    except (ValueError, OSError) as exc:
        fail(str(exc))
    show("assessment", run_campaign(annual_assessment, params))


@run_app.command("lead-watch")
def run_lead_watch(
    as_of: Annotated[str, typer.Option(help="Last day of the week watched, YYYY-MM-DD (default yesterday).")] = "",
    provinces: Provinces = "",
    dry_run: DryRun = False,
) -> None:
    """The year-round lead watch (问题线索常态化核查): each county's overdue and late leads of the week."""
    from flows.lead_watch import lead_watch
    from tasks.lead_watch.params import LeadWatchParams

    params = form(LeadWatchParams, provinces, as_of=as_of or None, dry_run=dry_run)
    show("lead-watch", run_campaign(lead_watch, params))


# The policy's quarterly duties: the same three options, the flow and its form named as "module:attribute"
# (imported when the command runs: the command line starts without Prefect or pandas).
QUARTERLY_DUTIES = {
    "relocation": ("flows.relocation:relocation_follow_up", "tasks.relocation.params:RelocationParams",
                   "The quarterly relocation follow-up (易地搬迁后续扶持): every relocation site as of the "
                   "quarter's end."),
    "fund-ledger": ("flows.fund_ledger:fund_ledger", "tasks.funds.params:FundLedgerParams",
                    "The quarterly linkage-fund project ledger (衔接资金项目台账): the year's projects to the "
                    "quarter's end."),
    "pairings": ("flows.pairings:assistance_pairings", "tasks.pairings.params:PairingsParams",
                 "The quarterly assistance pairings (东西部协作, 中央单位定点帮扶, 驻村帮扶): progress against "
                 "agreements, teams to rotate."),
}


def _quarterly_command(name: str, flow_at: str, form_at: str):
    def command(
        period: Annotated[str, typer.Option(help="The quarter, e.g. 2023Q2 (default: the quarter before today).")] = "",
        provinces: Provinces = "",
        dry_run: DryRun = False,
    ) -> None:
        params = form(_attribute(form_at), provinces, period=period or None, dry_run=dry_run)
        show(name, run_campaign(_attribute(flow_at), params))

    return command


def _attribute(where: str):
    module, _, attribute = where.partition(":")
    return getattr(import_module(module), attribute)


for _name, (_flow, _form, _help) in QUARTERLY_DUTIES.items():
    run_app.command(_name, help=_help)(_quarterly_command(_name, _flow, _form))


@run_app.command("threshold-what-if")
def run_threshold_what_if(
    threshold: Annotated[list[int], typer.Option(help="A candidate threshold in yuan (repeat: --threshold 7000 "
                                                      "--threshold 8000).")] = [],  # noqa: B006 (typer's way)
    change: Annotated[list[float], typer.Option(help="A change in per cent on each province's current threshold "
                                                     "(repeat; -5 lowers it). Neither option: ±5 %, as the form "
                                                     "offers.")] = [],  # noqa: B006
    year: Annotated[int, typer.Option(help="The year whose threshold is compared.")] = 2023,
    as_of: Annotated[str, typer.Option(help="The roster as it stood that day, YYYY-MM-DD (default today).")] = "",
    provinces: Provinces = "",
    dry_run: Annotated[bool, typer.Option(help="Compute and show; no workbook, no message.")] = False,
) -> None:
    """The monitoring threshold what-if (监测范围测算): candidates entering and leaving at each threshold."""
    from flows.what_if import threshold_what_if
    from tasks.what_if.params import ThresholdWhatIfParams

    # Neither a threshold nor a change: the form's own candidates (±5 % on each province's threshold).
    candidates = {"thresholds": threshold, "changes_pct": change} if threshold or change else {}
    params = form(ThresholdWhatIfParams, provinces, year=year, as_of=as_of or None, dry_run=dry_run, **candidates)
    show("what-if", run_campaign(threshold_what_if, params))


@run_app.command("release")
def run_release(
    period: Annotated[str | None, typer.Option(help="YYYYQn, e.g. 2023Q2 (default: the quarter before now).")] = None,
    auto_approve: Annotated[bool, typer.Option(help="Record an automatic approval (by this command, user and "
                                                    "host) instead of waiting for an approver (demo, tests).")] = False,
    revision_note: Annotated[str, typer.Option(help="With --auto-approve: why a published period is "
                                                    "published again.")] = "",
    dry_run: Annotated[bool, typer.Option(help="Compute and draft; publish nothing, notify nobody.")] = False,
    as_published: Annotated[int | None, typer.Option(help="Recompute with the roster as published version N "
                                                          "read it, to check it (publishes nothing).")] = None,
) -> None:
    """A routine press data release (一季度, 上半年, 前三季度, 全年). Without --auto-approve the run waits for
    approval in the Prefect UI (needs a Prefect server: `prefect server start`)."""
    from prefect.settings import PREFECT_API_URL

    from flows.release import press_release
    from tasks.release.approval import approved_automatically
    from tasks.release.params import ReleaseParams

    params = form(ReleaseParams, period=period, dry_run=dry_run, as_published=as_published)
    if not (auto_approve or dry_run or as_published) and (TEMPORARY_API.started or not PREFECT_API_URL.value()):
        # A temporary API dies with this command: nobody could open the form to approve.
        fail("approval needs a Prefect server to open the form in: start one (`prefect server start`) and set "
             "PREFECT_API_URL, or use --auto-approve (demo) or --dry-run")
    approval = approved_automatically("campaigns run release --auto-approve", revision_note) if auto_approve \
        else nullcontext()
    with approval:
        state = run_campaign(lambda p: press_release(p, return_state=True), params)
    if not state.is_completed():  # rejected, expired: nothing published
        fail(str(state.message))
    show("release", state.result())


@app.command()
def demo(
    households: Annotated[int, typer.Option(help="Households in the demo dataset.")] = 2000,
    defect_rate: Annotated[float, typer.Option(help="Share of rows given a defect.")] = 0.02,
) -> None:
    """Run the demo flow: migrate, seed a small dataset, run the campaigns, write the reports."""
    from flows.demo import demo_flow
    from tasks.quality.gx import gx_context

    with TEMPORARY_API.in_use(meanwhile=gx_context):
        show("demo", demo_flow(households=households, defect_rate=defect_rate))
