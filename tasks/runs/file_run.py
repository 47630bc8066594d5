"""Opening and closing the run of one file (a county's submission, a coordinator's reference list): claimed
by the file's content, so the same file loaded twice at once is refused (tasks.runs.record.RunRefused); its
context given to the file's checkpoint; its end recorded whatever ends it. Campaigns open theirs with
tasks.runs.campaign.campaign_run, which adds what only a campaign has (a period, a form, set-aside workbooks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tasks.notify import Notifier
from tasks.runs.context import CampaignContext
from tasks.runs.record import finish_run, start_run


@contextmanager
def file_run(engine: Engine, campaign: str, sha256: str, *, label: str, parameters: dict[str, Any],
             launched_by: str, notifier: Notifier | None, output_dir: Path, today: date,
             mode: str | None = None) -> Iterator[CampaignContext]:
    """The run of the file whose content hashes to `sha256`, as `campaign` (ingest, reference) loads it on
    `today`. The caller ends it with `end_file_run`; a run left by an exception is recorded as failed with the
    exception's type only (its text may quote a cell of the file)."""
    run_id = start_run(engine, campaign, f"file:{sha256[:15]}", mode, parameters=parameters,
                       launched_by=launched_by)
    # The whole of the file's day: a record dated the day it is loaded is no record from the future.
    ctx = CampaignContext(run_id=run_id, campaign=campaign, label=label, engine=engine, notifier=notifier,
                          output_dir=output_dir, as_of=today, clock=datetime.combine(today, time.max))
    try:
        yield ctx
    except BaseException as exc:
        if not ctx.closed:
            end_file_run(ctx, "failed", f"{type(exc).__name__} while loading")
        raise
    if not ctx.closed:
        end_file_run(ctx, "completed")


def end_file_run(ctx: CampaignContext, status: str, error: str | None = None) -> None:
    """Record the file run's end: completed (loaded), rejected (the file refused, `error` saying why) or failed."""
    finish_run(ctx.engine, ctx.run_id, status, error=error[:2000] if error else None)
    ctx.closed = True
