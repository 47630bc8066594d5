"""What a run leaves in the Prefect UI besides its figures: its Data Docs and one table of every checkpoint's
results, and one table of where it spent its time."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from tasks.outputs.links import report_link
from tasks.runs.context import CampaignContext

log = logging.getLogger(__name__)


def publish_data_docs(ctx: CampaignContext) -> Path | None:
    """Render the run's Data Docs into its output folder; give the Prefect run a link to them and one table
    of every checkpoint's results (one artifact per run, not per checkpoint: 31 provinces × 10 checks)."""
    if ctx.quality_rows and _in_flow_run():
        from prefect.artifacts import create_table_artifact

        from tasks.quality.results import artifact_rows

        create_table_artifact(artifact_rows(ctx.quality_rows), key=slug(f"{ctx.campaign}-quality"),
                              description=f"{ctx.label}: data-quality checkpoints")
    if ctx.dry_run or ctx.docs is None:
        return None
    try:
        index = ctx.docs.build()
    except Exception:  # documentation must not fail a campaign
        log.exception("could not build the Data Docs of %s", ctx.label)
        return None
    if index is not None and _in_flow_run():
        from prefect.artifacts import create_link_artifact

        url = report_link(index, ctx.settings)
        create_link_artifact(url if "://" in url else index.resolve().as_uri(), link_text="GX Data Docs",
                             key=slug(f"{ctx.campaign}-data-docs"), description=f"Data Docs of {ctx.label}")
    return index


def publish_timings(ctx: CampaignContext) -> None:
    """One table artifact of every timed step (where a run spent its time; bench/harness.py reads it)."""
    if ctx.timings and _in_flow_run():
        from prefect.artifacts import create_table_artifact

        create_table_artifact(ctx.timings, key=slug(f"{ctx.campaign}-timings"),
                              description=f"{ctx.label}: seconds per step")


def _in_flow_run() -> bool:
    from prefect.runtime import flow_run

    return bool(flow_run.get_id())


def slug(text: str) -> str:
    """Prefect artifact keys: lower-case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:100] or "stage"
