"""Outliers among a release's figures, before the approver sees them (tasks.quality.outliers): each
province's change on the same period last year against its changes in the earlier years' releases of the
same quarter, and against the other provinces' changes. Listed in the approval form, never blocking: a
province whose loans fell while every other's grew is worth a look before the press reads it."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from tasks.model import Release
from tasks.quality.outliers import OutlierRules, detect
from tasks.release.figures import NATIONAL_CODE
from tasks.release.period import Period

PEERS = "provinces"
# A change of the year is not worth a question under 10 per cent (counts, amounts) or 5 points (shares).
FLOORS = {"share": 0.05}
FLOOR = 0.10


def figure_outliers(engine: Engine | None, period: Period, long: pd.DataFrame, published: pd.Series,
                    rules: OutlierRules | None = None, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows of `compare`'s long frame (published cells of the provinces, `published` per row) whose change
    on the year is an outlier, with `reason` in Chinese. `history`: the provinces' earlier changes (`unit`,
    `indicator`, `value`); by default read from the earlier years' releases of the quarter."""
    rules = rules or OutlierRules()
    rows = long[published.to_numpy() & long["province_code"].ne(NATIONAL_CODE).to_numpy()].copy()
    rows["change_of_year"] = _change(rows)
    rows = rows[rows["change_of_year"].notna()]
    current = pd.DataFrame({"unit": rows["province_code"], "group": PEERS, "indicator": rows["figure"],
                            "value": rows["change_of_year"].astype(float),
                            "absolute_floor": rows["kind"].map(lambda k: FLOORS.get(k, FLOOR))})
    found = detect(current, history if history is not None else _history(engine, period), rules)
    rows = rows.reset_index(drop=True).assign(**{c: found[c] for c in ("outlier", "history_n", "peer_median")})
    flagged = rows[rows["outlier"]].copy()
    flagged["reason"] = [_reason(r) for r in flagged.itertuples(index=False)]
    return flagged


def _change(rows: pd.DataFrame) -> pd.Series:
    """Shares in points, other figures as a fraction of last year's."""
    change = pd.to_numeric(rows["change_pct"], errors="coerce")
    points = pd.to_numeric(rows["change"], errors="coerce")
    return points.where(rows["kind"].eq("share"), change)


def _history(engine: Engine, period: Period) -> pd.DataFrame:
    """Each province's change of the year in the earlier years' latest published releases of the quarter."""
    with engine.connect() as conn:
        records = conn.execute(select(Release.period, Release.version, Release.figures).where(
            Release.status == "published", Release.period.like(f"%Q{period.quarter}"))).all()
    latest: dict[int, dict] = {}
    for label, _, figures in sorted(records, key=lambda r: (r[0], r[1])):  # the latest version last
        year = Period.parse(label).year
        if year < period.year:
            latest[year] = figures or {}
    rows = []
    for year, figures in latest.items():
        before = latest.get(year - 1)
        if before is None:
            continue
        for key, value in figures.items():
            code, _, figure = key.partition(":")
            base = before.get(key)
            if code == NATIONAL_CODE or value is None or base is None:
                continue
            change = value - base if figure.endswith("share") else (value / base - 1 if base else None)
            if change is not None:
                rows.append({"unit": code, "indicator": figure, "value": change})
    return pd.DataFrame(rows, columns=["unit", "indicator", "value"])


def _reason(row) -> str:
    def show(value: float) -> str:
        return f"{100 * value:+.1f}个百分点" if row.kind == "share" else f"{value:+.1%}"

    where = row.province or row.province_code
    basis = (f"本省以往{int(row.history_n)}年同期变化" if row.history_n >= 3
             else f"各省中位数{show(row.peer_median)}")
    return f"{where} {row.name}: 同比{show(row.change_of_year)}，{basis}，请核对"
