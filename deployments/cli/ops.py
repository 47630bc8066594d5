"""Operating the service: the outbox, the calendar and the period board, serving the deployments, the
housekeeping watcher, backfills, prefect.yaml and the effective settings."""

from __future__ import annotations

import json
import logging
from contextlib import suppress
from pathlib import Path
from typing import Annotated

import typer

from deployments.cli.app import app, outbox_app
from deployments.cli.common import fail, safe_url
from deployments.temporary_api import TEMPORARY_API
from tasks.settings import get_settings


@outbox_app.command("flush")
def outbox_flush(
    digests_now: Annotated[bool, typer.Option(
        "--digests-now", help="Send the counties' digests now, with what they hold so far (汇总立即发送).")] = False,
) -> None:
    """Deliver every pending notification, oldest first (after an outage, say), and the digests that are due."""
    from tasks.notify.notifier import flush_outbox

    flushed = flush_outbox(get_settings(), digests_now=digests_now)
    typer.echo(f"sent {flushed.report.sent}; still pending {flushed.left} (via {', '.join(flushed.via)})")
    if flushed.report.auth_error:
        fail(flushed.report.auth_error)
    if flushed.report.failed:
        fail(f"delivery failed: {flushed.report.errors[-1]}; {flushed.left} message(s) stay pending")


@outbox_app.command("status")
def outbox_status() -> None:
    """Count the notifications waiting in the outbox."""
    from tasks.notify.outbox import held_count, pending_count
    from tasks.storage.engine import build_engine

    engine = build_engine()
    typer.echo(f"pending: {pending_count(engine)}; held for digests: {held_count(engine)}")


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
    from tasks.storage.engine import build_engine

    engine = build_engine()
    if _runs_open(engine) or publish:  # the API's word on them (waiting for approval, crashed); else none needed
        TEMPORARY_API.start()  # before Prefect is imported (deployments.board imports it)
    from deployments.board import HEADERS
    from deployments.board import board as period_board
    from deployments.board import publish as publish_board

    with TEMPORARY_API.in_use():
        rows = period_board(engine, periods_per_campaign=periods)
    for cells in (HEADERS[:-1], *(row.cells()[:-1] for row in rows)):  # links are for the UI
        typer.echo(" | ".join(cells))
    if publish:
        publish_board(rows)


def _runs_open(engine) -> bool:
    from sqlalchemy import func, select
    from sqlalchemy.exc import DBAPIError

    from tasks.model import CampaignRun

    try:
        with engine.connect() as conn:
            return bool(conn.execute(select(func.count()).select_from(CampaignRun)
                                     .where(CampaignRun.status == "running")).scalar())
    except DBAPIError:  # no tables yet: nothing open
        return False


@app.command()
def housekeeping() -> None:
    """Start the inbox sweep and the outbox flush when there is work (for work-pool deployments; `campaigns
    serve` does this itself). Runs until interrupted; needs PREFECT_API_URL."""
    import threading

    from deployments.housekeeping import watch

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
        fail(str(exc))


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
        fail(str(exc))
    except Exception as exc:  # no server, no deployment: say so in one line
        fail(f"could not create the runs ({type(exc).__name__}: {exc}); is `campaigns serve` running and "
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
    data["database_url"] = safe_url()
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
