"""Scores, totals, grades, ranks and the red line from the indicator values (tasks.assessment.indicators).

Rules:
- An indicator's score is 100 at or beyond its target, 0 at or beyond its floor, linear in between.
- A value that is NaN (its denominator was 0: no monitored household, no fund reported...) is not scored:
  the indicator is left out of that province's total and the remaining weights are renormalised, so a
  province is judged on what it has, neither rewarded nor punished for an empty population. A province with
  no scored indicator has no total, grade or rank.
- Grades come from the configured thresholds (好 ≥ 90, 较好 ≥ 80, 一般 ≥ 60, else 较差), applied to the total
  rounded to 6 decimals: a total that is 90 on paper must not fall to 较好 by floating-point noise.
- Ranks run from 1 (highest total). By default ties share the best rank of the tie ("min": 1, 1, 3), so two
  provinces with the same total are not ordered by an accident; totals are compared rounded to 6 decimals
  so that floating-point noise does not split a tie. `ties="ordered"` gives 1..n instead, ties broken by
  province code, for outputs that need unique ranks.
- Red line (守住不发生规模性返贫底线): `returned_share` above the configured share (NaN share: not flagged).
  It vetoes the grade (一票否决): a province on it is graded the lowest grade whatever its total, and ranked
  after every province that is not, so that no reader sees a province both first and 好 and on the red line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.assessment.config import AssessmentConfig

RANK_DECIMALS = 6


def score(value, target: float, floor: float, direction: str = "higher"):
    """Points 0–100 for `value` (a number, array or Series): 100 at or beyond `target`, 0 at or beyond
    `floor`, linear in between; NaN stays NaN. One formula serves both directions, since for "lower"
    target < floor and (value - floor) / (target - floor) still runs from 0 at the floor to 1 at the target."""
    if direction not in ("higher", "lower"):
        raise ValueError(f"direction must be 'higher' or 'lower', not {direction!r}")
    if (target > floor) != (direction == "higher") or target == floor:
        raise ValueError(f"target {target} must be {direction} than floor {floor}")
    values = value.astype(float) if isinstance(value, pd.Series) else np.asarray(value, dtype=float)
    points = 100 * np.clip((values - floor) / (target - floor), 0, 1)
    if isinstance(value, pd.Series):
        return pd.Series(points, index=value.index, name=value.name)
    return float(points) if np.ndim(points) == 0 else points


def score_provinces(indicators: pd.DataFrame, config: AssessmentConfig, ties: str = "min") -> pd.DataFrame:
    """One row per province: `<key>_score` and `<key>_weight` (the renormalised weight actually applied,
    0 when left out) per indicator, `total`, `grade`, `rank`, `returned_share`, `red_line` and
    `weakest` (the Chinese names of the two lowest-scored indicators; `weakest_keys` their keys)."""
    out = indicators[["province_code", *(["province"] if "province" in indicators else [])]].copy()
    scores = pd.DataFrame({i.key: score(indicators[i.key], i.target, i.floor, i.direction)
                           for i in config.indicators}, index=indicators.index)
    weights = pd.Series({i.key: i.weight for i in config.indicators})
    applied = scores.notna().mul(weights, axis=1)
    present = applied.sum(axis=1)
    applied = applied.div(present.where(present > 0), axis=0).fillna(0)
    for key in config.keys:
        out[f"{key}_score"] = scores[key]
        out[f"{key}_weight"] = applied[key]
    out["total"] = (scores.fillna(0) * applied).sum(axis=1).where(present > 0)
    out["returned_share"] = indicators["returned_share"].astype(float)
    out["red_line"] = (out["returned_share"] > config.red_line_share).fillna(False).astype(bool)
    grades = out["total"].round(RANK_DECIMALS).map(config.grade_of).where(~out["red_line"], config.grades[-1][0])
    out["grade"] = grades.astype(object).where(out["total"].notna(), None)
    out["rank"] = _rank(out, ties)
    names = {i.key: i.name_zh for i in config.indicators}
    out["weakest_keys"] = [weakest(row, keys=config.keys) for _, row in out.iterrows()]  # one per province
    out["weakest"] = out["weakest_keys"].map(lambda keys: [names[k] for k in keys])
    return out


def _rank(out: pd.DataFrame, ties: str) -> pd.Series:
    # A province on the red line ranks after every other: its total counts as below any total off it.
    total = out["total"].round(RANK_DECIMALS) - np.where(out["red_line"], 1_000.0, 0.0)
    if ties == "min":
        return total.rank(method="min", ascending=False).astype("Int64")
    if ties == "ordered":
        order = out.assign(_t=total).sort_values(["_t", "province_code"], ascending=[False, True]).index
        rank = pd.Series(pd.NA, index=out.index, dtype="Int64")
        scored = [i for i in order if pd.notna(total[i])]
        rank[scored] = np.arange(1, len(scored) + 1)
        return rank
    raise ValueError(f"ties must be 'min' or 'ordered', not {ties!r}")


def weakest(row: pd.Series, k: int = 2, keys: list[str] | None = None) -> list[str]:
    """The keys of the `k` lowest-scored indicators of one province's row (unscored ones left out); ties keep
    the configuration's order. `keys` default: every `<key>_score` column of the row."""
    keys = keys if keys is not None else [c.removesuffix("_score") for c in row.index if c.endswith("_score")]
    scores = pd.Series({key: row[f"{key}_score"] for key in keys}, dtype=float).dropna()
    return scores.sort_values(kind="stable").index[:k].tolist()


def indicator_table(indicators: pd.DataFrame, scores: pd.DataFrame, config: AssessmentConfig) -> pd.DataFrame:
    """One row per province and indicator (the report's 分项指标 sheet): value, numerator, denominator,
    target, floor, score and the weight applied; `share_value` repeats the value for indicators that are
    shares (unit "share") so that a range check can test it, else NaN."""
    frames = []
    for i in config.indicators:
        frames.append(pd.DataFrame({
            "province_code": indicators["province_code"].to_numpy(),
            "province": indicators["province"].to_numpy() if "province" in indicators else None,
            "indicator": i.key, "indicator_zh": i.name_zh, "indicator_en": i.name_en, "unit": i.unit,
            "value": indicators[i.key].astype(float).to_numpy(),
            "numerator": indicators[f"{i.key}_numerator"].astype(float).to_numpy(),
            "denominator": indicators[f"{i.key}_denominator"].astype(float).to_numpy(),
            "target": i.target, "floor": i.floor,
            "score": scores[f"{i.key}_score"].to_numpy(), "weight": scores[f"{i.key}_weight"].to_numpy(),
            "share_value": indicators[i.key].astype(float).to_numpy() if i.unit == "share" else np.nan,
        }))
    return pd.concat(frames, ignore_index=True)
