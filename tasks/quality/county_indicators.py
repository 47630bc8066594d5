"""Each county's indicators at a campaign's input stage, kept per period so that the next period's can be
compared with them (tasks.quality.outliers): what a county steward would notice if the numbers were typed in
the wrong unit, submitted twice or lost.

The sums are additive (a province screened in parts adds its parts' sums); the indicators are ratios of
them, computed once the parts are put together."""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from typing import NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, insert, select

from tasks.model import County, CountyIndicator
from tasks.quality.derive import household_positions
from tasks.quality.outliers import OutlierRules, detect
from tasks.reference.provinces import province_name


class Indicator(NamedTuple):
    name: str  # as people say it
    unit: str
    # The least move worth a question, relative to the county's usual value and absolute: a year's income
    # moves by a tenth, a share by a couple of points, without anything being wrong; typed per month,
    # submitted twice or lost, it moves by far more.
    relative_floor: float
    absolute_floor: float
    hint: str  # what the county should look at
    lowest: float  # the values it can take: a learnt bound outside them is shown at the limit
    highest: float


INDICATORS = {
    "share_monitored": Indicator("监测户占农户比例", "%", 0.25, 0.02,
                                 "请核实监测对象标识（监测对象类别）是否漏填或多填", 0.0, 1.0),
    "income_per_capita": Indicator("家庭人均纯收入平均值", "元", 0.25, 500.0,
                                   "请核实收入是否按月填报或单位有误（应为全年收入，单位元）", 0.0, np.inf),
    "income_change": Indicator("家庭人均纯收入较上年变化", "%", 0.0, 0.15,
                               "请核实本年或上年收入是否按月填报、单位有误或漏填", -1.0, np.inf),
    "leads_per_1000": Indicator("每千户问题线索数", "条", 0.30, 5.0, "请核实问题线索是否重复报送或漏报", 0.0, np.inf),
    "measures_per_monitored": Indicator("监测户户均帮扶措施数", "项", 0.30, 0.3,
                                        "请核实帮扶措施是否重复报送或漏报", 0.0, np.inf),
    "share_set_aside": Indicator("农户数据隔离比例", "%", 0.0, 0.05, "请查看隔离行清单，更正后重新报送", 0.0, 1.0),
}
SUMS = ("households", "monitored", "income_sum", "income_n", "prev_income_sum", "prev_income_n", "leads",
        "monitored_measures", "rows_read", "rows_set_aside")


def county_sums(households: pd.DataFrame, leads: pd.DataFrame, measures: pd.DataFrame,
                households_read: pd.DataFrame) -> pd.DataFrame:
    """Per province and county, the SUMS behind the indicators: `households` are the rows kept,
    `households_read` the province and county of every households row read (kept or set aside); `leads`
    the period's."""
    h = households
    monitored = h["monitoring_type"].notna().to_numpy()
    income = h["per_capita_net_income"].astype(float)
    prev = h["prev_per_capita_net_income"].astype(float)
    at = household_positions(h, measures)
    measures_of = np.bincount(at[at >= 0], minlength=len(h))
    keys = ["province_code", "county_code"]
    per_household = pd.DataFrame({
        "province_code": h["province_code"].to_numpy(), "county_code": h["county_code"].to_numpy(),
        "households": 1, "monitored": monitored.astype(np.int64),
        "income_sum": income.fillna(0).to_numpy(), "income_n": income.notna().to_numpy(dtype=np.int64),
        "prev_income_sum": prev.fillna(0).to_numpy(), "prev_income_n": prev.notna().to_numpy(dtype=np.int64),
        "monitored_measures": np.where(monitored, measures_of, 0)})
    read = households_read.groupby(keys, dropna=True).size()
    # A county whose every row was set aside is still a county: its share set aside is the news.
    sums = per_household.groupby(keys, dropna=True).sum().reindex(read.index.union(
        pd.MultiIndex.from_frame(per_household[keys].dropna().drop_duplicates())), fill_value=0)
    sums["leads"] = leads.groupby(keys, dropna=True).size().reindex(sums.index, fill_value=0)
    sums["rows_read"] = read.reindex(sums.index, fill_value=0)
    sums["rows_set_aside"] = (sums["rows_read"] - sums["households"]).clip(lower=0)
    return sums.reset_index()[[*keys, *SUMS]]


def indicators(sums: pd.DataFrame) -> pd.DataFrame:
    """Long: `province_code`, `county_code`, `indicator`, `value` (NaN where a denominator is 0), and the
    county's `households` (rows read, kept or set aside: its size)."""
    s = sums.groupby(["province_code", "county_code"], sort=True)[list(SUMS)].sum()

    def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
        return num.astype(float) / den.astype(float).where(den > 0)

    mean_income = ratio(s["income_sum"], s["income_n"])
    values = pd.DataFrame({
        "share_monitored": ratio(s["monitored"], s["households"]),
        "income_per_capita": mean_income,
        "income_change": mean_income / ratio(s["prev_income_sum"], s["prev_income_n"]) - 1,
        "leads_per_1000": 1000 * ratio(s["leads"], s["households"]),
        "measures_per_monitored": ratio(s["monitored_measures"], s["monitored"]),
        "share_set_aside": ratio(s["rows_set_aside"], s["rows_read"]),
    }, index=s.index)
    long = values.stack(future_stack=True).rename("value").reset_index()
    long = long.rename(columns={"level_2": "indicator"})
    long["households"] = s["rows_read"].reindex(pd.MultiIndex.from_frame(long[["province_code", "county_code"]])
                                                ).to_numpy()
    return long


def record(engine: Engine, source: str, as_of: date, values: pd.DataFrame, run_id: str, *,
           counties_only: bool = False) -> None:
    """Keep the period's indicators, with the reason of those flagged (`reason`, when judged); a rerun of
    the period replaces them: those of its provinces' counties, or (`counties_only`: a county's submission)
    those of its counties and indicators."""
    provinces = values["province_code"].dropna().unique().tolist()
    scope = [CountyIndicator.source == source, CountyIndicator.as_of == as_of]
    if counties_only:
        scope += [CountyIndicator.county_code.in_(values["county_code"].dropna().unique().tolist()),
                  CountyIndicator.indicator.in_(values["indicator"].unique().tolist())]
    else:  # the provinces' counties of the period, whether they have values now or not
        scope.append(CountyIndicator.province_code.in_(provinces))
    rows = [{"source": source, "as_of": as_of, "province_code": r.province_code, "county_code": r.county_code,
             "indicator": r.indicator, "value": None if pd.isna(r.value) else float(r.value),
             "outlier": getattr(r, "reason", None) or None,
             "campaign_run_id": run_id, "recorded_at": datetime.now()}
            for r in values.itertuples(index=False)]
    with engine.begin() as conn:
        conn.execute(delete(CountyIndicator).where(*scope))
        if rows:
            conn.execute(insert(CountyIndicator), rows)


def history(engine: Engine, source: str, before: date, counties: list[str], *,
            same_day_of_year: bool = True) -> pd.DataFrame:
    """The counties' indicators of earlier periods of `source` (`unit` is the county; `flagged`: it was an
    outlier then): those ending on the same day of an earlier year, as a period's leads and events count
    from the start of its window or year (a progress run of 15 May sees fewer leads than a close-out of 30
    June, without anything being wrong); or, for indicators of the roster as it stands
    (`same_day_of_year=False`), every earlier day's."""
    columns = [CountyIndicator.county_code, CountyIndicator.indicator, CountyIndicator.value,
               CountyIndicator.outlier.is_not(None), CountyIndicator.as_of]
    names = ["unit", "indicator", "value", "flagged", "as_of"]
    # The same day of earlier years asked of the database: a weekly screening keeps 17,000 values a week,
    # which read whole to keep a few took seconds a run, more each year.
    when = CountyIndicator.as_of.in_(same_day_before(before)) if same_day_of_year else CountyIndicator.as_of < before
    parts = [pd.DataFrame(columns=names)]
    with engine.connect() as conn:
        for start in range(0, len(counties), 500):
            parts.append(pd.DataFrame(conn.execute(select(*columns).where(
                CountyIndicator.source == source, when,
                CountyIndicator.county_code.in_(counties[start:start + 500]))).all(), columns=names))
    earlier = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    return earlier.drop(columns="as_of").astype({"flagged": bool}).reset_index(drop=True)


YEARS_BACK = 50  # further than any county's history: monitoring began in 2021


def same_day_before(day: date) -> list[date]:
    """The same month and day of the years before `day`'s (29 February: of the leap years)."""
    days = []
    for year in range(day.year - YEARS_BACK, day.year):
        with contextlib.suppress(ValueError):
            days.append(day.replace(year=year))
    return days


def outliers(engine: Engine, source: str, as_of: date, values: pd.DataFrame, rules: OutlierRules, *,
             same_day_of_year: bool = True) -> pd.DataFrame:
    """The period's indicators judged against each county's history (`history`) and the province's other
    counties, with `reason` in Chinese for the flagged ones."""
    current = values.rename(columns={"county_code": "unit", "province_code": "group"}).dropna(subset=["unit"])
    # A county of a few households swings by chance (one lead in 3 households is 333 per 1,000): it is kept
    # for the history, not judged, and not a peer.
    judged = current.assign(value=current["value"].where(current["households"] >= rules.min_households),
                            relative_floor=current["indicator"].map(lambda k: INDICATORS[k].relative_floor),
                            absolute_floor=current["indicator"].map(lambda k: INDICATORS[k].absolute_floor))
    earlier = history(engine, source, as_of, current["unit"].unique().tolist(), same_day_of_year=same_day_of_year)
    found = detect(judged, earlier, rules)
    found["value"] = current["value"].to_numpy()
    # Bounds past what the indicator can be (a share under 0) are shown at its limit.
    found["low"] = found["low"].clip(lower=found["indicator"].map(lambda k: INDICATORS[k].lowest))
    found["high"] = found["high"].clip(upper=found["indicator"].map(lambda k: INDICATORS[k].highest))
    found["reason"] = [reason(r) if r.outlier else "" for r in found.itertuples(index=False)]
    found["key"] = found["unit"].astype(str) + ":" + found["indicator"]
    return found.rename(columns={"unit": "county_code", "group": "province_code"})


def reason(row) -> str:
    indicator = INDICATORS[row.indicator]
    unit = indicator.unit
    parts = []
    if row.history_n and not np.isnan(row.history_median):
        parts.append(f"本县以往{int(row.history_n)}期中位数{show_value(row.history_median, unit)}"
                     f"（正常范围约{show_value(row.low, unit)}至{show_value(row.high, unit)}）")
    if not np.isnan(row.peer_median) and row.far_from_peers:
        parts.append(f"本省各县中位数{show_value(row.peer_median, unit)}")
    return f"{indicator.name}为{show_value(row.value, unit)}，" + "，".join(parts) + f"。{indicator.hint}"


def show_value(value: float, unit: str) -> str:
    """A value as a message shows it: 61.7%, 12,302元, — when there is none."""
    if value is None or np.isnan(value):
        return "—"
    if unit == "%":
        return f"{100 * value:.1f}%"
    return f"{value:,.0f}{unit}" if abs(value) >= 100 else f"{value:,.1f}{unit}"


def county_names(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(County.code, County.name)).all())


def county_label(code: str, names: dict[str, str]) -> str:
    """How a county is named outside its province: 北京市密云区（110118）; 鼓楼区 alone names four."""
    return f"{province_name(code[:2])}{names.get(code, '')}（{code}）"
