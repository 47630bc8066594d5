"""Per 集中安置点 and quarter, what the follow-up watches, from the roster as of the quarter's end (its relocated
households and their members) and the county's report on the site (services, earmarked funds): the aim is at
least one employed person in every relocated household with labour (有劳动力的搬迁家庭至少一人就业)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.outputs.flags import with_flags
from tasks.reference.codes import FULL_LABOUR

# By persons relocated, as the national practice bands 集中安置区 (特大型 ≥ 10,000, 大型 3,000 to 10,000,
# 中型 800 to 3,000, 小型 under 800); the large ones receive earmarked follow-up funds.
SIZE_BANDS = ((10_000, "特大型"), (3_000, "大型"), (800, "中型"), (0, "小型"))
LARGE = frozenset({"特大型", "大型"})
SERVICES = {"school": "学校", "clinic": "卫生服务", "workshop": "就业帮扶车间", "community_service": "社区服务"}
# Why a site is of concern, in the order a coordinator reads them.
FLAGS = {
    "below_aim": "有劳动力的搬迁户中有户无人就业",
    "employment_fell": "搬迁劳动力就业人数比上季度减少",
    "large_without_funds": "大型安置点后续扶持专项资金未到位",
    "services_missing": "配套公共服务不全",
    "not_reported": "本季度未报送安置点情况",
}
# What the follow-up reads of the roster: at national scale a column costs seconds to read twice.
HOUSEHOLD_COLUMNS = ["household_no", "in_relocation_area", "relocation_site_code", "household_size",
                     "per_capita_net_income"]
PERSON_COLUMNS = ["person_no", "household_no", "labour_skill", "months_employed"]  # person_no: which version


def size_band(persons: pd.Series) -> pd.Series:
    bands = np.select([persons.fillna(0).to_numpy() >= low for low, _ in SIZE_BANDS], [b for _, b in SIZE_BANDS], "")
    return pd.Series(bands, index=persons.index)


def employment(households: pd.DataFrame, persons: pd.DataFrame, min_months: int) -> pd.DataFrame:
    """Per site: relocated households and persons, households with labour and with someone employed, the
    labour and how many of it worked at least `min_months` months (the programme's 务工 bar), and the income
    per head of its households (their net income over their members). Households outside a site are not
    counted; their members neither."""
    relocated = households[households["in_relocation_area"].fillna(False).astype(bool)
                           & households["relocation_site_code"].notna()]
    # In a fixed order: a site's income is a sum of floats, and the database returns rows in no set order
    # (a plan changed by ANALYZE, a row resolved from the history): the same quarter, the same last digit.
    relocated = relocated.sort_values("household_no", kind="stable")
    members = persons[persons["household_no"].isin(relocated["household_no"])]
    labour = members["labour_skill"].isin(FULL_LABOUR).to_numpy()
    employed = labour & (members["months_employed"].astype(float).fillna(0).to_numpy() >= min_months)
    per_household = pd.DataFrame({"household_no": members["household_no"].to_numpy(), "labour": labour,
                                  "employed": employed}).groupby("household_no").agg(
        labour=("labour", "sum"), employed=("employed", "sum"))
    h = relocated.set_index("household_no")[["relocation_site_code", "household_size", "per_capita_net_income"]]
    h = h.join(per_household, how="left").fillna({"labour": 0, "employed": 0})
    size = h["household_size"].astype(float)
    income = h["per_capita_net_income"].astype(float)
    h = h.assign(with_labour=h["labour"] > 0, with_labour_employed=(h["labour"] > 0) & (h["employed"] > 0),
                 income_weight=size.where(income.notna()), income_total=income * size)
    out = h.groupby("relocation_site_code").agg(
        households_relocated=("household_size", "size"), households_with_labour=("with_labour", "sum"),
        households_employed=("with_labour_employed", "sum"), labour=("labour", "sum"),
        labour_employed=("employed", "sum"), income_total=("income_total", "sum"),
        income_weight=("income_weight", "sum"))
    persons_of = members.groupby(members["household_no"].map(h["relocation_site_code"])).size()
    out["persons_relocated"] = persons_of.reindex(out.index).fillna(0)
    out["income_per_capita"] = out["income_total"] / out["income_weight"].where(out["income_weight"] > 0)
    return out.drop(columns=["income_total", "income_weight"]).rename_axis("site_code")


def site_figures(sites: pd.DataFrame, reports: pd.DataFrame, now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """One row per site of the register (`sites`): the quarter's employment (`now`, from `employment`) beside
    the quarter before (`before`), the county's report on the site, its size band, and its flags (FLAGS) with
    how many; in order of concern (most flags, then most households with labour and nobody employed)."""
    counts = ["households_relocated", "persons_relocated", "households_with_labour", "households_employed",
              "labour", "labour_employed"]
    out = sites.set_index("site_code")[["name", "province_code", "county_code", "persons"]].rename(
        columns={"persons": "persons_registered"})
    out = out.join(now, how="left").fillna({c: 0 for c in counts})
    out[counts] = out[counts].astype("int64")
    out["households_below_aim"] = out["households_with_labour"] - out["households_employed"]
    out["employment_rate"] = out["labour_employed"] / out["labour"].where(out["labour"] > 0)
    out["labour_employed_before"] = before["labour_employed"].reindex(out.index).fillna(0).astype("int64")
    out["employment_change"] = out["labour_employed"] - out["labour_employed_before"]
    report = reports.set_index("site_code")[[*SERVICES, "funds_received"]]
    out = out.join(report, how="left")
    out["reported"] = out.index.isin(report.index)
    out["size_band"] = size_band(out["persons_registered"])
    services = out[list(SERVICES)].astype("boolean")
    flags = pd.DataFrame({
        "below_aim": out["households_below_aim"] > 0,
        "employment_fell": out["employment_change"] < 0,
        "large_without_funds": out["size_band"].isin(LARGE) & ~(out["funds_received"].astype(float) > 0),
        "services_missing": out["reported"] & ~services.fillna(False).all(axis=1),
        "not_reported": ~out["reported"],
    }, index=out.index)
    out = with_flags(out, flags, FLAGS).reset_index().sort_values(["flag_count", "households_below_aim", "site_code"],
                                        ascending=[False, False, True], ignore_index=True)
    return out
