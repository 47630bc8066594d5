"""The `campaigns` command line."""

from __future__ import annotations

import json
import logging
import os
import sys
from contextlib import nullcontext, suppress
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from deployments.temporary_api import TEMPORARY_API, api_configured
from tasks.settings import apply_prefect_environment, get_settings

app = typer.Typer(help="防止返贫监测帮扶 campaigns: screening, assessment and press releases as Prefect flows.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
outbox_app = typer.Typer(help="The notification outbox.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
reference_app = typer.Typer(help="Reference data: thresholds, the 脱贫县 and 重点帮扶县 lists.", no_args_is_help=True)
app.add_typer(reference_app, name="reference")
approvers_app = typer.Typer(help="发布审核人名单 / who may approve a press release.", no_args_is_help=True)
app.add_typer(approvers_app, name="approvers")


# Commands that run flows, and so start a temporary Prefect API when no server is configured; and the board,
# which asks the API (over the same Prefect database) whether a run still open waits for approval or crashed.
FLOW_COMMANDS = {"demo", "run", "board"}


@app.callback()
def _prepare(ctx: typer.Context) -> None:
    # Before any command imports Prefect, which reads its settings once.
    apply_prefect_environment(get_settings())
    if ctx.invoked_subcommand in FLOW_COMMANDS:
        if _prefect_database_is_new():
            typer.secho("首次运行：Prefect 正在建立本地数据库（10 秒至 1 分钟）/ first run: Prefect prepares its "
                        "local database (10 s to a minute)", err=True)
        TEMPORARY_API.start()


def _prefect_database_is_new() -> bool:
    """No Prefect server is configured and the temporary one's database does not exist yet."""
    if api_configured():
        return False
    home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    return not (home / "prefect.db").exists()


def _fail(message: str) -> None:
    typer.secho(f"错误 / error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _campaign(run, params):
    """Run a campaign flow; a stopped stage or a refused publication ends the command with its message (the
    run's record, log and notification hold the details), not with a traceback. The schema is brought up to
    date first, as the ingest does: a new database gets its tables instead of an SQL error; a dry run, which
    writes nothing, only says when the schema is behind."""
    from tasks.quality.gx import gx_context
    from tasks.release.publish import AlreadyPublished
    from tasks.runs.check import StageFailed
    from tasks.storage import db

    if not params.dry_run:
        db.upgrade()
    elif db.current_revision() != db.head_revision():
        _fail("the database's tables are not at the newest revision and a dry run writes nothing: run "
              "`campaigns db upgrade` first")
    try:
        with TEMPORARY_API.in_use(meanwhile=gx_context):
            return run(params)
    except (StageFailed, AlreadyPublished) as exc:
        typer.secho(f"stopped: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Create or migrate the tables (and the shipped reference data) up to REVISION."""
    from tasks.storage import db

    db.upgrade(revision=revision)
    typer.echo(f"database at revision {db.current_revision()} ({_safe_url()})")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision; 'base' drops all.")]) -> None:
    """Migrate the schema down to REVISION."""
    from tasks.storage import db

    db.downgrade(revision=revision)
    typer.echo(f"database at revision {db.current_revision()} ({_safe_url()})")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the newest one this code knows."""
    from tasks.storage import db

    typer.echo(f"current: {db.current_revision()}  head: {db.head_revision()}  ({_safe_url()})")


@outbox_app.command("flush")
def outbox_flush(
    digests_now: Annotated[bool, typer.Option(
        "--digests-now", help="Send the counties' digests now, with what they hold so far (汇总立即发送).")] = False,
) -> None:
    """Deliver every pending notification, oldest first (after an outage, say), and the digests that are due."""
    from tasks.notify import build_notifier
    from tasks.notify.outbox import pending_count

    notifier = build_notifier()
    report = notifier.flush(digests_now=digests_now)
    left = pending_count(notifier.engine)
    typer.echo(f"sent {report.sent}; still pending {left} (via {', '.join(notifier.transports.kinds())})")
    if report.auth_error:
        _fail(report.auth_error)
    if report.failed:
        _fail(f"delivery failed: {report.errors[-1]}; {left} message(s) stay pending")


@outbox_app.command("status")
def outbox_status() -> None:
    """Count the notifications waiting in the outbox."""
    from tasks.notify.outbox import held_count, pending_count
    from tasks.storage.engine import build_engine

    engine = build_engine()
    typer.echo(f"pending: {pending_count(engine)}; held for digests: {held_count(engine)}")


@app.command()
def seed(
    households: Annotated[int, typer.Option(help="Households to generate, spread over the provinces.")] = 2000,
    provinces: Annotated[str, typer.Option(help="Province codes, e.g. 52,53; empty for all 31.")] = "",
    year: Annotated[int, typer.Option(help="The year the data describe.")] = 2023,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 42,
    defect_rate: Annotated[float, typer.Option(help="Share of roster rows given a realistic defect.")] = 0.0,
) -> None:
    """Generate a deterministic synthetic dataset and write it, replacing the same provinces' data."""
    from tasks.reference.provinces import parse_provinces
    from tasks.storage import db
    from tasks.storage.engine import build_engine
    from tasks.synthetic.seed import seed_database

    settings = get_settings()
    try:
        chosen = parse_provinces(provinces)
    except ValueError as exc:
        _fail(str(exc))
    engine = build_engine(settings)
    db.upgrade(engine)  # a new database gets its tables, as the ingest and the campaigns do
    try:
        report = seed_database(engine, households, chosen, year, seed, defect_rate,
                               output_dir=settings.output_dir, batch_rows=settings.db_batch_rows)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(json.dumps(report.rows, ensure_ascii=False))
    defects = sum(sum(kinds.values()) for kinds in report.defects.values())
    typer.echo(f"seeded {households} households in {len(chosen)} province(s) in {report.seconds} s; "
               f"{defects} defects injected; report in {settings.output_dir / 'seed'}")


@app.command()
def demo(
    households: Annotated[int, typer.Option(help="Households in the demo dataset.")] = 2000,
    defect_rate: Annotated[float, typer.Option(help="Share of rows given a defect.")] = 0.02,
) -> None:
    """Run the demo flow: migrate, seed a small dataset, run the campaigns, write the reports."""
    from flows.demo import demo_flow
    from tasks.quality.gx import gx_context

    with TEMPORARY_API.in_use(meanwhile=gx_context):
        result = demo_flow(households=households, defect_rate=defect_rate)
    typer.echo(f"demo finished; results in {result['output_dir']}:\n"
               f"  roster overview   {result['overview']}\n"
               f"  screening reports {result['screening_reports']} "
               f"(summary.json, CSVs, screening.xlsx, provinces/, data_docs/)\n"
               f"  assessment        {result['assessment_reports']} (report.html, report.xlsx, scores.csv)\n"
               f"  press release     {result['release'].get('path') or result['release'].get('status')} "
               f"(release.html, release.md, tables, manifest.json)\n"
               f"  messages          {get_settings().outbox_path} (no Slack configured)")


run_app = typer.Typer(help="Run a campaign now, in this process.", no_args_is_help=True)
app.add_typer(run_app, name="run")


@run_app.command("screening")
def run_screening(
    year: Annotated[int, typer.Option(help="Campaign year.")] = 2023,
    provinces: Annotated[str, typer.Option(help="Province codes, e.g. 52,53; empty for all 31.")] = "",
    as_of: Annotated[str, typer.Option(help="As-of date YYYY-MM-DD (default today, capped at 30 June).")] = "",
    mode: Annotated[str, typer.Option(help="launch, progress or close_out.")] = "progress",
    dry_run: Annotated[bool, typer.Option(help="Compute and report; write nothing, notify nobody.")] = False,
    recompute: Annotated[bool, typer.Option(
        help="Work the answer out again even with the same inputs as the period's last completed run.")] = False,
) -> None:
    """The Q2 concentrated screening (防止返贫监测帮扶集中排查)."""
    from pydantic import ValidationError

    from flows.screening import concentrated_screening
    from tasks.reference.provinces import parse_provinces
    from tasks.screening.params import ScreeningParams

    try:
        chosen = [f"{p.code} {p.name}" for p in parse_provinces(provinces)] if provinces else []
        params = ScreeningParams(year=year, provinces=chosen, as_of=as_of or None, mode=mode, dry_run=dry_run,
                                 recompute=recompute)
    except (ValueError, ValidationError) as exc:
        _fail(str(exc))
    summary = _campaign(concentrated_screening, params)
    typer.echo(json.dumps({k: summary[k] for k in ("leads", "new_candidates", "elimination_candidates",
                                                   "coverage_gaps", "weak_labour_to_explore", "answered_by")
                           if k in summary}, ensure_ascii=False))


@run_app.command("assessment")
def run_assessment(
    year: Annotated[int | None, typer.Option(help="Year assessed (default: the previous calendar year).")] = None,
    provinces: Annotated[str, typer.Option(help="Province codes, e.g. 52,53; empty for all 31.")] = "",
    config: Annotated[Path | None, typer.Option(help="Indicator configuration (default: "
                                                     "deployments/assessment.toml).")] = None,
    dry_run: Annotated[bool, typer.Option(help="Compute and report; write nothing, notify nobody.")] = False,
) -> None:
    """The annual assessment and evaluation (考核评估) and the key assistance counties' evaluation."""
    from pydantic import ValidationError

    from flows.assessment import annual_assessment
    from tasks.assessment.config import load_config
    from tasks.assessment.params import AssessmentParams
    from tasks.reference.provinces import parse_provinces

    try:
        chosen = [f"{p.code} {p.name}" for p in parse_provinces(provinces)] if provinces else []
        options = {"year": year} if year else {}
        params = AssessmentParams(provinces=chosen, config_file=str(config) if config else None, dry_run=dry_run,
                                  **options)
        load_config(params.config_path, params.year)  # a bad configuration stops here, in one line
    except (ValueError, ValidationError, OSError) as exc:
        _fail(str(exc))
    summary = _campaign(annual_assessment, params)
    ranked = sorted(summary["provinces"].values(), key=lambda p: p["rank"])
    for p in ranked[:5]:
        flag = " 规模性返贫风险" if p["red_line"] else ""
        typer.echo(f"{p['rank']:>2}. {p['province']} {p['total']:.1f} {p['grade']}{flag}")
    typer.echo(f"{len(ranked)} provinces scored; reports in "
               f"{get_settings().output_dir / 'assessment' / str(summary['year'])}")


@run_app.command("lead-watch")
def run_lead_watch(
    as_of: Annotated[str, typer.Option(help="Last day of the week watched, YYYY-MM-DD (default yesterday).")] = "",
    provinces: Annotated[str, typer.Option(help="Province codes, e.g. 52,53; empty for all 31.")] = "",
    dry_run: Annotated[bool, typer.Option(help="Compute and report; write nothing, notify nobody.")] = False,
) -> None:
    """The year-round lead watch (问题线索常态化核查): each county's overdue and late leads of the week."""
    from pydantic import ValidationError

    from flows.lead_watch import lead_watch
    from tasks.lead_watch.params import LeadWatchParams
    from tasks.reference.provinces import parse_provinces

    try:
        chosen = [f"{p.code} {p.name}" for p in parse_provinces(provinces)] if provinces else []
        params = LeadWatchParams(as_of=as_of or None, provinces=chosen, dry_run=dry_run)
    except (ValueError, ValidationError) as exc:
        _fail(str(exc))
    summary = _campaign(lead_watch, params)
    typer.echo(json.dumps({k: summary[k] for k in ("as_of", "leads_watched", "pending", "overdue", "overdue_change",
                                                   "late", "late_change", "counties_to_chase")}, ensure_ascii=False))


@run_app.command("threshold-what-if")
def run_threshold_what_if(
    threshold: Annotated[list[int], typer.Option(help="A candidate threshold in yuan (repeat: --threshold 7000 "
                                                      "--threshold 8000).")] = [],  # noqa: B006 (typer's way)
    change: Annotated[list[float], typer.Option(help="A change in per cent on each province's current threshold "
                                                     "(repeat; -5 lowers it).")] = [],  # noqa: B006
    year: Annotated[int, typer.Option(help="The year whose threshold is compared.")] = 2023,
    as_of: Annotated[str, typer.Option(help="The roster as it stood that day, YYYY-MM-DD (default today).")] = "",
    provinces: Annotated[str, typer.Option(help="Province codes, e.g. 52,53; empty for all 31.")] = "",
    dry_run: Annotated[bool, typer.Option(help="Compute and show; no workbook, no message.")] = False,
) -> None:
    """The monitoring threshold what-if (监测范围测算): candidates entering and leaving at each threshold."""
    from pydantic import ValidationError

    from flows.what_if import threshold_what_if
    from tasks.reference.provinces import parse_provinces
    from tasks.whatif.params import ThresholdWhatIfParams

    try:
        chosen = [f"{p.code} {p.name}" for p in parse_provinces(provinces)] if provinces else []
        params = ThresholdWhatIfParams(year=year, as_of=as_of or None, provinces=chosen, thresholds=threshold,
                                       changes_pct=change, dry_run=dry_run)
    except (ValueError, ValidationError) as exc:
        _fail(str(exc))
    summary = _campaign(threshold_what_if, params)
    for name, s in summary["scenarios"].items():
        typer.echo(f"{name}: 新增 {s['entering_households']:,} 户 {s['entering_persons']:,} 人，"
                   f"退出 {s['leaving_households']:,} 户 {s['leaving_persons']:,} 人")
    if summary["folder"]:
        typer.echo(f"测算表 / workbook: {summary['folder']}/what-if.xlsx")


@approvers_app.command("add")
def approvers_add(
    name: Annotated[str, typer.Argument(help="审核人姓名 / the approver's name, as typed in the form.")],
    unit: Annotated[str, typer.Option(help="单位 / unit, e.g. 新闻办.")],
) -> None:
    """Add an approver, or give one a new approval code (asked twice, not echoed; only its hash is kept)."""
    from tasks.release.approvers import ApproversFileError, add_approver

    # Asked twice here rather than by click's confirmation, whose prompt and mismatch error are English.
    code = typer.prompt("审核码（输入时不显示）/ approval code", hide_input=True)
    if typer.prompt("再次输入审核码 / the approval code again", hide_input=True) != code:
        _fail("两次输入的审核码不一致，未保存 / the two codes differ; nothing was saved")
    path = get_settings().approvers_path()
    try:
        add_approver(path, name, unit, code)
    except (ValueError, ApproversFileError) as exc:
        _fail(str(exc))
    typer.echo(f"{name}（{unit}）可审核发布 / may approve releases: {path}")


@approvers_app.command("list")
def approvers_list() -> None:
    """Who may approve a release (names and units; codes are never shown: only their hashes are kept)."""
    from tasks.release.approvers import ApproversFileError, load_approvers

    path = get_settings().approvers_path()
    try:
        approvers = load_approvers(path)
    except ApproversFileError as exc:
        _fail(str(exc))
    if not approvers:
        typer.echo(f"名单为空：发布无法审核 / nobody may approve yet ({path}): "
                   "campaigns approvers add 姓名 --unit 单位")
    for approver in approvers.values():
        typer.echo(f"{approver.name}\t{approver.unit}")


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
    from pydantic import ValidationError

    from flows.release import press_release
    from tasks.release.params import ReleaseParams

    try:
        params = ReleaseParams(period=period, dry_run=dry_run, as_published=as_published)
    except (ValueError, ValidationError) as exc:
        _fail(str(exc))
    from prefect.settings import PREFECT_API_URL

    if not (auto_approve or dry_run or as_published) and (TEMPORARY_API.started or not PREFECT_API_URL.value()):
        # A temporary API dies with this command: nobody could open the form to approve.
        _fail("approval needs a Prefect server to open the form in: start one (`prefect server start`) and set "
              "PREFECT_API_URL, or use --auto-approve (demo) or --dry-run")
    from tasks.release.approval import approved_automatically

    with approved_automatically("campaigns run release --auto-approve", revision_note) if auto_approve \
            else nullcontext():
        state = _campaign(lambda p: press_release(p, return_state=True), params)
    if not state.is_completed():  # rejected, expired: nothing published
        _fail(str(state.message))
    result = state.result()
    typer.echo(f"release {result['period']}: {result['status']}"
               + (f" v{result['version']} in {result['path']}" if result.get("path") else "")
               + (f" (draft in {result['draft']})" if result.get("draft") else "")
               + (f" v{result['version']}: {len(result['differing'])} cell(s) differ" if "differing" in result else ""))


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="CSV or XLSX files to load.")] = None,
    kind: Annotated[str | None, typer.Option(help="households, persons, measures or leads (default: from "
                                                  "the header).")] = None,
    inbox: Annotated[bool, typer.Option("--inbox", help="Sweep the inbox folder (CAMPAIGNS_INBOX_DIR) "
                                                        "instead, moving files out.")] = False,
    template: Annotated[str | None, typer.Option(help="Write the XLSX template of this kind instead.")] = None,
    contract: Annotated[bool, typer.Option("--contract", help="Print the data contract (Markdown).")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File for --template / --contract "
                                                                      "(default: standard output).")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="原列名=标准列名: read a county's own column "
                                                               "name as the contract's (repeatable).")] = None,
    save: Annotated[bool, typer.Option("--save", help="Keep the --map pairs for later files of --scope.")] = False,
    scope: Annotated[str, typer.Option(help="Where saved pairs apply: a province or county code; empty for "
                                            "everyone.")] = "",
    county: Annotated[str | None, typer.Option(help="The county the files come from (its saved column names "
                                                    "apply, and its channel hears of problems).")] = None,
) -> None:
    """Load county submissions: every row is loaded or quarantined with its reasons; a file that cannot be
    read as a whole is refused with a message naming the file, row and column. Exit status 1 if any file was
    refused."""
    from datetime import datetime

    from tasks.model.contract import KINDS

    if template is not None or contract:
        from tasks.ingest.template import contract_markdown, template_xlsx

        if template is not None and template not in KINDS:
            _fail(f"unknown kind {template!r}: use one of {', '.join(KINDS)}")
        data = template_xlsx(template) if template else contract_markdown().encode("utf-8")
        if output is not None:
            try:
                output.write_bytes(data)
            except OSError as exc:
                _fail(f"cannot write {output}: {exc.strerror or exc}")
        elif template and sys.stdout.isatty():
            _fail("an XLSX file is binary: redirect it (> leads.xlsx) or use --output")
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        return
    if kind is not None and kind not in KINDS:
        _fail(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    from tasks.ingest.mapping import BadMapping, parse_maps, save_maps

    try:
        renames = parse_maps(map_ or [])
    except BadMapping as exc:
        _fail(str(exc))
    if not inbox and not paths and not save:
        _fail("name the files to ingest, or use --inbox")
    from tasks.notify import build_notifier
    from tasks.storage import db
    from tasks.storage.engine import build_engine

    settings = get_settings()
    engine = build_engine(settings)
    db.upgrade(engine)
    notifier = build_notifier(settings, engine)
    today = datetime.now(settings.tz).date()
    if save:
        if not renames:
            _fail("--save keeps --map pairs: give at least one --map 原列名=标准列名")
        import getpass

        save_maps(engine, renames, scope.strip(), actor=f"cli:{getpass.getuser()}")
        typer.echo(f"saved {len(renames)} column name(s) for {scope.strip() or 'everyone'}")
    if inbox:
        from tasks.ingest.inbox import sweep

        result = sweep(engine, settings, notifier, today=today, launched_by="cli")
        reports = result.reports
        if result.waiting:
            typer.echo(f"left for the next sweep (still being copied?): {', '.join(result.waiting)}")
    else:
        from tasks.ingest.inbox import tell_provinces
        from tasks.ingest.load import ingest_file

        reports = [ingest_file(engine, path, kind=kind, notifier=notifier, output_dir=settings.output_dir / "ingest",
                               launched_by="cli", today=today, max_bytes=settings.ingest_max_bytes,
                               county_hint=county, renames=renames)
                   for path in paths or []]
        tell_provinces(notifier, reports)
    for report in reports:
        typer.secho(report.summary_line(), fg=typer.colors.RED if report.status == "rejected" else None,
                    err=report.status == "rejected")
    if not reports and not save:
        typer.echo("nothing to ingest")
    if any(r.status == "rejected" for r in reports):
        raise typer.Exit(code=1)


@reference_app.command("load")
def reference_load(
    kind: Annotated[str, typer.Argument(help="thresholds, counties (the 832 脱贫县) or key-counties (the 160).")],
    file: Annotated[Path, typer.Argument(help="CSV or XLSX with a header row.", exists=True, dir_okay=False)],
) -> None:
    """Load the monitoring thresholds per province and year, or the official county lists, through their check;
    a refused file changes nothing."""
    from tasks.ingest.reference import KINDS, load_reference
    from tasks.storage import db
    from tasks.storage.engine import build_engine

    if kind not in KINDS:
        _fail(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    db.upgrade()
    report = load_reference(build_engine(), kind, file, output_dir=get_settings().output_dir / "reference")
    typer.echo(report.summary_line())
    if report.status != "loaded":
        raise typer.Exit(code=1)


@app.command()
def calendar(
    days: Annotated[int, typer.Option(help="How far ahead to look.")] = 120,
) -> None:
    """The upcoming runs of every campaign, with the period each covers, in Asia/Shanghai time."""
    from deployments.calendar import upcoming

    runs = upcoming(days)
    for run in runs:
        typer.echo(f"{run.at:%Y-%m-%d %a %H:%M %Z}  {run.deployment:<13} {run.period:<32} ({run.schedule})")
    typer.echo(f"{len(runs)} run(s) in the next {days} days")


@app.command()
def board(
    periods: Annotated[int, typer.Option(help="Latest periods shown per campaign.")] = 8,
    publish: Annotated[bool, typer.Option(help="Also write it as the period-board artifact (needs a Prefect "
                                               "API).")] = False,
) -> None:
    """各期运行状态: each campaign's next planned run and latest periods, and where each stands."""
    from deployments.board import HEADERS
    from deployments.board import board as period_board
    from deployments.board import publish as publish_board
    from tasks.storage.engine import build_engine

    rows = period_board(build_engine(), periods_per_campaign=periods)
    for cells in (HEADERS[:-1], *(row.cells()[:-1] for row in rows)):  # links are for the UI
        typer.echo(" | ".join(cells))
    if publish:
        publish_board(rows)


@app.command()
def housekeeping() -> None:
    """Start the inbox sweep and the outbox flush when there is work (for work-pool deployments; `campaigns
    serve` does this itself). Runs until interrupted; needs PREFECT_API_URL."""
    import threading

    from deployments.housekeeping import watch
    from tasks.settings import get_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = get_settings()
    typer.echo(f"looking at {settings.inbox_dir} and the outbox every {settings.housekeeping_seconds} s; "
               "Ctrl-C stops")
    with suppress(KeyboardInterrupt):
        watch(settings, threading.Event())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind; keep 127.0.0.1 unless the server has "
                                           "authentication (see README).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the Prefect UI and API.")] = 4200,
) -> None:
    """Start a local Prefect server and serve every campaign deployment with its schedules (Ctrl-C stops)."""
    from deployments.serve import serve_all
    from tasks.storage import db

    db.upgrade()
    try:
        serve_all(host, port)
    except RuntimeError as exc:
        _fail(str(exc))


@app.command()
def backfill(
    campaign: Annotated[str, typer.Argument(help="release, assessment or screening.")],
    start: Annotated[str, typer.Option("--from", help="First period: 2023Q1 for releases, a year otherwise.")],
    end: Annotated[str, typer.Option("--to", help="Last period, included.")],
    force: Annotated[bool, typer.Option(help="Also periods already published or completed.")] = False,
) -> None:
    """Create runs of a campaign's deployment for past periods (needs the deployments on a Prefect server:
    `campaigns serve`, and PREFECT_API_URL pointing at it). Each release run waits for an approver."""
    from deployments.backfill import backfill as run_backfill
    from tasks.storage.engine import build_engine

    try:
        report = run_backfill(build_engine(), campaign, start, end, force=force)
    except ValueError as exc:
        _fail(str(exc))
    except Exception as exc:  # no server, no deployment: say so in one line
        _fail(f"could not create the runs ({type(exc).__name__}: {exc}); is `campaigns serve` running and "
              "PREFECT_API_URL set?")
    typer.echo(f"{campaign}: created {len(report.created)} run(s) {' '.join(report.created)}; "
               f"already there {len(report.existing)} {' '.join(report.existing)}; "
               f"skipped as done {len(report.skipped)} {' '.join(report.skipped)}")


@app.command("deployments-yaml")
def deployments_yaml(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write it.")] = Path(
        "deployments/prefect.yaml"),
    work_pool: Annotated[str, typer.Option(help="The process work pool the workers poll.")] = "campaigns",
    directory: Annotated[str, typer.Option(help="Where the project is checked out on the workers.")] = "/opt/campaigns",
) -> None:
    """Write prefect.yaml for `prefect deploy --all` (the production path: a server, a work pool, workers)."""
    from deployments.definitions import prefect_yaml

    output.write_text(prefect_yaml(work_pool, directory), encoding="utf-8")
    typer.echo(f"wrote {output}")


@app.command("settings")
def show_settings() -> None:
    """Print the effective settings (passwords hidden)."""
    data = get_settings().model_dump(mode="json")
    data["database_url"] = _safe_url()
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _safe_url() -> str:
    return make_url(get_settings().database_url).render_as_string(hide_password=True)


def main() -> None:  # pragma: no cover - console entry for `python -m deployments.cli`
    logging.basicConfig(level=logging.INFO)
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
