"""The release checkpoint's rules as pure functions. Each returns a frame that a Great Expectations suite can
check (one boolean or numeric column to hold to a bound) and that the flow can also read directly for the
approval form. Which rule blocks and which warns is the flow's decision; the docstrings say what is meant.

Order matters: `sum_check` and `revisions` look at the figures before small-cell suppression (a suppressed
province is still part of the national total, and a published figure that changed must be answered for),
while `large_changes` looks only at cells that will be published from enough households (a suppressed or
tiny cell swings by chance: 1 → 2 households is +100 %), and `personal_data_check` at what is actually
published, after suppression and rendering.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from tasks.privacy import ID_IN_TEXT_PLAIN, PHONE_IN_TEXT, mask_personal_numbers_in_text
from tasks.release.figures import FIGURES, NATIONAL_CODE, divide

SUM_TOLERANCE = 1e-6  # relative
REVISION_TOLERANCE = 1e-9  # relative: recomputing the same data may only differ by float rounding
LARGE_CHANGE = 0.30  # a change on the year of more than 30 % needs an explanation
LARGE_SHARE_CHANGE = 0.10  # a share is compared in percentage points: more than 10 points needs one
MIN_CHANGE_HOUSEHOLDS = 100  # settings.release_min_change_households
MIN_HOUSEHOLDS = 10


class Suppression(NamedTuple):
    province_code: str
    province: str | None
    figure: str
    households: int
    complementary: bool = False  # withheld so that a small cell cannot be worked out (tasks.release.disclosure)


def sum_check(figures: pd.DataFrame, tolerance: float = SUM_TOLERANCE) -> pd.DataFrame:
    """One row per figure of FIGURES: `figure`, `rule` ("sum": the provinces' sum; "ratio": the summed
    numerator over the summed denominator; "mean": a weighted mean, which must lie between the provinces'
    figures), `from_provinces` (what the province rows imply), `national`,
    `difference` (national minus from_provinces), `relative_difference` (|difference| over the larger of the
    two magnitudes, 0 when both are 0 or both missing, 1 when only one is missing) and `ok`
    (relative_difference <= tolerance). Shares are checked too: an averaged share would fail."""
    national = figures[figures["province_code"].eq(NATIONAL_CODE)]
    if len(national) != 1:
        raise ValueError(f"figures need exactly one national row ({NATIONAL_CODE!r}), found {len(national)}")
    provinces = figures[~figures["province_code"].eq(NATIONAL_CODE)]
    rows = []
    for figure in FIGURES:
        if figure.aggregate == "sum":
            implied = _number(provinces[figure.key]).sum(min_count=1)
        elif figure.aggregate == "mean":  # a weighted mean lies between its parts: the nearest such value
            values = _number(provinces[figure.key])
            stated = float(_number(national[figure.key]).iloc[0])
            implied = float(np.clip(stated, values.min(), values.max())) if values.notna().any() else np.nan
        else:
            num = _number(provinces[figure.numerator]).sum(min_count=1)
            den = _number(provinces[figure.denominator]).sum(min_count=1)
            implied = float(divide(pd.Series([num]), pd.Series([den])).iloc[0])
        stated = float(_number(national[figure.key]).iloc[0])
        rows.append((figure.key, figure.aggregate, float(implied), stated))
    out = pd.DataFrame(rows, columns=["figure", "rule", "from_provinces", "national"])
    out["difference"] = out["national"] - out["from_provinces"]
    scale = np.maximum(out["national"].abs(), out["from_provinces"].abs())
    relative = (out["difference"].abs() / scale.where(scale > 0)).fillna(0.0)
    one_missing = out["national"].isna() != out["from_provinces"].isna()
    out["relative_difference"] = relative.mask(one_missing, 1.0)
    out["ok"] = out["relative_difference"] <= tolerance
    return out


def large_changes(long: pd.DataFrame, published: pd.Series | None = None, threshold: float = LARGE_CHANGE,
                  share_points: float = LARGE_SHARE_CHANGE, min_households: int = MIN_CHANGE_HOUSEHOLDS,
                  ) -> pd.DataFrame:
    """Rows of `compare`'s long frame whose change on the year is large, with a `warning` text for the
    approval form and `national` (True for the national row). Large: a share (kind "share") moved by more
    than `share_points` (0.10 = 10 percentage points), any other figure by more than `threshold` of last
    year's value (strictly). Only cells that will be published (`published`, a boolean per row of `long`;
    default all) and that come from at least `min_households` households (figures not counted from
    households always qualify). Warnings, not blocks: a reviewer explains them before publishing."""
    rate = _number(long["change_pct"])
    points = _number(long["change"])
    share = long["kind"].eq("share")
    households = _number(long["households"])
    based = households.isna() | (households >= min_households)
    shown = published if published is not None else pd.Series(True, index=long.index)
    large = np.where(share, points.abs() > share_points, rate.abs() > threshold)
    flagged = long[(large & based & shown.astype(bool)).to_numpy()].copy()
    flagged["national"] = flagged["province_code"].eq(NATIONAL_CODE)
    flagged["warning"] = [_change_text(row) for row in flagged.itertuples(index=False)]
    return flagged.reset_index(drop=True)


def _change_text(row) -> str:
    where = row.province or row.province_code
    if row.kind == "share":
        points = 100 * (row.value - row.same_period_last_year)
        return (f"{where} {row.name}: 同比{'上升' if points > 0 else '下降'}{abs(points):.1f}个百分点 "
                f"({row.same_period_last_year:.1%} → {row.value:.1%})")
    rate = row.change_pct
    return (f"{where} {row.name}: 同比{'增长' if rate > 0 else '下降'}{abs(rate):.1%} "
            f"({_show(row.same_period_last_year)} → {_show(row.value)})")


def revisions(long: pd.DataFrame, published: Mapping[str, float | None] | None,
              tolerance: float = REVISION_TOLERANCE) -> pd.DataFrame:
    """Figures whose value differs from the one already published for the same period. `published` holds
    flat values keyed "<province_code>:<figure>" ("00:employed", as `figures.figure_values` makes them).
    Columns: `key`, `province_code`, `province`, `figure`, `name`, `published`, `value`, `difference`,
    `message`. A value that appeared or disappeared (one side missing) is a revision; a published key that
    the current figures lack entirely is reported with value None. Blocking unless acknowledged."""
    columns = ["key", "province_code", "province", "figure", "name", "published", "value", "difference", "message"]
    if not published:
        return pd.DataFrame(columns=columns)
    current = long.set_index("key")
    known = [k for k in published if k in current.index]
    missing = [k for k in published if k not in current.index]
    value = _number(current.loc[known, "value"]) if known else pd.Series(dtype=float)
    before = pd.Series([published[k] for k in known], index=pd.Index(known, name="key"), dtype=object)
    before = _number(before)
    both = value.notna() & before.notna()
    differ = (value.isna() != before.isna()) | (
        both & ((value - before).abs() > tolerance * np.maximum(value.abs(), before.abs())))
    out = current.loc[differ[differ].index, ["province_code", "province", "figure", "name"]].copy()
    out["published"] = before[differ]
    out["value"] = value[differ]
    out = out.reset_index()
    if missing:
        gone = pd.DataFrame({"key": missing, "province_code": [k.split(":", 1)[0] for k in missing],
                             "province": None, "figure": [k.split(":", 1)[-1] for k in missing], "name": None,
                             "published": [published[k] for k in missing], "value": np.nan})
        out = pd.concat([out, gone], ignore_index=True) if len(out) else gone
    out["published"] = _number(out["published"])
    out["value"] = _number(out["value"])
    out["difference"] = out["value"] - out["published"]
    out["message"] = [f"{p or c} {n or f}: 已发布 {_show(b)}，现为 {_show(v)}"
                      for c, p, f, n, b, v in zip(out["province_code"], out["province"], out["figure"], out["name"],
                                                  out["published"], out["value"], strict=True)]
    numeric = ["published", "value", "difference"]
    out[numeric] = out[numeric].astype(object).where(out[numeric].notna(), None)
    return out[columns]


def suppress_small_cells(figures: pd.DataFrame, min_households: int = MIN_HOUSEHOLDS,
                         ) -> tuple[pd.DataFrame, list[Suppression]]:
    """The figures with every value derived from fewer than `min_households` households replaced by None
    (value columns become object), and what was suppressed, one `Suppression` per (province, figure) whose
    value was present. The rule applies to the national row as well. Figures that are not derived from
    households (employment, funds: count None) are never suppressed.

    A suppressed province is still counted in the national total: suppression hides a cell, it does not
    change the data. This is the primary suppression only: the cells that must be withheld with these, so
    that none of them can be worked out from the others, are `tasks.release.disclosure`'s.
    The `<key>_households` columns are for checking, not for publishing (for monitored households the count
    is the figure itself)."""
    out = figures.copy()
    suppressed: list[Suppression] = []
    for figure in FIGURES:
        out[figure.key] = out[figure.key].astype(object).where(out[figure.key].notna(), None)
        if not figure.household_derived:
            continue
        cells = pd.to_numeric(out[figure.cells], errors="coerce")
        small = (cells < min_households).to_numpy() & out[figure.key].notna().to_numpy()
        for code, province, count in zip(out.loc[small, "province_code"], out.loc[small, "province"],
                                         cells[small], strict=True):
            suppressed.append(Suppression(code, province, figure.key, int(count)))
        out.loc[small, figure.key] = None
    return out, suppressed


def personal_data_check(frames: Mapping[str, pd.DataFrame | str]) -> pd.DataFrame:
    """One row per published text cell, for a suite to require `has_personal_data` False everywhere.
    `frames` maps a source name (a file, a table) to a frame, whose header and every non-missing cell are
    checked as text (a phone number can hide in a numeric column), or to a whole text, checked line by line.
    Columns: `source`, `row` (-1 for a frame's header), `column` (None for a text's line), `has_id_number`,
    `has_phone`, `has_personal_data` and `excerpt`, the cell with ID and phone numbers masked, so that the check
    itself never carries personal data into logs or stored results."""
    parts = []
    for source, content in frames.items():
        if isinstance(content, str):
            lines = content.splitlines()
            parts.append(pd.DataFrame({"source": source, "row": np.arange(len(lines)), "column": None,
                                       "text": lines}))
            continue
        header = pd.DataFrame({"source": source, "row": -1, "column": [str(c) for c in content.columns],
                               "text": [str(c) for c in content.columns]})
        cells = content.reset_index(drop=True).astype(object)
        cells.columns = [str(c) for c in cells.columns]
        stacked = cells.stack(future_stack=True).dropna() if len(cells.columns) else pd.Series(dtype=object)
        body = pd.DataFrame({"source": source, "row": stacked.index.get_level_values(0).astype(int),
                             "column": stacked.index.get_level_values(1).astype(str),
                             "text": stacked.map(_as_text).to_numpy()}) if len(stacked) else header.iloc[:0]
        parts.extend([header, body])
    columns = ["source", "row", "column", "text"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    text = out["text"].astype(str)
    out["has_id_number"] = text.str.contains(ID_IN_TEXT_PLAIN, regex=True).astype(bool)
    out["has_phone"] = text.str.contains(PHONE_IN_TEXT, regex=True).astype(bool)
    out["has_personal_data"] = out["has_id_number"] | out["has_phone"]
    out["excerpt"] = text.map(mask_personal_numbers_in_text)
    out["row"] = out["row"].astype(np.int64)
    return out.drop(columns="text")


def _as_text(value: object) -> str:
    # Whole floats as integers: a phone number read into a float column shows as 13812345678.0.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.astype(object).where(values.notna(), np.nan), errors="coerce").astype(float)


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):,.4g}" if abs(float(value)) < 1 else f"{float(value):,.2f}".rstrip("0").rstrip(".")
