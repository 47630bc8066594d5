"""A release's draft rendered and checked, its approved draft published as a new version, and a published
version read again to check it: the release flow's steps around the approval."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd
from prefect import get_run_logger

from tasks.release.approval import Approval
from tasks.release.publish import ReleaseOutcome, latest_published, manifest, record, version_folder
from tasks.release.render import DATE_FORMAT, DATED, redate, render_draft
from tasks.release.stages import ReleaseDraft, check_publication
from tasks.runs.check import StageFailed
from tasks.runs.context import CampaignContext


def render_checked_draft(ctx: CampaignContext, release: ReleaseDraft) -> str:
    """The draft (text, tables, charts), then the check that it holds no personal data."""
    folder = ctx.output_dir / "draft"
    render_draft(release.draft, folder, ctx.settings.release_templates_dir,
                 published_on=datetime.now(ctx.settings.tz).strftime(DATE_FORMAT))
    published = {"release.md": (folder / "release.md").read_text("utf-8")}
    for table in ("tables.csv", "comparison.csv"):
        if (folder / table).exists():
            published[table] = pd.read_csv(folder / table, dtype=str, encoding="utf-8-sig")
    check_publication(ctx, published, {path.name: path.read_bytes() for path in sorted(folder.glob("*.png"))})
    return str(folder.resolve())


def publish(ctx: CampaignContext, release: ReleaseDraft, approval: Approval, draft: str) -> dict:
    """The approved draft's files in a new version folder, with their manifest: as approved, but the date of
    the text's signature, which is the day of publication."""
    version, folder = version_folder(ctx.output_dir, release.period, ctx.engine)
    folder.mkdir(parents=True)
    today = datetime.now(ctx.settings.tz).strftime(DATE_FORMAT)
    for path in sorted(Path(draft).iterdir()):
        if path.name in DATED:  # dated the day it is published; every other byte as approved
            (folder / path.name).write_text(redate(path.read_text("utf-8"), release.draft.issuer, today), "utf-8")
        elif path.is_file():
            shutil.copy2(path, folder / path.name)
    files = manifest(folder)
    decision = {"reviewer": approval.reviewer, "unit": approval.unit, "identity": approval.identity,
                "comment": approval.comment, "automatic": approval.automatic,
                "revision_note": approval.revision_note, "explanation": approval.explanation,
                "decided_at": datetime.now(ctx.settings.tz).isoformat(timespec="seconds")}
    # What the figures read: the period's roster as recorded up to this batch. Read again at it, the period
    # gives these figures again whatever was recorded since (campaigns run release --as-published N).
    roster = {"as_of": release.period.end.isoformat(), "watermark": ctx.watermark,
              "revision_of": release.published_version, "records_changed": release.record_changes}
    (folder / "manifest.json").write_text(json.dumps(
        {"period": release.period.label, "release_type": release.period.release_type, "version": version,
         "approval": decision, "roster": roster, **files}, ensure_ascii=False, indent=2), encoding="utf-8")
    record(ctx.engine, period=release.period, status="published", figures=release.published_figures,
           approval=approval, run_id=ctx.run_id, version=version, path=folder, files=files["files"],
           watermark=ctx.watermark, withheld=release.withheld)
    return {"version": version, "path": str(folder.resolve())}


def published_watermark(ctx: CampaignContext, period, version: int) -> int:
    """The roster batch published version `version` of `period` read."""
    published = latest_published(ctx.engine, period, version)
    if published is None or published.watermark is None:
        raise StageFailed(f"{ctx.label}: v{version} of {period.label} was not published with its roster watermark "
                          "(published before the roster kept its history): it cannot be read again as published")
    return published.watermark


def reproduced(ctx: CampaignContext, release: ReleaseDraft, version: int) -> ReleaseOutcome:
    """Whether the figures read at version `version`'s watermark are the ones it published, cell by cell."""
    published = latest_published(ctx.engine, release.period, version)
    now = json.loads(json.dumps(release.published_figures, default=str))
    differing = sorted(k for k in set(now) | set(published.figures) if now.get(k) != published.figures.get(k))
    get_run_logger().info("%s: read as v%s read it (roster batch %s): %s", ctx.label, version, ctx.watermark,
                          "the published figures" if not differing else f"{len(differing)} cell(s) differ")
    return {"period": release.period.label, "status": "reproduced" if not differing else "differs",
            "version": version, "differing": differing, "figures": release.national}
