"""The attacker statistics offices assume (τ-ARGUS, R's sdcTable): they know every published cell of every
release of the year (as rounded), the tables' linear structure and that counts are not negative, and for
each withheld cell they compute the tightest interval linear programming gives.

What the attacker relies on, each true of the figures by construction (tasks.release.figures):
- each additive figure's national value is the provinces' sum;
- a count is at most the count it is part of (AT_MOST);
- a published share ties its numerator to its denominator, within the share's rounding;
- year-to-date counts of events only grow from a quarter's release to a later one (GROWS_WITHIN_YEAR);
  a pair of figures that broke this (a late correction) is left out: the attacker cannot rely on it.

Figures tied by none of these are separate programmes (GROUPS), solved and cached apart: withholding a cell
changes only its group's intervals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from tasks.release.figures import FIGURE_BY_KEY, FIGURES, NATIONAL_CODE

AUDITED = tuple(f.key for f in FIGURES if f.household_derived)
ADDITIVE = tuple(f.key for f in FIGURES if f.household_derived and f.aggregate == "sum")
RATIOS = tuple(f for f in FIGURES if f.household_derived and f.aggregate == "ratio")
AT_MOST = (("newly_identified_households", "monitored_households"),
           ("eliminated_households", "monitored_households"),
           ("eliminated_persons", "monitored_persons"))
GROWS_WITHIN_YEAR = ("newly_identified_households", "microcredit_amount", "microcredit_households")
PUBLISHED_DIGITS = {"人": 0, "户": 0, "万元": 2, "%": 3}  # as published: shares are fractions shown to 0.1 %
UNIT_FLOOR = {"人": 1.0, "户": 1.0, "万元": 1.0, "%": 0.01}  # the least an interval must leave open
TOLERANCE = 1e-7

Cell = tuple[str, str]  # (province_code, figure)


@dataclass(frozen=True)
class Tabulation:
    """One release's table as the public has it: every cell's true value (None where there is no figure)
    and which cells were withheld. `quarter` orders the year's year-to-date releases."""

    name: str
    quarter: int
    values: Mapping[Cell, float | None]
    withheld: frozenset[Cell]
    current: bool = False  # the release being drafted: the only one whose cells can still be withheld

    def withholding(self, cells: Iterable[Cell]) -> Tabulation:
        return Tabulation(self.name, self.quarter, self.values, self.withheld | frozenset(cells), self.current)


def tabulation(name: str, quarter: int, figures: Mapping[str, float | None], withheld: Iterable[str],
               current: bool = False) -> Tabulation:
    """From flat figures keyed "<province_code>:<figure>" (as a release record keeps them) and the withheld
    cells' keys."""
    values = {}
    for key, value in figures.items():
        code, _, figure = key.partition(":")
        if figure in AUDITED:
            values[(code, figure)] = None if value is None or pd.isna(value) else float(value)
    cells = (tuple(k.split(":", 1)) for k in withheld)
    return Tabulation(name, quarter, values, frozenset(c for c in cells if c[1] in AUDITED), current)


def _groups() -> tuple[tuple[str, ...], ...]:
    ties = [*AT_MOST, *((r.numerator, r.denominator) for r in RATIOS), *((r.key, r.numerator) for r in RATIOS)]
    group = {f: {f} for f in AUDITED}
    for a, b in ties:
        joined = group[a] | group[b]
        for f in joined:
            group[f] = joined
    return tuple(dict.fromkeys(tuple(f for f in AUDITED if f in group[k]) for k in AUDITED))


GROUPS = _groups()
GROUP_OF = {figure: group for group in GROUPS for figure in group}


def required(figure: str, value: float, protection: float) -> tuple[float, float]:
    """The interval an attacker's bounds must reach around a withheld value: `protection` of it on each
    side, at least one unit of the figure, within what the figure can be (a share lies in [0, 1])."""
    unit = FIGURE_BY_KEY[figure].unit
    margin = max(protection * abs(value), UNIT_FLOOR[unit])
    return max(0.0, value - margin), min(1.0 if unit == "%" else np.inf, value + margin)


def protected(figure: str, value: float, bounds: tuple[float, float], protection: float) -> bool:
    need_low, need_high = required(figure, value, protection)
    return (bounds[0] <= need_low + TOLERANCE * max(1.0, need_low)
            and bounds[1] >= need_high - TOLERANCE * max(1.0, need_high))


def published(figure: str, value: float) -> tuple[float, float]:
    """What the attacker knows of a published cell: its value as rounded, give or take half the last digit
    (a whole count is exact)."""
    digits = PUBLISHED_DIGITS[FIGURE_BY_KEY[figure].unit]
    shown = round(value, digits)
    half = 0.0 if digits == 0 and float(value).is_integer() else 0.5 * 10.0 ** -digits
    return max(0.0, shown - half), shown + half


class Programme:
    """The attacker's linear programme over one group of figures in every tabulation: a variable per
    withheld or rounded cell, published exact counts as constants."""

    def __init__(self, tables: tuple[Tabulation, ...], group: tuple[str, ...]):
        self.tables = tables
        self.var: dict[tuple[int, Cell], int] = {}
        self.const: dict[tuple[int, Cell], float] = {}
        bounds, truth = [], []
        for t, table in enumerate(tables):
            for cell, value in sorted(table.values.items()):
                if cell[1] not in group or cell[1] not in ADDITIVE or value is None:
                    continue
                low, high = (0.0, np.inf) if cell in table.withheld else published(cell[1], value)
                if low == high:
                    self.const[(t, cell)] = low
                else:
                    self.var[(t, cell)] = len(bounds)
                    bounds.append((low, high))
                    truth.append(value)
        self.bounds = np.array(bounds, dtype=float).reshape(-1, 2)
        self.truth = np.array(truth, dtype=float)
        eq, ub = [], []
        for t, table in enumerate(tables):
            codes = sorted({code for code, _ in table.values if code != NATIONAL_CODE})
            for figure in (f for f in group if f in ADDITIVE):
                parts = [self._term(t, (c, figure)) for c in codes]
                whole = self._term(t, (NATIONAL_CODE, figure))
                if whole is not None and any(p is not None for p in parts):
                    eq.append(_combine([(1.0, whole), *((-1.0, p) for p in parts if p is not None)]))
            for code in [NATIONAL_CODE, *codes]:
                for part, whole in AT_MOST:
                    a, b = self._term(t, (code, part)), self._term(t, (code, whole))
                    if part in group and a is not None and b is not None:
                        ub.append(_combine([(1.0, a), (-1.0, b)]))
                for ratio in (r for r in RATIOS if r.key in group):
                    share = table.values.get((code, ratio.key))
                    num, den = self._term(t, (code, ratio.numerator)), self._term(t, (code, ratio.denominator))
                    if share is None or (code, ratio.key) in table.withheld or num is None or den is None:
                        continue
                    low, high = published(ratio.key, share)
                    ub += [_combine([(1.0, num), (-high, den)]), _combine([(-1.0, num), (low, den)])]
        for t1, earlier in enumerate(tables):
            for t2, later in enumerate(tables):
                if earlier.quarter >= later.quarter:
                    continue
                for cell in earlier.values:
                    if cell[1] in group and cell[1] in GROWS_WITHIN_YEAR:
                        a, b = self._term(t1, cell), self._term(t2, cell)
                        if a is not None and b is not None:
                            ub.append(_combine([(1.0, a), (-1.0, b)]))
        n = len(self.var)
        # Rows of constants only say nothing; a relation the truth breaks is one the attacker cannot rely on.
        self.eq = [r for r in eq if r[0]]
        self.ub = [r for r in ub if r[0] and _at(r, self.truth) <= TOLERANCE * (1 + abs(r[1]))]
        self.a_eq, self.b_eq = _matrix(self.eq, n)
        self.a_ub, self.b_ub = _matrix(self.ub, n)

    def _term(self, t: int, cell: Cell) -> tuple[dict[int, float], float] | None:
        if (t, cell) in self.var:
            return {self.var[(t, cell)]: 1.0}, 0.0
        if (t, cell) in self.const:
            return {}, self.const[(t, cell)]
        return None

    def interval(self, t: int, cell: Cell) -> tuple[float, float]:
        """The tightest bounds the attacker can put on a cell of tabulation `t`."""
        if cell[1] in ADDITIVE:
            term = self._term(t, cell)
            if term is None:
                return -np.inf, np.inf
            return self._bound(term, 1.0), -self._bound(term, -1.0)
        ratio = FIGURE_BY_KEY[cell[1]]
        num, den = self._term(t, (cell[0], ratio.numerator)), self._term(t, (cell[0], ratio.denominator))
        if num is None or den is None:
            return 0.0, 1.0
        return self._ratio(num, den, 1.0), -self._ratio(num, den, -1.0)

    def _bound(self, term: tuple[dict[int, float], float], sign: float) -> float:
        """min sign·term."""
        coefficients, constant = term
        if not coefficients:
            return sign * constant
        objective = np.zeros(len(self.var))
        for i, c in coefficients.items():
            objective[i] = sign * c
        result = linprog(objective, A_ub=self.a_ub, b_ub=self.b_ub, A_eq=self.a_eq, b_eq=self.b_eq,
                         bounds=self.bounds, method="highs")
        if result.status == 3:  # unbounded: nothing limits the cell on this side
            return -np.inf
        if result.status != 0:
            raise RuntimeError(f"disclosure audit: the attacker's programme failed: {result.message}")
        return float(result.fun) + sign * constant

    def _ratio(self, num: tuple[dict[int, float], float], den: tuple[dict[int, float], float], sign: float) -> float:
        """min sign·num/den (Charnes–Cooper): y = x·s with s = 1/den ≥ 0, so den(y) = 1, every row and bound
        scaled by s, and the programme linear in (y, s)."""
        n = len(self.var)
        rows = _scaled(self.a_ub, self.b_ub)
        for i, (low, high) in enumerate(self.bounds):
            rows.append(_unit(n + 1, {i: -1.0, n: low}))
            if np.isfinite(high):
                rows.append(_unit(n + 1, {i: 1.0, n: -high}))
        equal = _scaled(self.a_eq, self.b_eq)
        equal.append(_unit(n + 1, {**den[0], n: den[1]}))
        objective = sign * _unit(n + 1, {**num[0], n: num[1]})
        result = linprog(objective, A_ub=np.array(rows) if rows else None, b_ub=np.zeros(len(rows)) if rows else None,
                         A_eq=np.array(equal), b_eq=np.append(np.zeros(len(equal) - 1), 1.0),
                         bounds=[(0, None)] * (n + 1), method="highs")
        if result.status == 2:  # the denominator cannot be positive: no share to bound
            return 0.0 if sign > 0 else -1.0
        if result.status == 3:
            return -np.inf
        if result.status != 0:
            raise RuntimeError(f"disclosure audit: the attacker's share programme failed: {result.message}")
        return float(result.fun)


def _combine(terms: list[tuple[float, tuple[dict[int, float], float]]]) -> tuple[dict[int, float], float]:
    """Σ weight·term as (coefficients, constant): the row Σ c·x + constant (= 0 or ≤ 0)."""
    coefficients: dict[int, float] = {}
    constant = 0.0
    for weight, (coef, const) in terms:
        for i, c in coef.items():
            coefficients[i] = coefficients.get(i, 0.0) + weight * c
        constant += weight * const
    return {i: c for i, c in coefficients.items() if c != 0.0}, constant


def _at(row: tuple[dict[int, float], float], x: np.ndarray) -> float:
    return sum(c * x[i] for i, c in row[0].items()) + row[1]


def _matrix(rows: list[tuple[dict[int, float], float]], n: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    if not rows:
        return None, None
    matrix = np.zeros((len(rows), n))
    for r, (coefficients, _) in enumerate(rows):
        for i, c in coefficients.items():
            matrix[r, i] = c
    return matrix, -np.array([constant for _, constant in rows])


def _scaled(matrix: np.ndarray | None, rhs: np.ndarray | None) -> list[np.ndarray]:
    """Rows a·x ≤ b (or = b) as a·y − b·s for the Charnes–Cooper variables (y, s)."""
    return [] if matrix is None else [np.append(row, -b) for row, b in zip(matrix, rhs, strict=True)]


def _unit(n: int, entries: Mapping[int, float]) -> np.ndarray:
    out = np.zeros(n)
    for i, v in entries.items():
        out[i] += v
    return out


class Attacker:
    """Intervals on cells of tabulations whose withheld cells grow: each group's programme and intervals are
    kept for the withheld cells they were computed with, so that withholding a cell recomputes only its
    group."""

    def __init__(self) -> None:
        self._programmes: dict[tuple, Programme] = {}
        self._intervals: dict[tuple, tuple[float, float]] = {}

    def interval(self, tables: list[Tabulation], t: int, cell: Cell) -> tuple[float, float]:
        group = GROUP_OF[cell[1]]
        key = (group, tuple(frozenset(c for c in table.withheld if c[1] in group) for table in tables))
        if (key, t, cell) not in self._intervals:
            if key not in self._programmes:
                self._programmes[key] = Programme(tuple(tables), group)
            self._intervals[(key, t, cell)] = self._programmes[key].interval(t, cell)
        return self._intervals[(key, t, cell)]
