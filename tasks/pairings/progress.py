"""Per pairing and quarter, its agreement's targets against its progress to the quarter's end, area by area
(tasks.model.pairings.AREAS); the pairings behind schedule, without an agreement or without a report; the
village teams whose rotation is due within ROTATION_NOTICE_DAYS of the quarter's end."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from tasks.model.pairings import AREAS
from tasks.outputs.flags import with_flags

# A year's targets are met at an even pace: by the end of quarter q, q/4 of each. The work of a quarter is
# uneven (a park is built in one, labour goes out after the Spring Festival), so a pairing is behind in an
# area only below PACE_MARGIN of that pace.
PACE_MARGIN = 0.8
ROTATION_NOTICE_DAYS = 60  # the policy's 驻村 rotation: the county prepares the next team two months ahead
DEFAULT_TERM_MONTHS = 24  # 第一书记和工作队 serve two years unless the county says otherwise
FLAGS = {
    "no_agreement": "本年度未签订协议(责任书)",
    "no_targets": "协议未设定任务目标",
    "behind": "进度滞后",
    "not_reported": "本季度未报送进展",
}
TARGETS = [f"target_{key}" for key in AREAS]
DONE = [f"done_{key}" for key in AREAS]


def pairing_progress(agreements: pd.DataFrame, last_year: pd.DataFrame, progress: pd.DataFrame,
                     quarter: int) -> pd.DataFrame:
    """One row per pairing of the year (its agreement) or of the year before (none this year): its targets,
    its progress to the quarter's end, per area its completion (done / target, where a target is set), the
    areas behind the pace, its completion over its areas (each capped at 1), and its flags."""
    carried = last_year[~last_year["pairing_no"].isin(agreements["pairing_no"])].drop_duplicates("pairing_no")
    rows = pd.concat([agreements.assign(has_agreement=True),
                      carried[["pairing_no", "pairing_kind", "helper", "province_code", "county_code"]].assign(
                          has_agreement=False)], ignore_index=True)
    # Nothing reported (a year without progress, a province without pairings): every area not done.
    done = progress.drop_duplicates("pairing_no", keep="last").set_index("pairing_no")[DONE].astype(float)
    rows = rows.join(done, on="pairing_no") if len(done) and len(rows) else rows.assign(**dict.fromkeys(DONE, np.nan))
    targets = rows[TARGETS].to_numpy(dtype=float)
    achieved = rows[DONE].to_numpy(dtype=float)
    set_ = np.nan_to_num(targets) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        completion = np.where(set_, np.nan_to_num(achieved) / np.where(set_, targets, 1.0), np.nan)
    pace = quarter / 4
    behind = set_ & (completion < PACE_MARGIN * pace)
    capped = np.where(set_, np.minimum(completion, 1.0), 0.0)
    areas = np.array([name for name, _ in AREAS.values()], dtype=object)
    reported = rows["pairing_no"].isin(progress["pairing_no"]).to_numpy()
    agreed = rows["has_agreement"].to_numpy(dtype=bool)
    out = rows.assign(
        completion=np.where(set_.any(axis=1), capped.sum(axis=1) / np.maximum(set_.sum(axis=1), 1), np.nan),
        areas_behind=["、".join(areas[row]) for row in behind],  # a row per pairing: a few thousand
        **{f"completion_{key}": completion[:, i] for i, key in enumerate(AREAS)})
    marks = pd.DataFrame({"no_agreement": ~agreed | rows["signed_on"].isna().to_numpy(),
                          "no_targets": agreed & ~set_.any(axis=1), "behind": reported & behind.any(axis=1),
                          "not_reported": agreed & ~reported}, index=rows.index)
    return with_flags(out, marks, FLAGS).sort_values(["flag_count", "county_code", "pairing_no"],
                                                     ascending=[False, True, True], ignore_index=True)


def rotations_due(teams: pd.DataFrame, quarter_end: date) -> pd.DataFrame:
    """The teams whose term ends by ROTATION_NOTICE_DAYS after the quarter's end (overdue ones first), with
    the day it ends and the days left (negative: overdue)."""
    term = teams["term_months"].astype("Float64").fillna(DEFAULT_TERM_MONTHS).astype(int)
    started = pd.to_datetime(teams["started_on"])
    # A term of m months from the 31st ends on the last day of its month (as pd.DateOffset): column-wise,
    # for the 10⁵ teams of the country.
    months = started.dt.year * 12 + started.dt.month - 1 + term
    first = pd.to_datetime(pd.DataFrame({"year": months // 12, "month": months % 12 + 1, "day": 1}))
    due = first + pd.to_timedelta(np.minimum(started.dt.day, first.dt.days_in_month) - 1, unit="D")
    end = pd.Timestamp(quarter_end)
    listed = teams.assign(due_on=due.dt.date, days_left=(due - end).dt.days)
    listed = listed[due <= end + timedelta(days=ROTATION_NOTICE_DAYS)]
    return listed.sort_values(["days_left", "county_code", "team_no"], ignore_index=True)


def province_figures(pairings: pd.DataFrame, due: pd.DataFrame, teams: pd.DataFrame) -> pd.DataFrame:
    """Per province: pairings, with an agreement, behind, not reported; their mean completion; teams and
    teams whose rotation is due."""
    of = pairings.assign(agreed=pairings["has_agreement"] & ~pairings["flag_no_agreement"])
    figures = of.groupby("province_code").agg(
        pairings=("pairing_no", "size"), with_agreement=("agreed", "sum"), behind=("flag_behind", "sum"),
        not_reported=("flag_not_reported", "sum"), completion=("completion", "mean"))
    figures = figures.join(teams.groupby("province_code").size().rename("teams"), how="outer").join(
        due.groupby("province_code").size().rename("rotations_due"), how="outer")
    counts = ["pairings", "with_agreement", "behind", "not_reported", "teams", "rotations_due"]
    figures[counts] = figures[counts].fillna(0).astype(int)
    return figures.rename_axis("province_code").reset_index()
