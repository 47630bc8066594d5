"""Opening and closing a campaign run, the same for every flow: its record claimed (one holder at a time),
the context its stages share, and its end recorded whatever ends it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run
from pydantic import BaseModel

from tasks.notify import build_notifier
from tasks.notify.hooks import flow_run_url
from tasks.outputs.links import report_link
from tasks.outputs.set_aside import FOLDER, set_aside_by_county, write_set_aside
from tasks.runs.answered import NOT_INPUTS, inputs_digest
from tasks.runs.artifacts import publish_data_docs, publish_timings
from tasks.runs.context import CampaignContext
from tasks.runs.form import RunSpec
from tasks.runs.inputs import DATA_QUALITY
from tasks.runs.record import campaign_run_id, finish_run, last_completed, launched_by, start_run
from tasks.settings import Settings
from tasks.storage.engine import build_engine
from tasks.storage.retries import with_retries
from tasks.storage.versions import latest_batch

log = logging.getLogger(__name__)


@contextmanager
def campaign_run(spec: RunSpec, params: BaseModel, *, settings: Settings, dry_run: bool | None = None,
                 watermark: int | None = None) -> Iterator[CampaignContext]:
    """The run of the campaign, period and mode `spec` names (its form's `run_spec()`): claimed and recorded
    with its parameters and who launched it (a dry run, by default the form's, records nothing and notifies
    nobody); its context yielded; then closed as completed, or as failed with the error that ended it. The
    run reads the roster as recorded up to `watermark` (a published version's, to see it again), else up to
    the last batch recorded when it starts, and records which. A flow that ends otherwise (rejected,
    expired, some provinces stopped) calls `close_run` itself first."""
    dry_run = getattr(params, "dry_run", False) if dry_run is None else dry_run
    campaign, period, mode = spec.campaign, spec.period, spec.mode
    engine = build_engine(settings)
    clock = datetime.now(settings.tz).replace(tzinfo=None)  # the run's own: what "in the future" means
    this_flow_run = flow_run.get_id()
    # Reads retried as every unit is (a database restarting as a run opens: tests/faults).
    if watermark is None:
        watermark = with_retries(lambda: latest_batch(engine), "read the last batch recorded")
    run_id = campaign_run_id(campaign, period, mode)
    previous = with_retries(lambda: last_completed(engine, run_id),  # before the claim replaces it
                            "read the campaign's last completed run")
    inputs = None if dry_run else with_retries(lambda: inputs_digest(
        engine, campaign=campaign, run_id=run_id, parameters=params.model_dump(mode="json", exclude=NOT_INPUTS),
        watermark=watermark, settings=settings), "digest the run's inputs")
    if not dry_run:
        run_id = start_run(engine, campaign, period, mode, parameters=params.model_dump(mode="json"),
                           launched_by=launched_by(), flow_run_id=this_flow_run, watermark=watermark)
    ctx = CampaignContext(
        run_id=run_id, campaign=campaign, label=spec.label, engine=engine,
        notifier=None if dry_run else build_notifier(settings, engine), output_dir=settings.output_dir / spec.folder,
        as_of=spec.as_of or clock.date(), clock=clock, flow_run_url=flow_run_url(this_flow_run, settings),
        dry_run=dry_run, settings=settings, watermark=watermark, previous_watermark=previous.get("watermark"),
        inputs=inputs, previous_run=previous)
    try:
        yield ctx
    except Exception as exc:
        _leave_set_aside(ctx)
        if not ctx.closed:
            close_run(ctx, "failed", str(exc) or type(exc).__name__)
        raise
    _leave_set_aside(ctx)
    if not ctx.closed:
        close_run(ctx, "completed")


def _leave_set_aside(ctx: CampaignContext) -> None:
    """The rows this run set aside, as workbooks per county and province for those who can correct them
    (also when a stage stopped the run: that is when they are needed), rewritten only where they changed
    since the campaign last wrote them; the run says how many. A failure here only logs."""
    if ctx.dry_run:
        return
    if not ctx.set_aside_written:
        try:
            with ctx.timed("set-aside workbooks"):
                written = with_retries(lambda: write_set_aside(ctx.engine, [ctx.run_id], ctx.output_dir,
                                                               campaign=ctx.campaign),
                                       "write the workbooks of rows set aside")
        except Exception:
            log.exception("%s: the workbooks of rows set aside could not be written", ctx.label)
            return
        ctx.workbooks_written, ctx.workbooks_unchanged = written.written, written.unchanged
        ctx.set_aside_listed = written.listed
    _say_what_was_written(ctx)


def _say_what_was_written(ctx: CampaignContext) -> None:
    """The run's artifacts, always: the workbooks written and left, and per county the period's rows set
    aside (found by this run, found before, set aside at the ingest of its files); a message to the data
    stewards only when a workbook is new or changed (a rerun that changed nothing tells nobody again)."""
    written, unchanged = ctx.workbooks_written, len(ctx.workbooks_unchanged)
    folder = report_link(ctx.output_dir / FOLDER, ctx.settings)
    said = (f"隔离行工作簿（各县、各省）：本次新写或更新 {written} 个；{unchanged} 个与本活动上次写出的相同，未重写 / "
            f"workbooks of rows set aside: {written} written, {unchanged} unchanged since the campaign last wrote them")
    log.info("%s: %s (%s)", ctx.label, said, folder)
    if flow_run.get_id():
        create_markdown_artifact(key=f"{ctx.campaign}-set-aside-workbooks", description=ctx.label,
                                 markdown=f"{said}\n\n{folder}")
        # Reads of its own, retried as every unit is (a server restarting mid-run: tests/faults).
        by_county = with_retries(lambda: set_aside_by_county(ctx.engine, [ctx.run_id], ctx.set_aside_listed,
                                                             ctx.workbooks_unchanged),
                                 "count the rows set aside per county")
        if by_county:
            create_table_artifact(by_county, key=f"{ctx.campaign}-set-aside-by-county",
                                  description=f"{ctx.label}: 各县隔离行 / rows set aside per county")
    if written:
        try:
            ctx.announce("set-aside-workbooks", f"{ctx.label} · 隔离行工作簿已更新 / set-aside workbooks",
                         {"新写或更新 / written": written, "未变，未重写 / unchanged": unchanged},
                         [f"见 / see {folder}"], campaign=DATA_QUALITY)
        except Exception:  # the workbooks are written; the message is the outbox's to retry
            log.exception("%s: could not store the message about the set-aside workbooks", ctx.label)


def close_run(ctx: CampaignContext, status: str, error: str | None = None) -> None:
    """The end of a campaign run: its Data Docs, quality and timing artifacts published, its record finished
    (not in a dry run, which records nothing)."""
    publish_data_docs(ctx)
    publish_timings(ctx)
    if not ctx.dry_run:
        finish_run(ctx.engine, ctx.run_id, status, error=error[:2000] if error else None,
                   rows_rechecked=ctx.rows_rechecked, inputs=ctx.inputs, answered_by=ctx.answered_by)
    ctx.closed = True
