"""Ingest one submitted file: read → find header and kind → parse → derive → checkpoint (the kind's raw
suite: its row and file rules) → upsert the rows that passed by their natural key, each with the version of
the rules it passed (tasks.quality.row_checks: no campaign checks it again) → record. Every data row is
either loaded or quarantined with all its reasons; a file that cannot be read as a whole is rejected with a
message naming the file, row and column."""

from __future__ import annotations

import hashlib
import logging
import traceback
from datetime import date, datetime, time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import DBAPIError

from tasks.ingest.derive import county_of, fill_derived
from tasks.ingest.frame import submitted_rows
from tasks.ingest.header import locate
from tasks.ingest.mapping import saved_maps
from tasks.ingest.outliers import check_submission
from tasks.ingest.read import FileRejected, ReadLimits, read_file
from tasks.ingest.recheck import recheck_waiting
from tasks.ingest.report import FileReport, count_reasons, problem_message
from tasks.model import VERSIONED, IngestedFile, PairingAgreement, RelocationSite, metadata
from tasks.model.contract import KIND_LABELS, KINDS, NATURAL_KEYS, PRIMARY_KEYS
from tasks.notify import Notifier
from tasks.outputs.links import report_link
from tasks.outputs.set_aside import write_set_aside
from tasks.quality.derive import arrival_facts
from tasks.quality.gx import AT_ARRIVAL
from tasks.quality.outliers import OutlierRules
from tasks.quality.row_checks import rule_version
from tasks.runs.audit import record_event
from tasks.runs.check import Check, StageFailed, Submitted
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.runs.file_run import end_file_run, file_run
from tasks.runs.record import RunRefused
from tasks.storage.bulk import insert_frame
from tasks.storage.history_write import write_versions
from tasks.storage.reads import read_table
from tasks.storage.versions import open_batch

log = logging.getLogger(__name__)
# A duty's report names a row of a register: the suite's parameter listing the register's keys.
KNOWN_KEYS = {"relocation_reports": ("known_site_codes", RelocationSite.site_code),
              "pairing_progress": ("known_pairing_nos", PairingAgreement.pairing_no)}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest_file(engine: Engine, path: Path, *, kind: str | None = None, notifier: Notifier | None = None,
                output_dir: Path, launched_by: str = "cli", today: date | None = None,
                max_bytes: int | None = None, county_hint: str | None = None,
                link: str | None = None, renames: dict[str, str] | None = None,
                outlier_rules: OutlierRules | None = None) -> FileReport:
    """Load `path` (kind detected from its header unless given); never raises for a bad file. Column names are
    the contract's, the mappings saved for the county (`county_hint`), its province or everyone, and
    `renames` (tasks.ingest.mapping). Its counties' indicators once it is loaded are judged with
    `outlier_rules` (tasks.ingest.outliers)."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    name = path.name
    try:
        sha = file_sha256(path)
    except OSError as exc:
        return FileReport(name, "", "rejected", problem=f"{name}: cannot be read: {exc.strerror or exc}")
    earlier = _earlier(engine, sha)
    if earlier is not None and earlier.status == "loaded":
        return FileReport(name, sha, "duplicate", kind=earlier.kind, rows_read=earlier.rows_read,
                          note=f"same content as {earlier.file_name}, ingested {earlier.ingested_at:%Y-%m-%d %H:%M}")
    today = today or date.today()
    try:
        with file_run(engine, "ingest", sha, label=f"报送 {name}", launched_by=launched_by, notifier=notifier,
                      output_dir=output_dir, today=today, parameters={
                          "file": name, "sha256": sha, "kind": kind, "bytes": path.stat().st_size}) as ctx:
            report = FileReport(name, sha, "loaded", kind=kind, run_id=ctx.run_id, county_code=county_hint)
            renames = saved_maps(engine, county_hint) | (renames or {})
            _load_whole(ctx, path, report, max_bytes, renames, outlier_rules or OutlierRules())
            _record(engine, report, earlier, launched_by)
            record_event(engine, f"ingest.{report.status}", launched_by, subject=name, run_id=ctx.run_id,
                         detail=report.problem, parameters={
                             "sha256": sha, "kind": report.kind, "county_code": report.county_code,
                             "rows_read": report.rows_read, "loaded": report.loaded,
                             "quarantined": report.quarantined})
            end_file_run(ctx, "completed" if report.status == "loaded" else "rejected", report.problem)
    except RunRefused as exc:  # the same content is being loaded right now by another process
        return FileReport(name, sha, "duplicate", kind=kind, note=str(exc))
    run_id = report.run_id
    if report.quarantined or report.outliers:  # the county's workbook lists both
        written = write_set_aside(engine, [run_id], output_dir / f"{Path(name).stem}-{sha[:8]}")
        chosen = written.get(report.county_code or "") or next(iter(written.values()), None)
        report.set_aside = report_link(chosen) if chosen else None
    if report.has_problems and notifier is not None:
        try:
            notifier.notify(problem_message(report, link))
        except Exception:  # the report and the database hold the facts; the message can be flushed later
            log.exception("could not notify about %s", name)
    if report.status == "loaded" and report.kind == "households" and report.loaded:
        report.rechecked = recheck_waiting(engine, lambda again, again_kind: ingest_file(
            engine, again, kind=again_kind, notifier=notifier, output_dir=output_dir, launched_by=launched_by,
            today=today, county_hint=county_hint, link=link, outlier_rules=outlier_rules), launched_by)
    return report


def _load_whole(ctx: CampaignContext, path: Path, report: FileReport, max_bytes: int | None,
                renames: dict[str, str], rules: OutlierRules) -> None:
    """Load the file, or refuse it as a whole with the reason (file, row, column); the database's own errors
    (leave the file where it is for the next attempt) are raised."""
    name = report.file
    try:
        _load(ctx, path, report, max_bytes, renames, rules)
    except FileRejected as exc:
        report.status, report.problem = "rejected", str(exc)
    except StageFailed as exc:  # a table-level rule of the suite failed: the file as a whole is wrong
        report.status, report.problem = "rejected", f"{name}: {exc}"
    except DBAPIError:
        raise
    except Exception as exc:  # a file no rule foresaw must not stop the others or show a traceback
        # The frames, not the exception's text, which may quote a cell (personal data stays out of logs).
        log.error("unexpected %s while ingesting %s:\n%s", type(exc).__name__, name,
                  "".join(traceback.format_tb(exc.__traceback__)))
        report.status = "rejected"
        report.problem = (f"{name}: could not be processed ({type(exc).__name__}); the data stewards have the "
                          "details in the ingest log")
    report.loaded = 0 if report.status == "rejected" else report.loaded


def _load(ctx: CampaignContext, path: Path, report: FileReport, max_bytes: int | None, renames: dict[str, str],
          rules: OutlierRules) -> None:
    engine, today = ctx.engine, ctx.as_of
    wanted_sheets = (report.kind, KIND_LABELS[report.kind]) if report.kind else \
        tuple(n for k in KINDS for n in (k, KIND_LABELS[k]))
    sheet = read_file(path, wanted_sheets, max_bytes, ReadLimits.from_settings())
    layout = locate(sheet, report.file, report.kind, renames)
    kind = report.kind = layout.kind
    report.format, report.encoding, report.sheet = sheet.format, sheet.encoding, sheet.sheet
    report.header_row, report.ignored_columns = layout.header_row, layout.ignored
    report.column_suggestions = layout.suggestions
    rows = submitted_rows(sheet, layout)
    report.rows_read = len(rows.frame)
    if report.rows_read == 0:
        raise FileRejected(report.file, "表头下面没有数据行 / no data rows under the header", row=layout.header_row)
    fill_derived(engine, kind, rows)
    report.county_code = county_of(engine, rows) or report.county_code
    # The kind's raw suite, less its roster's rules (they need the other tables: each campaign's input stage).
    check = Check(f"ingest {kind}", f"{kind}_raw", key=PRIMARY_KEYS[kind], announce="blocking", source=report.file,
                  scopes=AT_ARRIVAL)
    thresholds = read_table(engine, "monitoring_thresholds") if kind == "households" else None
    if kind in KNOWN_KEYS:  # what a duty's report refers to: the register it must be in
        parameter, column = KNOWN_KEYS[kind]
        with engine.connect() as conn:
            ctx.suite_parameters[parameter] = list(conn.execute(select(column).distinct()).scalars())
    facts = arrival_facts(kind, rows.frame, today, thresholds)
    facts["repeat_of"] = rows.repeat_of  # the uniqueness rules leave exact repeats to their own reason
    outcome = checkpoint(ctx, check, facts, submitted=Submitted(
        row_numbers=rows.row_numbers, raw_rows=rows.raw, earlier_reasons=rows.reasons))
    kept = rows.frame.loc[outcome.frame.index]
    _upsert(engine, kind, kept, source=report.file, run_id=report.run_id, today=today,
            checked_with=rule_version(check.suite, ctx.suite_parameters), lines=rows.row_numbers.loc[kept.index])
    report.loaded, report.quarantined = len(kept), outcome.quarantined
    report.reasons = count_reasons(outcome.reasons)
    report.warnings = {w.reason: len(w.failing_rows) for w in outcome.result.warnings if w.row_level} | rows.notes
    set_aside = ~rows.frame.index.isin(outcome.frame.index)
    report.outliers = check_submission(ctx, kind, rows.frame, set_aside, rules)
    assert report.loaded + report.quarantined == report.rows_read, "every row is loaded or quarantined"


def _upsert(engine: Engine, kind: str, rows: pd.DataFrame, *, source: str, run_id: str | None,
            today: date, checked_with: str, lines: pd.Series) -> None:
    """The rows as one batch of versions (tasks.storage.history_write), in one transaction: a row replaces
    the one with the same natural key (and primary key), which the roster's history keeps."""
    # Recorded now; a load dated another day (a replay, a test of a past day) is recorded at its noon.
    if kind not in VERSIONED:  # a duty's report: a site's quarter sent again replaces it (no roster history)
        with engine.begin() as conn:
            table = metadata.tables[kind]
            key = table.c[PRIMARY_KEYS[kind]]
            for start in range(0, len(rows), 5_000):
                conn.execute(delete(table).where(key.in_(rows[key.name].iloc[start:start + 5_000].tolist())))
            insert_frame(conn, table, rows[[c.name for c in table.columns]])
        return
    recorded_at = datetime.now() if today == date.today() else datetime.combine(today, time(12))
    with engine.begin() as conn:
        batch = open_batch(conn, f"{KIND_LABELS[kind]} {source}", recorded_at, run_id)
        write_versions(conn, kind, rows, batch_id=batch, recorded_on=today,
                       also_by=NATURAL_KEYS[kind] if NATURAL_KEYS[kind] != PRIMARY_KEYS[kind] else None,
                       checked_with=checked_with, source_rows=lines)


def _earlier(engine: Engine, sha: str) -> SimpleNamespace | None:
    """The record of an earlier ingest of the same content, if any."""
    with engine.connect() as conn:
        row = conn.execute(select(IngestedFile.__table__).where(IngestedFile.sha256 == sha)).mappings().first()
    return SimpleNamespace(**row) if row is not None else None


def _record(engine: Engine, report: FileReport, earlier: SimpleNamespace | None, launched_by: str) -> None:
    now = datetime.now()
    values = {"sha256": report.sha256, "file_name": report.file[:300], "kind": report.kind,
              "status": report.status, "county_code": report.county_code, "rows_read": report.rows_read,
              "rows_loaded": report.loaded, "rows_quarantined": report.quarantined, "reasons": report.reasons,
              "problem": report.problem, "campaign_run_id": report.run_id, "launched_by": launched_by,
              "received_at": earlier.received_at if earlier is not None else now, "ingested_at": now}
    with engine.begin() as conn:
        conn.execute(delete(IngestedFile).where(IngestedFile.sha256 == report.sha256))
        conn.execute(IngestedFile.__table__.insert().values(**values))
