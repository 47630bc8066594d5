"""Shared helpers for the synthetic generator: the province context, dates, phones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.reference.provinces import Province


@dataclass(frozen=True)
class ProvinceContext:
    province: Province
    year: int
    counties: pd.DataFrame  # the province's counties
    threshold: float  # 监测范围 of `year`
    prev_threshold: float
    rng: np.random.Generator

    @property
    def code(self) -> str:
        return self.province.code


def threshold_for(province: Province, year: int) -> float:
    """A plausible provincial threshold: the 2023 figure grown about 5 % a year, to the ten yuan."""
    return float(round(province.threshold_2023 * 1.05 ** (year - 2023), -1))


def random_dates(rng: np.random.Generator, start: str, end: str, n: int,
                 weights: np.ndarray | None = None) -> np.ndarray:
    """`n` days between start and end inclusive (datetime64[D]), optionally weighted by day."""
    first, last = np.datetime64(start, "D"), np.datetime64(end, "D")
    days = int((last - first).astype(int)) + 1
    offsets = rng.integers(0, days, n) if weights is None else rng.choice(days, size=n, p=weights / weights.sum())
    return first + offsets.astype("timedelta64[D]")


def random_phones(rng: np.random.Generator, n: int) -> pd.Series:
    prefix = np.array(["13", "15", "17", "18", "19"])[rng.integers(0, 5, n)]
    body = pd.Series(rng.integers(0, 1_000_000_000, n)).astype("str").str.zfill(9)
    return pd.Series(prefix, dtype="str") + body


def seq_within(groups: np.ndarray) -> np.ndarray:
    """0-based position of each element within its run of equal values (input sorted by group)."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(groups[1:] != groups[:-1]) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    return np.arange(n) - run_start


def pick(rng: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(options), dtype=object)
    p = np.array(list(options.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]
