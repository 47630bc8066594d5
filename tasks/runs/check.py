"""A stage's data-quality check as declared beside the stage (`Check`), the rows as submitted that it may
set aside (`Submitted`), and what it found (`StageOutcome`); `StageFailed` stops a stage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from tasks.quality.results import CheckpointResult


class StageFailed(RuntimeError):
    """A critical check failed in a way quarantine cannot absorb; the stage stops (after notifying)."""


@dataclass
class StageOutcome:
    stage: str
    frame: pd.DataFrame  # the rows that passed, for the next stage
    rows_in: int
    quarantined: int
    result: CheckpointResult
    # Quarantined row position -> every reason (a stage that does not set aside: the rows it would have).
    reasons: dict[int, list[str]] = field(default_factory=dict)
    # Rule -> rows set aside for it before the suite ran (found where the rows arrived, in a file's cells, or
    # at a recheck).
    recorded: Counter[str] = field(default_factory=Counter)
    found_before: int = 0  # rows set aside only for what was recorded before: listed then, not now

    @property
    def listed(self) -> int:
        """Rows set aside for what this stage found: the ones its workbooks list."""
        return self.quarantined - self.found_before

    @property
    def loaded(self) -> int:
        return len(self.frame)


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
    or `raw_rows` as read (the cells of a county file); the file's `row_numbers` (and, for roster rows read
    by a campaign, each row's own file: `files`); `earlier_reasons` (row position -> reasons found before
    the suite ran, e.g. unreadable cells), which quarantine those rows too; and `found_before` (row position
    -> the reasons recorded with it where it arrived, or at an earlier run's recheck): set aside and counted,
    listed for the county where they were found, not again."""

    columns: list[str] | None = None
    row_numbers: pd.Series | None = None
    files: pd.Series | None = None
    raw_rows: pd.DataFrame | None = None
    earlier_reasons: dict[int, list[str]] = field(default_factory=dict)
    found_before: dict[int, list[str]] = field(default_factory=dict)
    # household_no -> county, of the households read with them: the county of a person's or measure's row
    # (which has none of its own), as its set-aside record is counted per county.
    household_counties: pd.Series | None = None
    # A read of some columns: the rows at the given positions as submitted, every column (those set aside).
    cells_of: Callable[[list[int]], pd.DataFrame] | None = None

    def at(self, positions: np.ndarray) -> Submitted:
        """The same, for the rows at `positions` of the frame only (those a stage checks again)."""
        def pick(values):
            return None if values is None else values.iloc[positions]

        return replace(self, row_numbers=pick(self.row_numbers), files=pick(self.files), raw_rows=pick(self.raw_rows),
                       earlier_reasons={}, found_before={}, cells_of=None)
