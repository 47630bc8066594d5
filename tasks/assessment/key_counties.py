"""重点帮扶县发展成效监测评价: the 160 key assistance counties' own evaluation, beside the provinces' assessment.

Per key county (`counties.is_key_assistance`), from the roster's counts (tasks.assessment.indicators) and the
linkage funds:
- labour_employment: 脱贫人口 with labour capacity (普通/技能劳动力) who worked at least `min_months` months
  (the bar of the programme's 务工 figures) / all of them;
- development_coverage, safety_net_coverage, risk_elimination, relocation_employment: as the provinces'
  indicators, counted over the county;
- income_growth (`growth`): the county's 脱贫户 per-capita income growth;
- funds (万元): linkage funds allocated to the county in the year, and the share for industry.
Each compared indicator also comes as `<key>_province`: the same over the whole province, key counties or not.

A county lags when its income growth is below its province's or in the bottom tenth of the key counties
nationally, or when it is behind its province on at least two of the compared indicators; `reason` says on
which. A county without a figure is not behind on it: there is nothing to compare."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tasks.assessment.indicators import RosterCounts, province_label, ratio_columns
from tasks.outputs.spreadsheets import yes_no

COMPARED = {"labour_employment": "脱贫劳动力务工就业率", "development_coverage": "开发式帮扶覆盖率",
            "safety_net_coverage": "兜底保障覆盖率", "risk_elimination": "风险消除比例"}
INDICATORS = (*COMPARED, "relocation_employment", "income_growth")
BOTTOM_SHARE = 0.10  # key counties in the bottom tenth nationally on growth lag, whatever their province
BEHIND_ON_AT_LEAST = 2
COLUMNS_ZH = {
    "county_code": "县代码", "county": "县名称", "province_code": "省代码", "province": "省份",
    "growth": "脱贫户人均纯收入增长率", "province_growth": "全省平均增长率",
    **{k: v for key, label in COMPARED.items() for k, v in ((key, label), (f"{key}_province", f"全省{label}"))},
    "relocation_employment": "易地搬迁劳动力务工就业率", "funds": "衔接资金(万元)",
    "funds_industry_share": "其中用于产业发展比例", "lagging": "是否滞后", "reason": "滞后原因",
}
PROVINCES_ZH = {"province_code": "省代码", "province": "省份", "key_counties": "重点帮扶县(个)",
                "lagging": "其中滞后(个)", "funds": "投向重点帮扶县的衔接资金(万元)",
                "funds_share": "占全省衔接资金比例"}
# Shares are kept as fractions and shown in per cent; amounts in 万元 with one decimal.
SHARES = ("growth", "province_growth", *(k for key in COMPARED for k in (key, f"{key}_province")),
          "relocation_employment", "funds_industry_share")
NUMBER_FORMATS = ({COLUMNS_ZH[k]: "0.0%" for k in SHARES} | {COLUMNS_ZH["funds"]: "#,##0.0"}
                  | {PROVINCES_ZH["funds"]: "#,##0.0", PROVINCES_ZH["funds_share"]: "0.0%"})
RATIOS = {"labour_employment": ("labour_employed", "labour_full"), "development_coverage": ("dev_covered",
          "dev_eligible"), "safety_net_coverage": ("net_covered", "net_eligible"),
          "risk_elimination": ("eliminated_monitored", "monitored"),
          "relocation_employment": ("reloc_employed", "reloc_full")}


def county_indicators(counts: RosterCounts, counties: pd.DataFrame, funds: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per key county: its indicators, their province's, growth and funds (module docstring)."""
    key = counties[counties["is_key_assistance"].fillna(False).astype(bool)]
    by_county, by_province = _sums(counts, "county_code"), _sums(counts, "province_code")
    out = pd.DataFrame({"county_code": key["code"].to_numpy(), "county": key["name"].to_numpy(),
                        "province_code": key["province_code"].to_numpy()})
    out.insert(3, "province", out["province_code"].map(province_label))
    for name in INDICATORS:
        mine = by_county[name].reindex(out["county_code"]).to_numpy()
        out[name] = mine
        if name in COMPARED:
            out[f"{name}_province"] = by_province[name].reindex(out["province_code"]).to_numpy()
    out["growth"] = out["income_growth"]
    out["province_growth"] = by_province["income_growth"].reindex(out["province_code"]).to_numpy()
    allocated = _funds(funds, year)
    out["funds"] = allocated["amount"].reindex(out["county_code"]).fillna(0.0).to_numpy()
    out["funds_industry_share"] = allocated["industry_share"].reindex(out["county_code"]).to_numpy()
    return out


def lagging_counties(frame: pd.DataFrame, bottom_share: float = BOTTOM_SHARE) -> pd.DataFrame:
    """The county frame with `lagging` and `reason` (module docstring); ranks in the bottom tenth go up to
    ceil(n × share) among the counties with a growth figure, ties sharing a rank."""
    out = frame.copy()
    growth = out["growth"].astype(float)
    below = (growth < out["province_growth"].astype(float)).to_numpy(dtype=bool)
    known = growth.notna()
    cut = math.ceil(known.sum() * bottom_share)
    bottom = (growth.rank(method="min") <= cut).to_numpy(dtype=bool) & known.to_numpy()
    behind = {name: (out[name].astype(float) < out[f"{name}_province"].astype(float)).to_numpy(dtype=bool)
              for name in COMPARED if name in out and f"{name}_province" in out}
    behind_count = np.sum(list(behind.values()), axis=0) if behind else np.zeros(len(out), dtype=int)
    many = behind_count >= BEHIND_ON_AT_LEAST
    out["lagging"] = below | bottom | many
    reasons = []
    for i in range(len(out)):
        parts = []
        if below[i]:
            parts.append("收入增长低于全省平均 / income growth below the province's")
        if bottom[i]:
            parts.append(f"收入增长处于全国重点县后{bottom_share:.0%} / bottom {bottom_share:.0%} nationally")
        if many[i]:
            parts.append(f"低于全省：{'、'.join(COMPARED[n] for n, b in behind.items() if b[i])} / behind the "
                         f"province on {int(behind_count[i])} indicators")
        reasons.append("；".join(parts) or None)
    out["reason"] = pd.Series(reasons, index=out.index, dtype=object)
    return out


def by_province(frame: pd.DataFrame, funds: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per province with key counties: how many, how many lag, the linkage funds going to them and their share
    of the province's."""
    total = funds[funds["year"].eq(year)].groupby("province_code")["amount"].sum().astype(float)
    grouped = frame.groupby(["province_code", "province"], sort=True)
    out = pd.DataFrame({"key_counties": grouped.size(), "lagging": grouped["lagging"].sum().astype(int),
                        "funds": grouped["funds"].sum()}).reset_index()
    out["funds_share"] = out["funds"] / out["province_code"].map(total).where(lambda t: t > 0)
    return out


def sheets(frame: pd.DataFrame, provinces: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The key-county workbook: every key county, the lagging ones, and per province (Chinese headers)."""
    counties = frame.reindex(columns=list(COLUMNS_ZH))
    lagging = counties["lagging"].fillna(False).astype(bool)
    counties["lagging"] = lagging.map(yes_no)
    return {"重点帮扶县监测评价": counties.rename(columns=COLUMNS_ZH),
            "滞后县": counties[lagging].rename(columns=COLUMNS_ZH),
            "按省汇总": provinces.reindex(columns=list(PROVINCES_ZH)).rename(columns=PROVINCES_ZH)}


def _sums(counts: RosterCounts, by: str) -> pd.DataFrame:
    h, p = counts.of(by)
    sums = h.join(p, how="outer").fillna(0)
    parts = [ratio_columns(sums, num, den, name)[[name]] for name, (num, den) in RATIOS.items()]
    parts.append(ratio_columns(sums, "income_now", "income_prev", "income_growth", minus_one=True)[["income_growth"]])
    return pd.concat(parts, axis=1)


def _funds(funds: pd.DataFrame, year: int) -> pd.DataFrame:
    rows = funds[funds["year"].eq(year)]
    amount = rows["amount"].astype(float)
    sums = pd.DataFrame({"county_code": rows["county_code"], "amount": amount,
                         "industry": amount.where(rows["use"].eq("industry").fillna(False), 0.0)}
                        ).groupby("county_code").sum()
    sums["industry_share"] = sums["industry"] / sums["amount"].where(sums["amount"] > 0)
    return sums
