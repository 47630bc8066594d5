"""Publishing: an approved release goes to releases/<period>/v<N>/ with a manifest of its files and their
SHA-256, and a release record. A published version is never overwritten: publishing the period again makes
version N+1. Rejected, expired and blocked drafts are recorded with their reason."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypedDict

from sqlalchemy import Engine, func, select

from tasks.model import Release
from tasks.release.approval import Approval
from tasks.release.attacker import Tabulation, tabulation
from tasks.release.period import Period
from tasks.runs.audit import record_event


class ReleaseOutcome(TypedDict, total=False):
    """What the release flow returns (an expired approval ends it in a Cancelled state instead)."""

    period: str
    status: Literal["published", "unchanged", "rejected", "dry run", "reproduced", "differs"]
    version: int  # published: the new version; unchanged: the published one; reproduced, differs: the one read
    differing: list[str]  # reproduced, differs: the published cells (province:figure) that came out otherwise
    path: str  # published: the version folder
    draft: str  # dry run: the draft folder
    figures: dict[str, Any]  # published, dry run: the national figures
    reviewer: str | None  # rejected: who rejected it


class AlreadyPublished(RuntimeError):
    """The version folder exists: a published release is never overwritten."""


@dataclass
class Published:
    version: int
    figures: dict[str, Any]
    path: str | None
    published_at: datetime | None
    watermark: int | None  # the last roster batch its figures read (None: published before the roster kept it)


def latest_published(engine: Engine, period: Period, version: int | None = None) -> Published | None:
    """The period's latest published version (or version `version`)."""
    query = (select(Release.version, Release.figures, Release.path, Release.published_at, Release.watermark)
             .where(Release.period == period.label, Release.status == "published"))
    if version is not None:
        query = query.where(Release.version == version)
    with engine.connect() as conn:
        row = conn.execute(query.order_by(Release.version.desc()).limit(1)).first()
    return Published(*row) if row is not None else None


def previous_release_figures(engine: Engine, period: Period) -> dict[str, Any] | None:
    """The figures of the latest published release of the period before (for comparison)."""
    found = latest_published(engine, period.previous())
    return found.figures if found else None


def published_this_year(engine: Engine, period: Period) -> list[Tabulation]:
    """Every published version of the year's releases, as the public has them: what an attacker combines
    with the release being drafted (tasks.release.disclosure). A version recorded before releases kept their
    withheld cells counts as fully published: its cells are then taken as known, which can only make the new
    release withhold more."""
    with engine.connect() as conn:
        rows = conn.execute(select(Release.period, Release.version, Release.figures, Release.withheld)
                            .where(Release.status == "published", Release.period.like(f"{period.year}Q%"))
                            .order_by(Release.period, Release.version)).all()
    return [tabulation(f"{label} v{version}", Period.parse(label).quarter, figures or {}, withheld or [])
            for label, version, figures, withheld in rows]


def manifest(folder: Path) -> dict[str, Any]:
    files = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name != "manifest.json"):
        files[path.name] = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "bytes": path.stat().st_size}
    return {"files": files}


def version_folder(root: Path, period: Period, engine: Engine) -> tuple[int, Path]:
    """The next version and its folder under the period's folder `root`, which must not exist yet."""
    with engine.connect() as conn:
        latest = conn.execute(select(func.max(Release.version)).where(Release.period == period.label)).scalar()
    version = (latest or 0) + 1
    folder = root / f"v{version}"
    if folder.exists():
        raise AlreadyPublished(f"{folder} exists: a published release is never overwritten")
    return version, folder


def record(engine: Engine, *, period: Period, status: str, figures: dict[str, Any], approval: Approval | None,
           run_id: str, version: int | None = None, path: Path | None = None,
           files: dict[str, Any] | None = None, reason: str | None = None, watermark: int | None = None,
           withheld: list[str] | None = None) -> None:
    """One record per decision (published, rejected, blocked, expired), appended: the release table is the
    audit trail of who decided what, so no record replaces another."""
    now = datetime.now()
    comment = "; ".join(x for x in ((approval.comment if approval else ""),
                                    (f"变化说明 / explanation: {approval.explanation}"
                                     if approval and approval.explanation else ""), reason or "") if x) or None
    with engine.begin() as conn:
        conn.execute(Release.__table__.insert().values(
            period=period.label, release_type=period.release_type, version=version, status=status,
            campaign_run_id=run_id, figures=json.loads(json.dumps(figures, default=str)),
            reviewer=approval.reviewer if approval else None,
            comment=comment,
            revision_note=(approval.revision_note or None) if approval else None,
            path=str(path) if path else None, manifest=files, created_at=now, watermark=watermark, withheld=withheld,
            decided_at=now if approval else None, published_at=now if status == "published" else None))
        actor = (approval.reviewer or ("automatic approval" if approval.automatic else None)) if approval else None
        record_event(conn, f"release.{status}", actor or "approval timeout",
                     subject=f"{period.label} {period.release_type}", run_id=run_id, detail=comment,
                     parameters={"version": version, "path": str(path) if path else None, "watermark": watermark,
                                 "files": {n: f.get("sha256") for n, f in (files or {}).items()
                                           if isinstance(f, dict)}})
