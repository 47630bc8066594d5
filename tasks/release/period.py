"""The release period: a quarter of a year, whose figures run from 1 January to the quarter's end (year to
date), as the seed's 按季、半年、全年例行发布 puts it: Q1 一季度, Q2 上半年, Q3 前三季度, Q4 全年."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

MIN_YEAR = 2021  # the first year of the 衔接 (linkage) period: nothing to release before it
MAX_YEAR = 2100
RELEASE_TYPES = {1: "一季度", 2: "上半年", 3: "前三季度", 4: "全年"}
RELEASE_TYPES_EN = {1: "first quarter", 2: "first half", 3: "first three quarters", 4: "full year"}
_LABEL = re.compile(r"(\d{4})[Qq]([1-4])")


@dataclass(frozen=True, order=True)
class Period:
    """A quarter. The constructor only checks the quarter, so that `previous()` and `same_period_last_year()`
    of an early period still exist (they simply have no data); `parse` holds what a user may ask for to the
    programme's years, MIN_YEAR to MAX_YEAR."""

    year: int
    quarter: int

    def __post_init__(self) -> None:
        if self.quarter not in RELEASE_TYPES:
            raise ValueError(f"quarter must be 1 to 4, not {self.quarter!r}")

    @classmethod
    def parse(cls, text: str) -> Period:
        """"2023Q2" (lower-case q and surrounding spaces accepted) → Period(2023, 2)."""
        found = _LABEL.fullmatch(text.strip()) if isinstance(text, str) else None
        if found is None:
            raise ValueError(f"period {text!r} is not a quarter like 2023Q2 (year, Q, quarter 1-4)")
        year = int(found.group(1))
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"period {text!r}: the year must be between {MIN_YEAR} and {MAX_YEAR}")
        return cls(year, int(found.group(2)))

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def release_type(self) -> str:
        return RELEASE_TYPES[self.quarter]

    @property
    def release_type_en(self) -> str:
        return RELEASE_TYPES_EN[self.quarter]

    @property
    def start(self) -> date:
        """1 January: every release reports the year to date, whatever the quarter."""
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        """The last day of the quarter (inclusive)."""
        if self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    def previous(self) -> Period:
        """The quarter before: 2024Q1 → 2023Q4."""
        return Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year, self.quarter - 1)

    def same_period_last_year(self) -> Period:
        return Period(self.year - 1, self.quarter)

    @property
    def title(self) -> str:
        return f"{self.year}年{self.release_type}巩固拓展脱贫攻坚成果数据发布"

    def __str__(self) -> str:
        return self.label


def period_containing(at: date | datetime) -> Period:
    return Period(at.year, (at.month - 1) // 3 + 1)


def default_period(at: date | datetime) -> Period:
    """The quarter before the one containing `at`: a release follows the quarter it reports
    (2024-01-15 → 2023Q4, 2023-04-15 → 2023Q1)."""
    return period_containing(at).previous()
