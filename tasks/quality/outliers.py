"""Outlier detection as DHIS2 does it for its data: each unit's value (a county's indicator, a province's
published figure) against its own history and against its peers. Warnings, never blocks: an outlier is a
question for the people who can answer it (a county typed incomes per month, submitted twice, lost its
leads), not a proof.

- Own history: the modified z-score (Iglewicz and Hoaglin) of the value against the unit's earlier values,
  0.6745·(x − median)/MAD, and min–max bounds learnt from the same history, widened by `margin` of their
  range. A value is far from its history when both say so: |z| > `z` and outside the bounds. It takes at
  least `min_history` earlier values.
- Peers: the modified z-score against the same period's values of the other units of its group (the
  province's counties; the provinces). It decides alone only for a unit without enough history (and, when
  `households` is given, of at least `min_peer_households`); with a history, a unit that has always
  differed from its peers is not news, so it adds to the reason.
Either way a move smaller than the unit's floor (`relative_floor` of the median, `absolute_floor`) is not
an outlier: the z-score of a steady unit can be large for a move nobody would question.
When the MAD is 0 (half the values equal), the mean absolute deviation stands in (×1.2533, as IBM's
definition does); when that is 0 too, any other value is infinitely far.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

MAD_SCALE = 0.6745  # the MAD of a normal distribution is 0.6745 σ
MEAN_AD_SCALE = 1.253314  # the mean absolute deviation of a normal distribution is 0.7979 σ


class OutlierRules(BaseModel):
    """异常值规则 / outlier rules."""

    z: float = Field(3.5, gt=0, title="修正Z分数阈值 / modified z-score threshold")
    peer_z: float = Field(5.0, gt=0, title="同省比较的修正Z分数阈值 / peers' modified z-score threshold")
    min_history: int = Field(3, ge=2, title="至少几期历史 / earlier periods needed")
    margin: float = Field(0.25, ge=0, title="历史区间放宽比例 / widening of the learnt min–max bounds")
    min_peers: int = Field(5, ge=3, title="至少几个同组单位 / peers needed")
    min_households: int = Field(30, ge=1, title="县农户数下限（少于此数不作判断） / households a county needs to be "
                                               "judged")
    min_peer_households: int = Field(100, ge=1, title="仅与同省比较时的县农户数下限 / households a county needs "
                                                      "to be judged by its peers alone")


def modified_z(value: float, reference: np.ndarray) -> float:
    """The modified z-score of `value` against `reference` (NaN when there is no reference)."""
    reference = reference[~np.isnan(reference)]
    if len(reference) == 0 or np.isnan(value):
        return np.nan
    median = float(np.median(reference))
    mad = float(np.median(np.abs(reference - median)))
    if mad > 0:
        return MAD_SCALE * (value - median) / mad
    mean_ad = float(np.mean(np.abs(reference - median)))
    if mean_ad > 0:
        return (value - median) / (MEAN_AD_SCALE * mean_ad)
    return 0.0 if value == median else np.copysign(np.inf, value - median)


def detect(current: pd.DataFrame, history: pd.DataFrame, rules: OutlierRules) -> pd.DataFrame:
    """`current`: one row per `unit`, `group` and `indicator` with its `value` (and optionally the least
    move that counts, `relative_floor` of the history's median and `absolute_floor`); `history`: the units'
    earlier values (`unit`, `indicator`, `value`, one row per earlier period, and optionally `flagged`: an
    outlier then). Returns `current` with
    `history_n`, `history_median`, `low`, `high` (the learnt bounds), `z` (own history), `peer_median`,
    `peer_z`, `far_from_history`, `far_from_peers` and `outlier`."""
    out = current.reset_index(drop=True).copy()
    relative = out["relative_floor"].to_numpy(dtype=float) if "relative_floor" in out else np.zeros(len(out))
    absolute = out["absolute_floor"].to_numpy(dtype=float) if "absolute_floor" in out else np.zeros(len(out))
    flagged = history["flagged"] if "flagged" in history else pd.Series(False, index=history.index)
    earlier = {key: (frame["value"].to_numpy(dtype=float), flagged.loc[frame.index].to_numpy(dtype=bool))
               for key, frame in history.groupby(["unit", "indicator"], sort=False)}
    n, median, low, high, z = (np.full(len(out), np.nan) for _ in range(5))
    for i, (unit, indicator, value) in enumerate(zip(out["unit"], out["indicator"], out["value"].astype(float),
                                                     strict=True)):
        values, was_flagged = earlier.get((unit, indicator), (np.empty(0), np.empty(0, dtype=bool)))
        known = ~np.isnan(values)
        values, was_flagged = values[known], was_flagged[known]
        n[i] = len(values)
        if len(values) >= rules.min_history:
            median[i] = float(np.median(values))
            # The bounds are learnt from the values that were not outliers themselves: a mistake flagged once
            # must not widen them so that the same mistake passes next time. The median and MAD are robust
            # to it, and a real change of level, once most of the history, stops being flagged.
            usual = values[~was_flagged] if (~was_flagged).sum() >= rules.min_history else values
            spread = float(usual.max() - usual.min())
            # However steady its history, a unit may move by its floor: less is not worth anyone's question.
            slack = max(rules.margin * spread, relative[i] * abs(median[i]), absolute[i])
            low[i], high[i] = float(usual.min()) - slack, float(usual.max()) + slack
            z[i] = modified_z(value, values)
    out["history_n"], out["history_median"], out["low"], out["high"], out["z"] = n.astype(int), median, low, high, z
    peer_median, peer_z = np.full(len(out), np.nan), np.full(len(out), np.nan)
    for _, rows in out.groupby(["group", "indicator"], sort=False):
        values = rows["value"].to_numpy(dtype=float)
        if (~np.isnan(values)).sum() < rules.min_peers:
            continue
        for position, value in zip(rows.index, values, strict=True):
            peer_median[position] = float(np.nanmedian(values))
            peer_z[position] = modified_z(value, values)
    out["peer_median"], out["peer_z"] = peer_median, peer_z
    value = out["value"].astype(float)
    out["far_from_history"] = (np.abs(out["z"]) > rules.z) & ((value < out["low"]) | (value > out["high"]))
    peer_slack = np.maximum(relative * np.abs(out["peer_median"].to_numpy()), absolute)
    out["far_from_peers"] = (np.abs(out["peer_z"]) > rules.peer_z) & (np.abs(value - out["peer_median"]) > peer_slack)
    judged = out["history_n"] >= rules.min_history
    # Judged by peers alone only when large enough: a small county's ratios swing by chance.
    big = out["households"] >= rules.min_peer_households if "households" in out else True
    out["outlier"] = np.where(judged, out["far_from_history"], out["far_from_peers"] & big).astype(bool)
    return out
