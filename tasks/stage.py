"""A stage is step → checkpoint → notify. This module is the checkpoint-and-notify half, shared by every
campaign: validate with the stage's suite, quarantine failing rows with every reason, record the results,
build Data Docs and Prefect artifacts, notify, and stop the stage on a blocking failure (after notifying)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from tasks.model import County
from tasks.notify import Notifier, build_message
from tasks.quality.docs import RunDataDocs
from tasks.quality.gx import validate_frame
from tasks.quality.results import CheckpointResult
from tasks.quality.store import record_checkpoint

log = logging.getLogger(__name__)
MAX_ACTIONS = 6


class StageFailed(RuntimeError):
    """A critical check failed in a way quarantine cannot absorb; the stage stops (after notifying)."""


@dataclass
class CampaignContext:
    """What every stage of one campaign run needs."""

    run_id: str
    campaign: str  # screening / assessment / release / ingest / demo
    label: str  # how people name the run, e.g. "集中排查 2023 progress"
    engine: Engine
    notifier: Notifier | None  # None in a dry run: notify nobody
    output_dir: Path
    today: date
    flow_run_url: str | None = None
    dry_run: bool = False
    suite_parameters: dict[str, Any] = field(default_factory=dict)
    docs: RunDataDocs | None = None

    def __post_init__(self) -> None:
        if self.docs is None:
            self.docs = RunDataDocs(self.output_dir / "data_docs", self.run_id)
        self.suite_parameters.setdefault("today", pd.Timestamp(self.today))


@dataclass
class StageOutcome:
    stage: str
    frame: pd.DataFrame  # the rows that passed, for the next stage
    rows_in: int
    quarantined: int
    result: CheckpointResult

    @property
    def loaded(self) -> int:
        return len(self.frame)


def known_county_codes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(County.code)).scalars())


def run_stage(ctx: CampaignContext, stage: str, step: Callable[[], pd.DataFrame], suite: str, *,
              key: str | None = None, source: str = "", province: str | None = None,
              columns: list[str] | None = None, row_numbers: pd.Series | None = None) -> StageOutcome:
    """step → checkpoint → notify."""
    return checkpoint(ctx, stage, step(), suite, key=key, source=source, province=province, columns=columns,
                      row_numbers=row_numbers)


def checkpoint(ctx: CampaignContext, stage: str, frame: pd.DataFrame, suite: str, *, key: str | None = None,
               source: str = "", province: str | None = None, columns: list[str] | None = None,
               row_numbers: pd.Series | None = None, notify_passed: bool = True) -> StageOutcome:
    """Validate `frame` with `suite`; quarantine, record, document and notify; raise StageFailed if blocked.
    With `notify_passed=False` (a follow-up check inside a stage) only a failure is announced."""
    if "known_county_codes" not in ctx.suite_parameters:
        ctx.suite_parameters["known_county_codes"] = known_county_codes(ctx.engine)
    result = validate_frame(frame, suite, key, ctx.suite_parameters)
    failing = sorted(result.quarantine_reasons())
    kept = frame.drop(index=frame.index[failing]) if failing else frame
    quarantined = len(failing)
    if not ctx.dry_run:
        record_checkpoint(ctx.engine, run_id=ctx.run_id, stage=stage, source=source or suite, frame=frame,
                          result=result, key=key, columns=columns, row_numbers=row_numbers)
    docs_index = _build_docs(ctx, stage, province, result)
    _artifacts(ctx, stage, province, result, docs_index)
    outcome = StageOutcome(stage, kept, len(frame), quarantined, result)
    if notify_passed or not result.passed:
        _notify(ctx, outcome, province)
    if result.blocking:
        rules = ", ".join(o.rule for o in result.blocking)
        raise StageFailed(f"{ctx.label}: stage {stage!r} stopped by critical check(s) of {suite}: {rules}")
    return outcome


def stage_message_figures(outcome: StageOutcome) -> dict[str, object]:
    r = outcome.result
    return {"检查套件 / suite": r.suite, "输入行数 / rows in": outcome.rows_in, "通过 / passed": outcome.loaded,
            "隔离 / quarantined": outcome.quarantined, "严重问题 / critical": len(r.critical_failures),
            "警告 / warnings": len(r.warnings)}


def _notify(ctx: CampaignContext, outcome: StageOutcome, province: str | None) -> None:
    if ctx.notifier is None:
        return
    r = outcome.result
    status = "未通过 / stopped" if r.blocking else ("有问题 / issues" if not r.passed else "通过 / passed")
    where = f" · {province}" if province else ""
    failing = sorted((o for o in r.outcomes if not o.success), key=lambda o: (o.severity != "critical",
                                                                             -(o.unexpected_count or 0)))
    actions = [f"{o.severity}: {o.rule} — {o.unexpected_count if o.unexpected_count is not None else '表级'} 行"
               for o in failing[:MAX_ACTIONS]]
    if outcome.quarantined:
        actions.append(f"{outcome.quarantined} 行已隔离，请在 quarantined_rows 中核查 / rows quarantined for review")
    message = build_message(
        f"{ctx.run_id}:{outcome.stage}:{r.suite}:{province or ''}",
        f"{ctx.label} · {outcome.stage}{where}: {status}", stage_message_figures(outcome), actions,
        ctx.flow_run_url, campaign=ctx.campaign, province=province, campaign_run_id=ctx.run_id,
    )
    try:
        ctx.notifier.notify(message)
    except Exception:  # the outbox is the database: if that is gone, the stage's own error follows
        log.exception("could not store the notification for stage %s", outcome.stage)


def _build_docs(ctx: CampaignContext, stage: str, province: str | None, result: CheckpointResult) -> Path | None:
    if ctx.dry_run or ctx.docs is None or result.validation is None:
        return None
    try:
        return ctx.docs.add(_slug(f"{stage}-{province or 'all'}"), result.validation)
    except Exception:  # documentation must not fail a stage
        log.exception("could not build Data Docs for stage %s", stage)
        return None


def _artifacts(ctx: CampaignContext, stage: str, province: str | None, result: CheckpointResult,
               docs_index: Path | None) -> None:
    from prefect.runtime import flow_run

    if not flow_run.get_id():
        return
    from prefect.artifacts import create_link_artifact, create_table_artifact

    key = _slug(f"{ctx.campaign}-{stage}-{province or 'all'}-{result.suite}")
    create_table_artifact(result.summary_rows(), key=key,
                          description=f"{ctx.label} · {stage}: {result.suite} ({result.rows} rows)")
    if docs_index is not None:
        create_link_artifact(docs_index.resolve().as_uri(), link_text="GX Data Docs",
                             key=_slug(f"{ctx.campaign}-data-docs"), description=f"Data Docs of {ctx.label}")


def _slug(text: str) -> str:
    """Prefect artifact keys: lower-case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:100] or "stage"
