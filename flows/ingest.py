"""The ingest-inbox sweep: county submissions dropped in the inbox are checked and loaded (or quarantined
row by row, or refused as a whole) and moved out of the inbox; a scheduled deployment runs it often."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run

from tasks.ingest.inbox import SweepSummary, sweep
from tasks.ingest.report import FileReport
from tasks.notify import build_notifier
from tasks.notify.hooks import failure_hook, flow_run_url
from tasks.quality.outliers import OutlierRules
from tasks.runs.record import launched_by as run_launcher
from tasks.settings import get_settings
from tasks.storage.engine import build_engine

ARTIFACT_COLUMNS = ("file", "status", "kind", "rows_read", "loaded", "quarantined", "county_code", "problem")
DEFAULT_RULES = OutlierRules()  # a module-level default: Prefect builds the form from the signature


def _artifact_row(report: FileReport) -> dict:
    """A file's line in the sweep's artifact: its figures, and its outliers as one text cell."""
    figures = report.as_dict()
    return {k: figures[k] for k in ARTIFACT_COLUMNS} | {"outliers": "；".join(report.outliers)}


def _run_name() -> str:
    return f"ingest inbox {datetime.now(get_settings().tz):%Y-%m-%d %H:%M}"


@flow(name="ingest-inbox", flow_run_name=_run_name, on_failure=[failure_hook("ingest")],
      on_crashed=[failure_hook("ingest")])
def ingest_inbox(outliers: OutlierRules = DEFAULT_RULES) -> SweepSummary:
    """报送文件接收: ingest every file in the inbox (CAMPAIGNS_INBOX_DIR) and move it to the archive or,
    refused, to the rejected folder with an error report; the county hears of any problem, and of its
    indicators far from usual once a file is loaded (`outliers`: tasks.ingest.outliers)."""
    logger = get_run_logger()
    settings = get_settings()
    engine = build_engine(settings)
    launched_by = run_launcher()
    result = sweep(engine, settings, build_notifier(settings, engine), today=datetime.now(settings.tz).date(),
                   launched_by=launched_by, link=flow_run_url(flow_run.get_id(), settings), outlier_rules=outliers)
    for report in result.reports:
        logger.info(report.summary_line())
    if result.waiting:
        logger.info("left for the next sweep (still being copied?): %s", ", ".join(result.waiting))
    if result.reports:
        create_table_artifact([_artifact_row(r) for r in result.reports],
                              key="ingest-files", description="报送文件处理结果 / files ingested")
    return result.summary()
