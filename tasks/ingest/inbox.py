"""The inbox sweep: ingest every settled file under the inbox, then move it out, to the archive (loaded or
already known) or to the rejected folder (refused, with an error report next to it). A file is never
left behind half-handled and never deleted: the archive keeps each submission under its SHA-256."""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypedDict

from sqlalchemy import Engine

from tasks.ingest.load import ingest_file
from tasks.ingest.report import FileReport, error_report, problem_message, province_outliers, report_json
from tasks.notify import Notifier
from tasks.privacy import private_folder
from tasks.quality.outliers import OutlierRules
from tasks.settings import Settings

TEMPORARY = re.compile(r"^(\.|~\$)|\.(tmp|part|crdownload|swp)$", re.IGNORECASE)
COUNTY_IN_PATH = re.compile(r"(?<!\d)(\d{6})(?!\d)")
# Households first: persons and measures files name their household, which gives them their province.
KIND_HINTS = (("household", "农户", "户信息"), ("person", "成员", "人口"), ("measure", "措施"), ("lead", "线索"))


class SweepSummary(TypedDict):
    """What a sweep of the inbox returns: its totals (files by status, rows loaded and set aside) and each
    file's report (tasks.ingest.report.FileReport.as_dict)."""
    totals: dict[str, int]
    files: list[dict[str, Any]]


@dataclass
class SweepResult:
    reports: list[FileReport]
    waiting: list[str]  # files left for the next sweep (still being copied)

    def totals(self) -> dict[str, int]:
        out = {"files": len(self.reports), "waiting": len(self.waiting)}
        for key in ("loaded", "duplicate", "rejected"):
            out[key] = sum(r.status == key for r in self.reports)
        out["rows_loaded"] = sum(r.loaded for r in self.reports)
        out["rows_quarantined"] = sum(r.quarantined for r in self.reports)
        return out

    def summary(self) -> SweepSummary:
        return SweepSummary(totals=self.totals(), files=[r.as_dict() for r in self.reports])


def sweep(engine: Engine, settings: Settings, notifier: Notifier | None, *, today: date,
          launched_by: str = "inbox sweep", link: str | None = None,
          outlier_rules: OutlierRules | None = None) -> SweepResult:
    inbox = settings.inbox_dir
    files, waiting = settled_files(settings)
    reports = []
    for path in files:
        hint = _county_hint(path.relative_to(inbox))
        if path.is_symlink() or not path.resolve().is_relative_to(inbox.resolve()):
            report = FileReport(path.name, "", "rejected", county_code=hint,
                                problem=f"{path.name}: refused: a symbolic link (or a path outside the inbox); "
                                        "copy the file itself into the inbox")
            if notifier is not None:
                notifier.notify(problem_message(report, link))
        else:
            report = ingest_file(engine, path, notifier=notifier, output_dir=settings.output_dir / "ingest",
                                 launched_by=launched_by, today=today, max_bytes=settings.ingest_max_bytes,
                                 county_hint=hint, link=link, outlier_rules=outlier_rules)
        _move(path, report, settings, today)
        reports.append(report)
    tell_provinces(notifier, reports, link)
    return SweepResult(reports, waiting)


def ingest_paths(engine: Engine, settings: Settings, notifier: Notifier | None, paths: list[Path], *, today: date,
                 launched_by: str, kind: str | None = None, county_hint: str | None = None,
                 renames: dict[str, str] | None = None) -> list[FileReport]:
    """Files named by a person (the command line), ingested as the sweep ingests the inbox's, left where
    they are; the provinces hear of the outliers."""
    reports = [ingest_file(engine, path, kind=kind, notifier=notifier, output_dir=settings.output_dir / "ingest",
                           launched_by=launched_by, today=today, max_bytes=settings.ingest_max_bytes,
                           county_hint=county_hint, renames=renames)
               for path in paths]
    tell_provinces(notifier, reports)
    return reports


def tell_provinces(notifier: Notifier | None, reports: list[FileReport], link: str | None = None) -> None:
    """The provinces' summary of the outliers in the files just handled (tasks.ingest.report)."""
    for message in province_outliers(reports, link) if notifier is not None else []:
        notifier.notify(message)


def settled_files(settings: Settings) -> tuple[list[Path], list[str]]:
    """The files to ingest now, in order (households first), and those still being copied (changed within
    the settle time), relative to the inbox."""
    inbox = settings.inbox_dir
    inbox.mkdir(parents=True, exist_ok=True)
    now = time.time()
    files, waiting = [], []
    for path in sorted(inbox.rglob("*"), key=_order):
        if TEMPORARY.search(path.name) or (path.is_dir() and not path.is_symlink()):
            continue
        if not path.is_symlink() and now - path.stat().st_mtime < settings.inbox_settle_seconds:
            waiting.append(str(path.relative_to(inbox)))
            continue
        files.append(path)
    return files, waiting


def _order(path: Path) -> tuple[int, str]:
    name = path.name.lower()
    rank = next((i for i, hints in enumerate(KIND_HINTS) if any(h in name for h in hints)), len(KIND_HINTS))
    return rank, str(path)


def _county_hint(relative: Path) -> str | None:
    """A 6-digit county code in the sub-folder or file name (var/inbox/520102/…), for routing a file whose
    rows cannot tell."""
    for part in reversed(relative.parts):
        if match := COUNTY_IN_PATH.search(part):
            return match.group(1)
    return None


def _move(path: Path, report: FileReport, settings: Settings, today: date) -> Path:
    base = settings.rejected_dir if report.status == "rejected" else settings.archive_dir
    private_folder(base)  # county submissions carry names and ID numbers: the owner only
    folder = private_folder(base / today.isoformat())
    target = folder / (f"{report.sha256}__{path.name}" if report.sha256 else path.name)
    if target.exists() or target.is_symlink():  # the same file again the same day: keep both reports
        target = target.with_name(f"{datetime.now():%H%M%S%f}__{target.name}")
    shutil.move(str(path), target)
    target.with_name(target.name + ".report.json").write_text(report_json(report), encoding="utf-8")
    if report.status == "rejected":
        target.with_name(target.name + ".error.txt").write_text(error_report(report), encoding="utf-8")
    return target
