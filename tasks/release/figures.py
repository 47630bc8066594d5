"""The press release's figures per province and nationally, year to date at the end of the period: plain pandas
over the checked tables (dates datetime64, booleans pandas "boolean"), vectorised because the roster can hold
millions of rows. No database, no Prefect: the flow reads the tables and hands them in.

Population rules (why each figure is what it is):
- employed, employed_relocated, employed_key_counties: the `employment` table's stock at the end of the
  period's quarter (a head count at a date, not a sum over quarters). A province without a report has no
  value (NaN), not zero: a missing report is not a fall to zero.
- area_income: 脱贫县农村居民人均可支配收入 (元, year to date), as the statistics office's survey reports it
  for the province (`rural_incomes`); area_income_growth: its nominal change on the same period last year.
  Nationally, the rural population-weighted mean of the provinces' figures (and its change), never a sum;
  a province without a report has no value.
- funds_total, funds_industry: linkage funds allocated (下达) in the year up to the period's quarter, 万元;
  NaN for a province without any row. funds_industry_share = funds_industry / funds_total.
- monitored_households: `monitoring_type` set and identified on or before the period's end (a household
  without an identification date is not counted: it cannot be placed in time). Households whose risk has
  since been eliminated stay counted, as in the published "60.4 % of monitored people" figure.
- monitored_persons: members (persons rows) of those households, counted in the household's province.
- newly_identified_households: monitored households identified within the year to date.
- eliminated_households: monitored households with risk_status "eliminated" and eliminated on or before the
  period's end; eliminated_persons: their members. eliminated_share = eliminated_persons / monitored_persons:
  the programme publishes the share of monitored **people** whose risk is eliminated (60.4 % in H1 2024),
  not of households.
- public_welfare_job_persons: persons with `public_welfare_job` true whose household is a 脱贫户 or a
  monitored household: the programme's 公益岗位 figure counts "脱贫人口和监测对象", so other rural residents
  in the roster (none in practice) are left out. The flag is as the roster stood at the period's end (its
  history: tasks.storage.versions).
- microcredit_amount (万元; loans are recorded in 元) and microcredit_households (distinct 户编号): loans issued
  within the year to date, in the loan's province. A loan without a province is in no figure, national
  included, so that the national figure stays the provinces' sum.
The roster's status fields (risk_status, public_welfare_job) hold today's state, so recomputing an old period
can differ from what was published then; `compare` therefore also accepts published figures.

Small-cell counts: each figure has `<key>_households`, the number of households it is derived from, which
`tasks.release.checks.suppress_small_cells` compares with the minimum: the monitored households for the
monitoring figures, the households with a public-welfare post for that figure, the households with a loan
for the microcredit figures. The employment and funds tables are aggregates the provinces report, not
derived from households here: their count is None and they are never suppressed.

National row: province_code "00", province "全国". Counts and amounts are the provinces' sum (a province with
no value adds nothing); shares are recomputed from the summed numerator and denominator, never averaged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tasks.quality.derive import household_positions
from tasks.reference.provinces import PROVINCE_BY_CODE
from tasks.release.period import Period

TABLES = ("households", "persons", "linkage_funds", "employment", "rural_incomes", "microcredit_loans")
NATIONAL_CODE = "00"
NATIONAL_NAME = "全国"
YUAN_PER_WAN = 10_000

# A figure source for comparisons: a figures frame (compute_figures' columns) or flat values keyed
# "<province_code>:<figure>" (what `figure_values` returns and a release record stores), or nothing.
FigureSource = pd.DataFrame | Mapping[str, float | None] | None


@dataclass(frozen=True)
class Figure:
    """One published figure. Shares are stored as fractions (0.62), shown as per cent (62.0 %)."""

    key: str
    name: str  # as the release says it
    unit: str  # 人, 户, 万元, % (share)
    kind: Literal["count", "amount", "share"]
    # How the national figure is formed from the provinces: their sum; a ratio of summed parts; or a mean
    # weighted by a population the reported table carries (it lies between the provinces' figures).
    aggregate: Literal["sum", "ratio", "mean"] = "sum"
    numerator: str | None = None  # ratio only: figure keys
    denominator: str | None = None
    household_derived: bool = True  # False: an aggregate table, no small-cell count, never suppressed

    @property
    def cells(self) -> str:
        return f"{self.key}_households"


FIGURES: tuple[Figure, ...] = (
    Figure("employed", "脱贫人口务工就业规模", "人", "count", household_derived=False),
    Figure("employed_relocated", "其中易地搬迁脱贫人口务工就业", "人", "count", household_derived=False),
    Figure("employed_key_counties", "其中重点帮扶县脱贫人口务工就业", "人", "count", household_derived=False),
    Figure("area_income", "脱贫县农村居民人均可支配收入", "元", "amount", "mean", household_derived=False),
    Figure("area_income_growth", "脱贫县农村居民人均可支配收入名义增长", "%", "share", "mean", household_derived=False),
    Figure("funds_total", "中央财政衔接资金下达", "万元", "amount", household_derived=False),
    Figure("funds_industry", "其中用于产业发展", "万元", "amount", household_derived=False),
    Figure("funds_industry_share", "衔接资金用于产业发展的比例", "%", "share", "ratio", "funds_industry",
           "funds_total", household_derived=False),
    Figure("monitored_households", "纳入监测对象户数", "户", "count"),
    Figure("monitored_persons", "纳入监测对象人数", "人", "count"),
    Figure("newly_identified_households", "今年新识别监测户数", "户", "count"),
    Figure("eliminated_households", "风险已消除监测户数", "户", "count"),
    Figure("eliminated_persons", "风险已消除监测对象人数", "人", "count"),
    Figure("eliminated_share", "风险已消除监测对象占比", "%", "share", "ratio", "eliminated_persons",
           "monitored_persons"),
    Figure("public_welfare_job_persons", "公益岗位安置脱贫人口和监测对象", "人", "count"),
    Figure("microcredit_amount", "脱贫人口小额信贷发放金额", "万元", "amount"),
    Figure("microcredit_households", "脱贫人口小额信贷支持户数", "户", "count"),
)
FIGURE_BY_KEY: dict[str, Figure] = {f.key: f for f in FIGURES}
EMPLOYMENT_FIGURES = ("employed", "employed_relocated", "employed_key_counties")


def compute_figures(tables: dict[str, pd.DataFrame], period: Period,
                    provinces: list[str] | None = None) -> pd.DataFrame:
    """One row per province (sorted by code) and the national row first ("00", "全国"): columns
    `province_code`, `province`, then per figure of FIGURES `<key>` (float, NaN when there is nothing to
    report) and `<key>_households` (int, or None for figures not derived from households). `provinces` fixes
    the province rows; by default every province that appears in any of the tables."""
    return figures_from_counts(tables, register_counts(tables, period), period, provinces)


def register_counts(tables: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """Per province, the figures counted from the registers (roster and loans) of any set of provinces: a
    partition's rows, which the other partitions' rows complete (each province is in one partition)."""
    roster = _roster(tables["households"], tables["persons"], period)
    return pd.concat([roster, _microcredit(tables["microcredit_loans"], period)], axis=1)


def figures_from_counts(tables: dict[str, pd.DataFrame], registers: pd.DataFrame, period: Period,
                        provinces: list[str] | None = None) -> pd.DataFrame:
    """`compute_figures` from `register_counts` and the reported tables (employment, linkage_funds)."""
    incomes, national_incomes = _incomes(tables["rural_incomes"], period)
    parts = [_employment(tables["employment"], period), incomes, funds_by_province(tables["linkage_funds"], period),
             registers]
    if provinces is None:
        seen = [*registers.index, *(c for t in ("linkage_funds", "employment") for c in tables[t]["province_code"])]
        provinces = sorted(pd.Index(seen).dropna().astype(str).unique())
    out = pd.concat(parts, axis=1).reindex(pd.Index(provinces, name="province_code"))
    # Roster and loans are registers: a province without rows has nobody to count. Programme tables are
    # reports: a province without one stays NaN.
    counted = list(registers.columns)
    out[counted] = out[counted].fillna(0)
    national = out.sum(min_count=1).to_frame(NATIONAL_CODE).T
    national[counted] = national[counted].fillna(0)  # no province rows at all: still nobody to count
    for key, value in national_incomes.items():  # means, not sums
        national[key] = value
    out = pd.concat([national, out])
    for figure in FIGURES:
        if figure.aggregate == "ratio":
            out[figure.key] = divide(out[figure.numerator], out[figure.denominator])
    out.index.name = "province_code"
    out = out.reset_index()
    out.insert(1, "province", out["province_code"].map(province_name))
    return _ordered(out)


def figure_values(figures: pd.DataFrame) -> dict[str, float | None]:
    """Flat figures keyed "<province_code>:<figure>" ("00:employed"), None where missing or suppressed: the
    shape a release record stores and `checks.revisions` compares with."""
    values = {}
    for figure in FIGURES:
        column = pd.to_numeric(figures[figure.key], errors="coerce").astype(float)
        for code, value in zip(figures["province_code"], column, strict=True):
            values[f"{code}:{figure.key}"] = None if np.isnan(value) else float(value)
    return values


def compare(current: pd.DataFrame, previous_year: FigureSource = None,
            previous_release: FigureSource = None) -> pd.DataFrame:
    """Long frame, one row per (province_code, figure) of `current`, in its row order and FIGURES order:
    `key` ("00:employed"), `province_code`, `province`, `figure`, `name`, `unit`, `kind`, `value`,
    `households` (the small-cell count, None when not household-derived), `same_period_last_year`, `change`
    (value minus last year's), `change_pct` (change over last year's value as a fraction, 0.31 = 31 %; None
    when last year's value is 0 or missing), `previous_release` (the previous release's value, None when
    absent). Missing values are None. `previous_year` and `previous_release` are figures frames or flat
    values (`figure_values`): the caller chooses between recomputed and published figures."""
    n, m = len(current), len(FIGURES)
    codes = current["province_code"].astype(str).to_numpy()
    keys = [f.key for f in FIGURES]
    values = np.column_stack([pd.to_numeric(current[k], errors="coerce").astype(float).to_numpy() for k in keys]) \
        if n else np.empty((0, m))
    cells = np.column_stack([current[f.cells].to_numpy(dtype=object) for f in FIGURES]) \
        if n else np.empty((0, m), dtype=object)
    long = pd.DataFrame({
        "key": [f"{c}:{k}" for c in codes for k in keys],
        "province_code": np.repeat(codes, m),
        "province": np.repeat(current["province"].to_numpy(dtype=object), m),
        "figure": np.tile(keys, n),
        "name": np.tile([f.name for f in FIGURES], n),
        "unit": np.tile([f.unit for f in FIGURES], n),
        "kind": np.tile([f.kind for f in FIGURES], n),
        "value": values.reshape(-1),
        "households": cells.reshape(-1),
    })
    base = _lookup(previous_year, long["key"])
    long["same_period_last_year"] = base
    long["change"] = long["value"] - base
    long["change_pct"] = long["change"] / base.abs().where(base != 0)
    long["previous_release"] = _lookup(previous_release, long["key"])
    numeric = ["value", "same_period_last_year", "change", "change_pct", "previous_release"]
    long[numeric] = long[numeric].astype(object).where(long[numeric].notna(), None)
    long["households"] = long["households"].where(pd.notna(long["households"]), None)
    return long


def divide(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den, NaN where the denominator is 0 or missing (no warning, no inf)."""
    den = pd.to_numeric(den, errors="coerce").astype(float)
    return pd.to_numeric(num, errors="coerce").astype(float) / den.where(den > 0)


def province_name(code: object) -> str | None:
    if code == NATIONAL_CODE:
        return NATIONAL_NAME
    province = PROVINCE_BY_CODE.get(code) if isinstance(code, str) else None
    return province.name if province else None


def _employment(employment: pd.DataFrame, period: Period) -> pd.DataFrame:
    rows = employment[employment["year"].eq(period.year) & employment["quarter"].eq(period.quarter)]
    sums = rows.groupby("province_code")[list(EMPLOYMENT_FIGURES)].sum(min_count=1).astype(float)
    return sums.reindex(columns=list(EMPLOYMENT_FIGURES))


def _incomes(incomes: pd.DataFrame, period: Period) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per province the survey's income at the period's end and its change on the same period last year; and
    the national figures: the means weighted by each year's rural population, and their change."""
    at = incomes[incomes["quarter"].eq(period.quarter)]
    # By province: a float sum in another order (a province's report sent again, PostgreSQL's plan) differs
    # in its last digit, and a published release is checked figure for figure.
    now = at[at["year"].eq(period.year)].set_index("province_code").sort_index()
    before = at[at["year"].eq(period.year - 1)].set_index("province_code").sort_index()
    out = pd.DataFrame({"area_income": now["income"].astype(float)})
    out["area_income_growth"] = out["area_income"] / before["income"].astype(float).reindex(out.index) - 1

    def mean(rows: pd.DataFrame) -> float:
        weight = rows["population"].astype(float)
        return float((rows["income"].astype(float) * weight).sum() / weight.sum()) if weight.sum() > 0 else np.nan

    both = now.index.intersection(before.index)  # the change over the same provinces
    national = {"area_income": mean(now),
                "area_income_growth": mean(now.loc[both]) / mean(before.loc[both]) - 1 if len(both) else np.nan}
    return out, national


def funds_by_province(funds: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per province (the index), the funds of `period`'s year allotted up to its quarter and of them to
    industry (万元): the release's figures, and the fund ledger's (tasks.funds.ledger)."""
    rows = funds[funds["year"].eq(period.year) & funds["quarter"].le(period.quarter)]
    rows = rows.sort_values(["county_code", "year", "quarter", "use"], kind="stable")  # summed in one order (_incomes)
    amount = rows["amount"].astype(float)
    frame = pd.DataFrame({"province_code": rows["province_code"], "funds_total": amount,
                          "funds_industry": amount.where(rows["use"].eq("industry").fillna(False), 0.0)})
    return frame.groupby("province_code")[["funds_total", "funds_industry"]].sum(min_count=1)


def _roster(households: pd.DataFrame, persons: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per province the roster counts and their household counts (`<key>_households`)."""
    start, after_end = pd.Timestamp(period.start), pd.Timestamp(period.end) + pd.Timedelta(days=1)
    n = len(households)
    identified = pd.to_datetime(households["identified_on"])
    eliminated_on = pd.to_datetime(households["eliminated_on"])
    # Comparisons with NaT are False: an undated identification or elimination is not counted.
    monitored = households["monitoring_type"].notna().to_numpy() & (identified < after_end).to_numpy()
    new = monitored & (identified >= start).to_numpy()
    eliminated = (monitored & households["risk_status"].eq("eliminated").fillna(False).to_numpy(dtype=bool)
                  & (eliminated_on < after_end).to_numpy())
    covered = monitored | households["is_poverty_alleviated"].fillna(False).to_numpy(dtype=bool)
    at = household_positions(households, persons)
    known = at >= 0
    members = np.bincount(at[known], minlength=n)
    posts = known & persons["public_welfare_job"].fillna(False).to_numpy(dtype=bool)
    posts &= covered[np.where(known, at, 0)]
    post_holders = np.bincount(at[posts], minlength=n)
    monitored_count = monitored.astype(np.int64)
    per_household = pd.DataFrame({
        "province_code": households["province_code"].to_numpy(),
        "monitored_households": monitored_count,
        "monitored_persons": np.where(monitored, members, 0),
        "newly_identified_households": new.astype(np.int64),
        "eliminated_households": eliminated.astype(np.int64),
        "eliminated_persons": np.where(eliminated, members, 0),
        "public_welfare_job_persons": post_holders,
        "public_welfare_job_persons_households": (post_holders > 0).astype(np.int64),
    })
    sums = per_household.groupby("province_code").sum()
    # Each count rests on the households it counts: 1 newly identified household is a cell of 1, however many
    # are monitored. The shares rest on their smaller part, so that neither side can be worked out.
    for key in ("monitored_households", "monitored_persons"):
        sums[f"{key}_households"] = sums["monitored_households"]
    for key in ("newly_identified_households", "eliminated_households"):
        sums[f"{key}_households"] = sums[key]
    sums["eliminated_persons_households"] = sums["eliminated_households"]
    sums["eliminated_share_households"] = np.minimum(sums["eliminated_households"],
                                                      sums["monitored_households"] - sums["eliminated_households"])
    return sums


def _microcredit(loans: pd.DataFrame, period: Period) -> pd.DataFrame:
    issued = pd.to_datetime(loans["issued_on"])
    within = (issued >= pd.Timestamp(period.start)) & (issued < pd.Timestamp(period.end) + pd.Timedelta(days=1))
    rows = loans[within.to_numpy()]
    grouped = rows.groupby("province_code")
    out = pd.DataFrame({"microcredit_amount": grouped["amount"].sum().astype(float) / YUAN_PER_WAN,
                        "microcredit_households": grouped["household_no"].nunique()})
    out["microcredit_amount_households"] = out["microcredit_households"]
    out["microcredit_households_households"] = out["microcredit_households"]
    return out


def _lookup(source: FigureSource, keys: pd.Series) -> pd.Series:
    """Values of `source` for keys "<province_code>:<figure>", NaN where absent."""
    if source is None:
        return pd.Series(np.nan, index=keys.index, dtype=float)
    flat = figure_values(source) if isinstance(source, pd.DataFrame) else source
    found = keys.map(lambda k: flat.get(k))
    return pd.to_numeric(found, errors="coerce").astype(float)


def _ordered(out: pd.DataFrame) -> pd.DataFrame:
    columns = ["province_code", "province"]
    for figure in FIGURES:
        if figure.key not in out:
            out[figure.key] = np.nan
        out[figure.key] = out[figure.key].astype(float)
        if figure.household_derived:
            out[figure.cells] = out[figure.cells].astype(np.int64)
        else:
            out[figure.cells] = pd.Series([None] * len(out), index=out.index, dtype=object)
        columns += [figure.key, figure.cells]
    return out[columns]
