"""An attacker written for the tests, apart from tasks.release.attacker: it reads only what was published (the
`tables.csv` of each release of the year, "—" where a cell was withheld) and asks, with scipy's linear
programming, how closely each withheld cell can be pinned.

What it assumes, as a statistics office's attacker would: counts are not negative; each column's 全国 row is
the provinces' sum; newly identified and eliminated households are at most the monitored ones, eliminated
persons at most the monitored persons; a published share is eliminated persons over monitored persons, to
within its rounding; a year-to-date count of events (new identifications, loans) does not fall from one
quarter's release to a later one. Published cells are known to within half their last digit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

# The published tables' headers (tasks.release.render.table_header) and what the attacker knows of them.
COUNTS = {"纳入监测对象户数(户)": "mh", "纳入监测对象人数(人)": "mp", "今年新识别监测户数(户)": "nh",
          "风险已消除监测户数(户)": "eh", "风险已消除监测对象人数(人)": "ep",
          "公益岗位安置脱贫人口和监测对象(人)": "pw",
          "脱贫人口小额信贷发放金额(万元)": "ma", "脱贫人口小额信贷支持户数(户)": "mc"}
SHARE = "风险已消除监测对象占比(%)"
HALF = {"ma": 0.005}  # 万元 to two decimals; counts are whole
PARTS = (("nh", "mh"), ("eh", "mh"), ("ep", "mp"))
GROWING = ("nh", "ma", "mc")
NATIONAL = "00"


@dataclass
class Finding:
    release: str
    province_code: str
    column: str
    value: float  # the true value, from the release record
    lower: float  # the attacker's tightest bounds (for a share: the required ends, when reachable)
    upper: float
    protected: bool


def attack(published: dict[str, tuple[int, pd.DataFrame]], truth: dict[str, dict[str, float]],
           protection: float = 0.20) -> list[Finding]:
    """`published`: release name -> (quarter, its tables.csv read as text); `truth`: release name -> its
    record's figures ("<code>:<figure>" -> value). One finding per withheld cell that has a value."""
    keys = {v: k for k, v in _FIGURE_KEYS.items()}
    index: dict[tuple[str, str, str], int] = {}
    bounds = []
    for name, (_, table) in published.items():
        for _, row in table.iterrows():
            for header, short in COUNTS.items():
                cell = row[header]
                index[(name, row["省代码"], short)] = len(bounds)
                if cell == "—":
                    bounds.append((0.0, None))
                else:
                    value, half = float(cell.replace(",", "")), HALF.get(short, 0.0)
                    bounds.append((max(0.0, value - half), value + half))
    n = len(bounds)
    eq, ub = [], []
    for name, (_, table) in published.items():
        codes = [c for c in table["省代码"] if c != NATIONAL]
        for short in COUNTS.values():
            row = np.zeros(n)
            row[index[(name, NATIONAL, short)]] = 1.0
            for code in codes:
                row[index[(name, code, short)]] -= 1.0
            eq.append(row)
        for _, line in table.iterrows():
            code = line["省代码"]
            for part, whole in PARTS:
                ub.append(_row(n, {index[(name, code, part)]: 1.0, index[(name, code, whole)]: -1.0}))
            if line[SHARE] != "—":
                share = float(line[SHARE]) / 100
                low, high = share - 0.0005, share + 0.0005
                e, m = index[(name, code, "ep")], index[(name, code, "mp")]
                ub += [_row(n, {e: 1.0, m: -high}), _row(n, {e: -1.0, m: low})]
    for first, (q1, table) in published.items():
        for second, (q2, _) in published.items():
            if q1 < q2:
                for code in table["省代码"]:
                    for short in GROWING:
                        a, b = index.get((first, code, short)), index.get((second, code, short))
                        if a is not None and b is not None:
                            true_a = truth[first].get(f"{code}:{keys[short]}")
                            true_b = truth[second].get(f"{code}:{keys[short]}")
                            if true_a is not None and true_b is not None and true_a <= true_b:
                                ub.append(_row(n, {a: 1.0, b: -1.0}))
    problem = {"A_eq": np.array(eq), "b_eq": np.zeros(len(eq)), "A_ub": np.array(ub) if ub else None,
               "b_ub": np.zeros(len(ub)) if ub else None, "bounds": bounds, "method": "highs"}
    findings = []
    for name, (_, table) in published.items():
        for _, line in table.iterrows():
            code = line["省代码"]
            for header, short in COUNTS.items():
                value = truth[name].get(f"{code}:{keys[short]}")
                if line[header] != "—" or value is None:
                    continue
                i = index[(name, code, short)]
                low, high = _extreme(problem, n, i, 1.0), -_extreme(problem, n, i, -1.0)
                margin = max(protection * value, 1.0)
                findings.append(Finding(name, code, header, value, low, high,
                                        low <= max(0.0, value - margin) + 1e-6 and high >= value + margin - 1e-6))
            value = truth[name].get(f"{code}:eliminated_share")
            if line[SHARE] == "—" and value is not None:
                margin = max(protection * value, 0.01)
                low, high = max(0.0, value - margin), min(1.0, value + margin)
                e, m = index[(name, code, "ep")], index[(name, code, "mp")]
                # Is a share as low as `low` (as high as `high`) possible? e − s·m ≤ 0 (≥ 0) with m ≥ 1.
                reach_low = _feasible(problem, n, {e: 1.0, m: -low}, m)
                reach_high = _feasible(problem, n, {e: -1.0, m: high}, m)
                findings.append(Finding(name, code, SHARE, value, low if reach_low else np.nan,
                                        high if reach_high else np.nan, reach_low and reach_high))
    return findings


_FIGURE_KEYS = {"monitored_households": "mh", "monitored_persons": "mp", "newly_identified_households": "nh",
                "eliminated_households": "eh", "eliminated_persons": "ep", "public_welfare_job_persons": "pw",
                "microcredit_amount": "ma", "microcredit_households": "mc"}


def _row(n: int, entries: dict[int, float]) -> np.ndarray:
    row = np.zeros(n)
    for i, v in entries.items():
        row[i] += v
    return row


def _extreme(problem: dict, n: int, i: int, sign: float) -> float:
    objective = np.zeros(n)
    objective[i] = sign
    result = linprog(objective, **problem)
    if result.status == 3:
        return -np.inf
    assert result.status == 0, result.message  # the truth is always a solution
    return float(result.fun)


def _feasible(problem: dict, n: int, entries: dict[int, float], denominator: int) -> bool:
    extra = [_row(n, entries), _row(n, {denominator: -1.0})]
    a_ub = np.vstack([problem["A_ub"], *extra]) if problem["A_ub"] is not None else np.array(extra)
    b_ub = np.append(problem["b_ub"] if problem["b_ub"] is not None else [], [0.0, -1.0])
    result = linprog(np.zeros(n), **{**problem, "A_ub": a_ub, "b_ub": b_ub})
    return result.status == 0
