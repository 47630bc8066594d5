"""The threshold what-if's pure core: the screening's own rules (tasks.screening.steps) at each candidate
threshold, against the candidates at the current one. Plain pandas, no database, no Prefect.

A household enters when it is not monitored, is not a candidate at the current threshold and is one at the
candidate threshold; it leaves when it is a candidate now and would not be then. Only the two rules that read
the threshold (income below it; a sharp drop to under 1.5 times it) change with it: the others are computed
once, so five thresholds cost little more than one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.quality.derive import household_positions
from tasks.screening.rules import ScreeningRules
from tasks.screening.steps import candidate_types, risk_evidence, rules_met

GROUPS = ("province_code", "county_code", "candidate_type")
COUNTS = ("candidates_now", "candidates_then", "entering_households", "entering_persons", "leaving_households",
          "leaving_persons")


@dataclass(frozen=True)
class Scenario:
    """One candidate threshold: an amount in 元 for every province, or a change in per cent on each
    province's own current threshold."""

    amount: int | None = None
    change_pct: float | None = None

    @property
    def label(self) -> str:
        return f"{self.amount:,}元" if self.amount is not None else f"现行{self.change_pct:+g}%"

    def thresholds(self, current: pd.Series) -> pd.Series:
        if self.amount is not None:
            return pd.Series(float(self.amount), index=current.index)
        return current.astype(float) * (1 + self.change_pct / 100)


def scenarios_of(amounts: list[int], changes_pct: list[float]) -> list[Scenario]:
    return [*(Scenario(amount=a) for a in amounts), *(Scenario(change_pct=c) for c in changes_pct)]


def what_if(households: pd.DataFrame, persons: pd.DataFrame, leads: pd.DataFrame, scenarios: list[Scenario],
            rules: ScreeningRules) -> pd.DataFrame:
    """One row per scenario, province, county and candidate type with any household counted: the scenario's
    `scenario` label and `threshold_rule`, then COUNTS. Households carry `threshold` (the current one, as
    tasks.quality.derive.threshold_of gives it); leads are matched to households (tasks.screening.core)."""
    h = households
    at = household_positions(h, persons)
    members = np.bincount(at[at >= 0], minlength=len(h))
    evidence = risk_evidence(h, leads, rules)
    monitored = h["monitoring_type"].notna().to_numpy()
    met_now = rules_met(h, evidence, h["threshold"], rules)
    now = met_now.any(axis=1).to_numpy() & ~monitored
    type_now = candidate_types(h, met_now, evidence)
    keys = {"province_code": h["province_code"].to_numpy(dtype=object),
            "county_code": h["county_code"].to_numpy(dtype=object)}
    parts = []
    for scenario in scenarios:
        met = rules_met(h, evidence, scenario.thresholds(h["threshold"]), rules)
        then = met.any(axis=1).to_numpy() & ~monitored
        entering, leaving = then & ~now, now & ~then
        # A household that leaves is counted under the type it has now; one that enters, under its new one.
        kind = np.where(then, candidate_types(h, met, evidence), type_now)
        frame = pd.DataFrame({**keys, "candidate_type": kind, "candidates_now": now, "candidates_then": then,
                              "entering_households": entering, "entering_persons": np.where(entering, members, 0),
                              "leaving_households": leaving, "leaving_persons": np.where(leaving, members, 0)})
        counted = frame[now | then].groupby(list(GROUPS), dropna=False, sort=True)[list(COUNTS)].sum()
        counted = counted.astype(np.int64).reset_index()
        counted.insert(0, "scenario", scenario.label)
        counted.insert(1, "threshold_then", counted["province_code"].map(
            _per_province(h, scenario.thresholds(h["threshold"]))))
        parts.append(counted)
    columns = ["scenario", "threshold_now", "threshold_then", *GROUPS, *COUNTS]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    out["threshold_now"] = out["province_code"].map(_per_province(h, h["threshold"]))
    return out[columns]


def _per_province(households: pd.DataFrame, thresholds: pd.Series) -> pd.Series:
    """Each province's threshold (one per province and year: tasks.quality.derive.threshold_of)."""
    return pd.Series(thresholds.to_numpy(dtype=float), index=households["province_code"].to_numpy()
                     ).groupby(level=0).first()


def by(results: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """COUNTS summed by `keys` (scenario first), in the scenarios' order."""
    order = list(dict.fromkeys(results["scenario"]))
    out = results.groupby(keys, sort=False)[list(COUNTS)].sum().reset_index()
    out["_order"] = out["scenario"].map(order.index)
    return out.sort_values(["_order", *keys[1:]], kind="stable").drop(columns="_order").reset_index(drop=True)


def by_province(results: pd.DataFrame) -> pd.DataFrame:
    """COUNTS per scenario and province, with the province's current and tried threshold."""
    keys = ["scenario", "province_code"]
    thresholds = results.drop_duplicates(keys)[[*keys, "threshold_now", "threshold_then"]]
    return by(results, keys).merge(thresholds, on=keys, how="left")


def monotone(results: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and province: whether its candidates are at least those of every lower threshold tried
    for the province, the current one included (the output check). Both rules that read the threshold hold
    for more households as it rises, so fewer candidates at a higher threshold means a threshold was applied
    to the wrong province or households were lost."""
    totals = by_province(results)
    rows = []
    for code, group in totals.groupby("province_code", sort=True):
        points = [(float(group["threshold_now"].iloc[0]), int(group["candidates_now"].iloc[0]))]
        points += list(zip(group["threshold_then"].astype(float), group["candidates_then"].astype(int),
                           strict=True))
        for row in group.itertuples(index=False):
            lower = [n for t, n in points if t < row.threshold_then]
            rows.append({"key": f"{row.scenario} {code}", "scenario": row.scenario, "province_code": code,
                         "threshold_then": row.threshold_then, "candidates_then": row.candidates_then,
                         "monotone": all(row.candidates_then >= n for n in lower)})
    return pd.DataFrame(rows, columns=["key", "scenario", "province_code", "threshold_then", "candidates_then",
                                       "monotone"])
