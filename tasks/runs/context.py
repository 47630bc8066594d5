"""What every stage of one campaign run shares: the run's context (its record's id, database, notifier,
output folder, time and settings, what its stages found and how long they took)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from tasks.model import County
from tasks.notify import Notifier, build_message
from tasks.quality.docs import RunDataDocs
from tasks.reference.counties import successors
from tasks.reference.provinces import PROVINCES
from tasks.settings import Settings, get_settings
from tasks.storage.versions import RosterView


@dataclass
class CampaignContext:
    """What every stage of one campaign run needs."""

    run_id: str
    campaign: str  # screening / assessment / release / ingest / demo
    label: str  # how people name the run, e.g. "集中排查 2023 progress"
    engine: Engine
    notifier: Notifier | None  # None in a dry run: notify nobody
    output_dir: Path
    as_of: date  # the day the run's period is seen as of (a screening's as_of; else the day it runs)
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
    workbooks_unchanged: set[str] = field(default_factory=set)  # codes: tasks.outputs.set_aside.Workbooks
    set_aside_listed: dict[str, int] = field(default_factory=dict)  # county -> rows its workbook lists
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
    inputs: str | None = None  # the digest of what the run's answer is made of (tasks.runs.answered)
    previous_run: dict[str, Any] = field(default_factory=dict)  # what the last completed run of it recorded
    answered_by: str | None = None  # the answer is the earlier run's that finished then, from the same inputs

    def __post_init__(self) -> None:
        if self.docs is None:
            self.docs = RunDataDocs(self.output_dir / "data_docs", self.run_id)
        if self.clock is None:
            self.clock = datetime.now(self.settings.tz).replace(tzinfo=None)
        self.suite_parameters.setdefault("today", pd.Timestamp(self.clock))
        self.suite_parameters.setdefault("known_province_codes", [p.code for p in PROVINCES])

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

    def announce(self, key: str, title: str, figures: dict[str, Any] | None = None, actions: Sequence[str] = (), *,
                 once: bool = False, **route: Any) -> None:
        """Tell the people `route` names (campaign, province, county, staff, severity; default the
        coordinators), with the run's label and link. Keyed `<run id>:<key>`: a rerun's message replaces its
        own; `once`: keyed by `key` alone, so another run that finds the same tells nobody again. A dry run
        tells nobody."""
        if self.notifier is None:
            return
        self.notifier.notify(build_message(key if once else f"{self.run_id}:{key}", title, figures, actions,
                                           self.flow_run_url, campaign_run_id=self.run_id, run_label=self.label,
                                           **route))

    def has_own_channel(self, county: str) -> bool:
        """Whether `county` has channels of its own (channels.toml [counties]), where a message per county can
        go; without them it would reach the coordinators, one per county (none in a dry run)."""
        return self.notifier is not None and self.notifier.router.route(county=county).level == "counties"

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
        self.settings = get_settings()  # this worker's environment: settings hold secrets and never travel
        self.engine = shared_engine(self.settings)
        self.notifier = build_notifier(self.settings, engine=self.engine) if notify else None


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
