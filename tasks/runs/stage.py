"""A stage is step → checkpoint → notify. This module is the checkpoint-and-notify half, shared by every
campaign: validate with the stage's suite, quarantine failing rows with every reason, record the results,
build Data Docs and Prefect artifacts, notify, and stop the stage on a blocking failure (after notifying)."""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Engine, select

from tasks.model import County
from tasks.notify import Notifier, build_message
from tasks.outputs.links import report_link
from tasks.outputs.set_aside import FOLDER as SET_ASIDE_FOLDER
from tasks.quality.docs import RunDataDocs
from tasks.quality.gx import validate_frame
from tasks.quality.results import CheckpointResult
from tasks.quality.rules import title
from tasks.quality.stage_titles import stage_title
from tasks.quality.store import forget_checkpoint, record_checkpoint
from tasks.reference.counties import successors
from tasks.runs.record import finish_run
from tasks.settings import Settings, get_settings
from tasks.storage.versions import RosterView

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
    today: date  # the day the run's period is seen as of (a screening's as_of; else the day it runs)
    flow_run_url: str | None = None
    dry_run: bool = False
    suite_parameters: dict[str, Any] = field(default_factory=dict)
    docs: RunDataDocs | None = None
    quality_rows: list[dict[str, Any]] = field(default_factory=list)  # every checkpoint's results, for one artifact
    timings: list[dict[str, Any]] = field(default_factory=list)  # every timed step, for one artifact
    closed: bool = False  # close_run has recorded the run's end
    set_aside_written: bool = False  # the flow wrote the workbooks of rows set aside (flows.set_aside)
    # Workbooks of rows set aside: written (new or changed), and left as the campaign last wrote them.
    workbooks_written: int = 0
    workbooks_unchanged: int = 0
    set_aside_by_county: list[dict[str, Any]] = field(default_factory=list)  # tasks.outputs.set_aside.Workbooks
    # The settings the run started with, read once where it was launched. They hold secrets (the database
    # password, the Slack token), so they never travel: a partition on another process reads its own
    # environment's, as a Dask worker must (README: the scale path).
    settings: Settings = field(default_factory=get_settings)
    # When the run started, on the configured time zone's wall clock: what "in the future" means for every
    # check. Not `today`: a record of the as-of day itself, or made since, is not a defect (a close-out as of
    # 30 June runs on 1 July and sees leads reported on the 30th and verified since).
    clock: datetime | None = None
    # The last roster batch the run reads (tasks.storage.versions): None, all of them. With the period's
    # as-of day it says which version of each row the run sees.
    watermark: int | None = None
    previous_watermark: int | None = None  # what the same campaign's last completed run of the period read
    rows_rechecked: int = 0  # roster rows whose own rules changed since they were checked (tasks.runs.inputs)

    def __post_init__(self) -> None:
        if self.docs is None:
            self.docs = RunDataDocs(self.output_dir / "data_docs", self.run_id)
        if self.clock is None:
            self.clock = datetime.now(self.settings.tz).replace(tzinfo=None)
        self.suite_parameters.setdefault("today", pd.Timestamp(self.clock))

    def reference_parameters(self) -> dict[str, Any]:
        """The suites' parameters with the reference data they read, loaded once per run."""
        if "known_county_codes" not in self.suite_parameters:
            self.suite_parameters["known_county_codes"] = known_county_codes(self.engine)
        return self.suite_parameters

    def roster_view(self, as_of: date | pd.Timestamp | None) -> RosterView:
        """The roster as it stood at the end of `as_of`, as recorded up to the run's watermark."""
        return RosterView(pd.Timestamp(as_of).date() if as_of is not None else None, self.watermark)

    @contextmanager
    def timed(self, stage: str, rows: int | None = None, scope: str | None = None) -> Iterator[dict[str, Any]]:
        """Time a step; the caller may set `rows` on the yielded entry once it knows them."""
        entry: dict[str, Any] = {"stage": stage, "scope": scope or "", "rows": rows, "started": time.time()}
        clock = time.perf_counter()
        try:
            yield entry
        finally:
            entry["seconds"] = round(time.perf_counter() - clock, 3)
            entry["ended"] = time.time()
            entry["peak_rss_mb"] = peak_rss_mb()  # the process's peak so far: where memory grows
            self.timings.append(entry)

    def fork(self) -> CampaignContext:
        """The context a partition task works with: the same run, with records of its own that the task
        returns and the flow takes back with `absorb` (a task on a Dask worker cannot append to ours)."""
        docs = RunDataDocs(self.docs.folder, self.run_id) if self.docs is not None else None
        return dataclasses.replace(self, docs=docs, quality_rows=[], timings=[],
                                   suite_parameters=dict(self.suite_parameters), rows_rechecked=0)

    def absorb(self, other: CampaignContext) -> None:
        self.quality_rows.extend(other.quality_rows)
        self.timings.extend(other.timings)
        self.rows_rechecked += other.rows_rechecked
        if self.docs is not None and other.docs is not None:
            self.docs.merge(other.docs)

    def __getstate__(self) -> dict[str, Any]:
        # Sent to another process (a Dask worker): connections do not travel, settings rebuild them there.
        state = self.__dict__.copy()
        state["_notify"] = state.pop("notifier") is not None
        state["engine"] = state["settings"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        from tasks.notify import build_notifier
        from tasks.storage.engine import shared_engine

        notify = state.pop("_notify")
        self.__dict__.update(state)
        self.settings = get_settings()
        self.engine = shared_engine(self.settings)
        self.notifier = build_notifier(self.settings, engine=self.engine) if notify else None


@dataclass
class StageOutcome:
    stage: str
    frame: pd.DataFrame  # the rows that passed, for the next stage
    rows_in: int
    quarantined: int
    result: CheckpointResult
    # Quarantined row position -> every reason (a stage that does not set aside: the rows it would have).
    reasons: dict[int, list[str]] = field(default_factory=dict)
    # Rule -> rows set aside for it before the suite ran (found where the rows arrived, or in a file's cells).
    recorded: Counter[str] = field(default_factory=Counter)

    @property
    def loaded(self) -> int:
        return len(self.frame)


def peak_rss_mb() -> int:
    """This process's peak resident memory in MB (Linux reports kilobytes, macOS bytes)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024))


def known_county_codes(engine: Engine) -> list[str]:
    """The counties of the database, and the retired codes of GB/T 2260 with a successor: a record made
    before a county changed its code stays valid."""
    with engine.connect() as conn:
        return [*conn.execute(select(County.code)).scalars(), *successors()]


Announce = Literal["always", "problems", "blocking"]


@dataclass(frozen=True)
class Check:
    """A stage's data-quality check, declared beside the stage it guards."""

    stage: str  # how results, Data Docs and messages name the stage
    suite: str  # expectations/<suite>.json
    key: str | None = None  # the column that names a row in results, quarantine and messages
    # "always"; "problems" (a follow-up check: only failures); "blocking" (the caller reports the figures
    # itself, e.g. in one message per province: only a stopped stage is announced here).
    announce: Announce = "always"
    source: str = ""  # where quarantined rows came from (a table, a file; default: the suite)
    scopes: frozenset[str] | None = None  # only the suite's rules of these scopes (tasks.quality.gx); None: all
    # Who hears of it, when not the campaign's channel: the inputs' quality is the data stewards' to fix
    # (`data-quality` in channels.toml), not the press office's.
    audience: str | None = None
    # False: the stage finds and reports, and the rows it finds are set aside by the stage after it (which
    # lists each row once, with every reason).
    sets_aside: bool = True
    # Announce the same findings once: a rerun, or the next period's run, that finds what was announced
    # already says nothing (the data stewards heard it); findings that changed are announced.
    say_once: bool = False


@dataclass
class Submitted:
    """Rows as they were submitted, for the quarantine: `columns` of the frame stored per row (default all),
    or `raw_rows` as read (the cells of a county file); the file's `row_numbers`; and `earlier_reasons` (row
    position -> reasons found before the suite ran, e.g. unreadable cells), which quarantine those rows too."""

    columns: list[str] | None = None
    row_numbers: pd.Series | None = None
    raw_rows: pd.DataFrame | None = None
    earlier_reasons: dict[int, list[str]] = field(default_factory=dict)


def checkpoint(ctx: CampaignContext, check: Check, frame: pd.DataFrame, *, province: str | None = None,
               scope: str | None = None, submitted: Submitted | None = None) -> StageOutcome:
    """Validate `frame` with the check's suite; quarantine, record, document and notify; raise StageFailed if
    blocked. `scope` (default `province`) names the partition a stage run once per partition covers."""
    stage, suite, key = check.stage, check.suite, check.key
    submitted = submitted or Submitted()
    scope = scope if scope is not None else province
    with ctx.timed(f"{stage} · {suite}", rows=len(frame), scope=scope):
        result = validate_frame(frame, suite, key, ctx.reference_parameters(), scopes=check.scopes)
    found = _merge_reasons(submitted.earlier_reasons, result.quarantine_reasons())
    reasons = found if check.sets_aside else {}
    failing = sorted(reasons)
    kept = frame.drop(index=frame.index[failing]) if failing else frame
    quarantined = len(failing)
    if not ctx.dry_run:
        with ctx.timed(f"{stage} · record", rows=quarantined, scope=scope):
            record_checkpoint(ctx.engine, run_id=ctx.run_id, stage=stage, source=check.source or suite, frame=frame,
                              result=result, key=key, columns=submitted.columns, row_numbers=submitted.row_numbers,
                              reasons=reasons, raw_rows=submitted.raw_rows, scope=scope)
    if not ctx.dry_run and ctx.docs is not None and result.validation is not None:
        ctx.docs.add(_slug(f"{stage}-{province or 'all'}"), result.validation)
    ctx.quality_rows.extend({"stage": stage, "province": province or "", "scope": scope or "", "suite": result.suite,
                             **row}
                            for row in result.summary_rows())
    outcome = StageOutcome(stage, kept, len(frame), quarantined, result, found,
                           recorded=Counter(reason.partition(": ")[0] for reasons in submitted.earlier_reasons.values()
                                            for reason in dict.fromkeys(reasons)))
    problems = not result.passed or quarantined > 0  # rows set aside as recorded, found before this run
    if check.announce == "always" or (check.announce == "problems" and problems) or result.blocking:
        _notify(ctx, outcome, province, check, scope)
    if result.blocking:
        publish_data_docs(ctx)  # the run may end here: leave its docs behind
        rules = "、".join(f"{title(o.rule, suite)}（{o.rule}）" for o in result.blocking)
        raise StageFailed(f"{ctx.label}: {stage_title(stage)}未通过，已停止 / stage {stage!r} stopped by critical "
                          f"check(s) of {suite}: {rules}")
    return outcome


def forget_stage(ctx: CampaignContext, check: Check, scope: str | None) -> None:
    """What a stage not run this time recorded for the run before (a rerun whose rows needed no recheck)."""
    if not ctx.dry_run:
        forget_checkpoint(ctx.engine, run_id=ctx.run_id, stage=check.stage, suite=check.suite, scope=scope)


def _merge_reasons(*found: dict[int, list[str]]) -> dict[int, list[str]]:
    merged: dict[int, list[str]] = {}
    for reasons in found:
        for row, items in reasons.items():
            merged.setdefault(row, []).extend(items)
    return merged


ROWS_IN, PASSED = "输入行数 / rows in", "通过 / passed"
SAID_EACH_RUN = (ROWS_IN, PASSED)  # what the roster's growth changes: not a finding


def stage_message_figures(outcome: StageOutcome) -> dict[str, object]:
    r = outcome.result
    return {"检查套件 / suite": r.suite, ROWS_IN: outcome.rows_in, PASSED: outcome.loaded,
            "隔离 / quarantined": outcome.quarantined, "严重问题 / critical": len(r.critical_failures),
            "警告 / warnings": len(r.warnings)}


def _notify(ctx: CampaignContext, outcome: StageOutcome, province: str | None, check: Check,
            scope: str | None) -> None:
    if ctx.notifier is None:
        return
    r = outcome.result
    status = "未通过 / stopped" if r.blocking else ("有问题 / issues" if not r.passed else "通过 / passed")
    where = f" · {province}" if province else ""
    failing = sorted((o for o in r.outcomes if not o.success), key=lambda o: (o.severity != "critical",
                                                                             -(o.unexpected_count or 0)))
    findings = [f"{'严重' if o.severity == 'critical' else '警告'}: {title(o.rule, r.suite)} — "
                f"{o.unexpected_count if o.unexpected_count is not None else '表级'} 行" for o in failing[:MAX_ACTIONS]]
    findings += [f"入库时检出 / found on arrival: {title(rule, r.suite)} — {n} 行"
                 for rule, n in outcome.recorded.most_common(MAX_ACTIONS)]
    actions = list(findings)
    if outcome.quarantined:
        actions.append(f"{outcome.quarantined} 行已隔离，各县的隔离行、原因和更正方法见 / rows set aside, by county "
                       f"with reasons and fixes: {report_link(ctx.output_dir / SET_ASIDE_FOLDER, ctx.settings)}")
    figures = stage_message_figures(outcome)
    if check.say_once:  # the findings, not the run: the same in a rerun and in the next period's run
        heard = f"{outcome.stage}:{r.suite}:{province or scope or ''}"
        figures = {k: v for k, v in figures.items() if k not in SAID_EACH_RUN}
        compared = "\n".join([heard, status, *findings, str(outcome.quarantined)])
        title_text = f"{stage_title(outcome.stage)}{where}: {status}"
    else:
        heard = f"{ctx.run_id}:{outcome.stage}:{r.suite}:{province or ''}"
        compared = None
        title_text = f"{ctx.label} · {stage_title(outcome.stage)}{where}: {status}"
    message = build_message(
        heard, title_text, figures, actions, ctx.flow_run_url, campaign=check.audience or ctx.campaign,
        province=province, campaign_run_id=ctx.run_id, run_label=ctx.label, compared=compared,
        severity="critical" if r.blocking else ("warning" if not r.passed else "info"),
    )
    try:
        ctx.notifier.notify(message)
    except Exception:  # the outbox is the database: if that is gone, the stage's own error follows
        log.exception("could not store the notification for stage %s", outcome.stage)


def publish_data_docs(ctx: CampaignContext) -> Path | None:
    """Render the run's Data Docs into its output folder; give the Prefect run a link to them and one table
    of every checkpoint's results (one artifact per run, not per checkpoint: 31 provinces × 10 checks)."""
    if ctx.quality_rows and _in_flow_run():
        from prefect.artifacts import create_table_artifact

        from tasks.quality.results import artifact_rows

        create_table_artifact(artifact_rows(ctx.quality_rows), key=_slug(f"{ctx.campaign}-quality"),
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
                             key=_slug(f"{ctx.campaign}-data-docs"), description=f"Data Docs of {ctx.label}")
    return index


def publish_timings(ctx: CampaignContext) -> None:
    """One table artifact of every timed step (where a run spent its time; bench/harness.py reads it)."""
    if ctx.timings and _in_flow_run():
        from prefect.artifacts import create_table_artifact

        create_table_artifact(ctx.timings, key=_slug(f"{ctx.campaign}-timings"),
                              description=f"{ctx.label}: seconds per step")


def close_run(ctx: CampaignContext, status: str, error: str | None = None) -> None:
    """The end of a campaign run: its Data Docs, quality and timing artifacts published, its record finished
    (not in a dry run, which records nothing)."""
    publish_data_docs(ctx)
    publish_timings(ctx)
    if not ctx.dry_run:
        finish_run(ctx.engine, ctx.run_id, status, error=error[:2000] if error else None,
                   rows_rechecked=ctx.rows_rechecked)
    ctx.closed = True


def _in_flow_run() -> bool:
    from prefect.runtime import flow_run

    return bool(flow_run.get_id())


def _slug(text: str) -> str:
    """Prefect artifact keys: lower-case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:100] or "stage"
