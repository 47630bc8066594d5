"""Synthetic households: county, size, monitoring status, risks, incomes around the threshold, 三保障."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.synthetic.common import ProvinceContext, pick, random_dates, random_phones, seq_within

SIZE_P = np.array([0.12, 0.2, 0.2, 0.22, 0.14, 0.08, 0.03, 0.01])  # 1..8 persons, mean about 3.5
RISK_P = {"01": 30, "04": 15, "03": 12, "07": 10, "0201": 3, "0202": 2, "0203": 1, "0205": 1, "0299": 1,
          "05": 6, "06": 5, "09": 6, "99": 8}
RELOCATION_SHARE = {"west": 0.12, "central": 0.05, "east": 0.005}
HOUSEHOLDS_PER_SITE = 80  # about 35,000 sites for the country's relocated households


def generate_households(ctx: ProvinceContext, n: int) -> pd.DataFrame:
    rng, year, t = ctx.rng, ctx.year, ctx.threshold
    counties = ctx.counties
    # 脱贫户 concentrate in former poor counties, and most in the key assistance ones.
    w = 1.0 + 3.0 * counties["is_former_poor"].to_numpy() + 2.0 * counties["is_key_assistance"].to_numpy()
    county_idx = np.sort(rng.choice(len(counties), size=n, p=w / w.sum()))
    county_code = counties["code"].to_numpy()[county_idx]
    seq = seq_within(county_idx) + 1
    household_no = pd.Series(county_code, dtype="str") + pd.Series(seq).astype("str").str.zfill(8)

    size = rng.choice(np.arange(1, 9), size=n, p=SIZE_P)
    pa = rng.random(n) < 0.88
    monitored = np.where(pa, rng.random(n) < 0.03, rng.random(n) < 0.35)
    mtype = np.where(pa, "unstable", np.where(rng.random(n) < 0.7, "marginal", "sudden"))
    mtype = np.where(monitored, mtype, None)

    identified = random_dates(rng, "2020-03-01", f"{year}-06-30", n)
    old_enough = identified <= np.datetime64(f"{year}-01-01") - np.timedelta64(180, "D")
    eliminated = monitored & old_enough & (rng.random(n) < 0.85)
    eliminated_on = identified + rng.integers(120, 900, n).astype("timedelta64[D]")
    eliminated_on = np.minimum(eliminated_on, np.datetime64(f"{year}-06-30"))
    way = np.where(rng.random(n) < 0.75, "assisted", "natural")

    risks = _risk_codes(rng, n, monitored)
    incomes = _incomes(rng, n, size, t, monitored, eliminated)
    at_risk = monitored & ~eliminated
    gap_p = np.where(at_risk, 0.04, 0.006)

    relocated = rng.random(n) < RELOCATION_SHARE[ctx.province.region]
    site_seq = np.zeros(n, dtype=np.int64)
    site_seq[relocated] = seq_within(county_idx[relocated]) // HOUSEHOLDS_PER_SITE + 1
    site_code = pd.Series(county_code, dtype="str") + "AZ" + pd.Series(site_seq).astype("str").str.zfill(3)

    frame = pd.DataFrame({
        "household_no": household_no,
        "province_code": ctx.code,
        "county_code": county_code,
        "phone": random_phones(rng, n),
        "household_size": size,
        "is_poverty_alleviated": pa,
        "monitoring_type": mtype,
        "identified_on": pd.to_datetime(np.where(monitored, identified, np.datetime64("NaT"))),
        **risks,
        "risk_status": np.where(monitored, np.where(eliminated, "eliminated", "at_risk"), None),
        "elimination_way": np.where(eliminated, way, None),
        "eliminated_on": pd.to_datetime(np.where(eliminated, eliminated_on, np.datetime64("NaT"))),
        "income_year": year,
        **incomes,
        "housing_secure": rng.random(n) >= gap_p,
        "education_secure": rng.random(n) >= gap_p,
        "medical_secure": rng.random(n) >= gap_p,
        "drinking_water_secure": rng.random(n) >= gap_p,
        "in_relocation_area": relocated,
        "relocation_site_code": site_code.where(relocated, None),
    })
    return frame


def _risk_codes(rng: np.random.Generator, n: int, monitored: np.ndarray) -> dict[str, np.ndarray]:
    count = np.where(monitored, rng.choice([1, 2, 3], size=n, p=[0.55, 0.33, 0.12]), 0)
    codes = {}
    for k in range(5):
        drawn = pick(rng, RISK_P, n)
        codes[f"risk_code_{k + 1}"] = np.where(count > k, drawn, None)
    # Distinct codes per household: a repeat of an earlier code is dropped.
    for k in range(1, 3):
        col = codes[f"risk_code_{k + 1}"]
        dup = np.zeros(n, dtype=bool)
        for j in range(k):
            dup |= col == codes[f"risk_code_{j + 1}"]
        codes[f"risk_code_{k + 1}"] = np.where(dup, None, col)
    return codes


def _incomes(rng, n, size, t, monitored, eliminated) -> dict[str, np.ndarray]:
    """Per-capita incomes around the threshold T; components add up exactly to the net income."""
    centre = np.where(monitored, np.where(eliminated, 1.8, 1.1), 2.1)
    spread = np.where(monitored, np.where(eliminated, 0.30, 0.35), 0.45)
    pc = t * np.exp(np.log(centre) + spread * rng.standard_normal(n))
    growth = np.clip(rng.normal(1.08, 0.06, n), 0.8, 1.4)
    drop = rng.random(n) < 0.02
    growth = np.where(drop, 1 / rng.uniform(0.4, 0.68, n), growth)  # fell 32-60 % this year
    prev_pc = pc / growth

    shares = _shares(rng, n, monitored)
    out: dict[str, np.ndarray] = {}
    for prefix, per_capita in (("", pc), ("prev_", prev_pc)):
        net_target = per_capita * size
        wage = np.round(net_target * shares["wage"], 2)
        prop = np.round(net_target * shares["property"], 2)
        transfer = np.round(net_target * shares["transfer"], 2)
        business_net = net_target * shares["business"]
        business = np.round(business_net / 0.7, 2)
        expenses = np.round(business - business_net, 2)
        net = np.round(wage + business + prop + transfer - expenses, 2)
        out.update({
            f"{prefix}wage_income": wage, f"{prefix}business_income": business,
            f"{prefix}property_income": prop, f"{prefix}transfer_income": transfer,
            f"{prefix}business_expenses": expenses, f"{prefix}net_income": net,
            f"{prefix}per_capita_net_income": np.round(net / size, 2),
        })
    oop = np.round(rng.exponential(800, n), 2)
    heavy = rng.random(n) < np.where(monitored, 0.10, 0.02)
    oop = np.where(heavy, np.round(out["net_income"] * rng.uniform(0.5, 1.2, n), 2), oop)
    out["compliant_oop_expenditure"] = oop
    return out


def _shares(rng, n, monitored) -> dict[str, np.ndarray]:
    wage = rng.uniform(0.45, 0.72, n)
    prop = rng.uniform(0.0, 0.04, n)
    transfer = np.where(monitored, rng.uniform(0.15, 0.35, n), rng.uniform(0.06, 0.2, n))
    business = np.clip(1 - wage - prop - transfer, 0.02, None)
    total = wage + prop + transfer + business
    return {"wage": wage / total, "property": prop / total, "transfer": transfer / total,
            "business": business / total}
