"""Synthetic assistance measures and problem leads, consistent with the households and persons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.reference.codes import DEVELOPMENT_CATEGORIES, measure_kind_of
from tasks.synthetic.common import ProvinceContext, pick, random_dates, random_phones
from tasks.synthetic.households import RISK_P
from tasks.synthetic.names import compose_names, draw_surname_index
from tasks.synthetic.persons import unique_id_numbers

DEVELOPMENT = sorted(DEVELOPMENT_CATEGORIES)
OTHER = ["health", "compulsory_education", "other_education", "housing", "drinking_water", "social",
         "living_conditions", "infrastructure", "relocation"]
CHANNEL_P = {"cadre_visit": 45, "department_alert": 30, "self_report": 15, "platform": 10}
DEPARTMENTS = np.array(["医保局", "民政局", "教育局", "住建局", "水利局", "残联", "人社局", "应急管理局",
                        "农业农村局"], dtype=object)
LEADS_PER_HOUSEHOLD = 0.06  # problem leads a year per roster household


def household_labour(persons: pd.DataFrame, households: pd.DataFrame) -> np.ndarray:
    """'full' if any member is 普通/技能劳动力, 'weak' if some member is 弱/半劳动力, else 'none'."""
    idx = pd.Index(households["household_no"]).get_indexer(persons["household_no"])
    n = len(households)
    full = np.bincount(idx, weights=persons["labour_skill"].isin(["ordinary", "skilled"]), minlength=n) > 0
    weak = np.bincount(idx, weights=(persons["labour_skill"] == "weak"), minlength=n) > 0
    return np.where(full, "full", np.where(weak, "weak", "none"))


def generate_measures(ctx: ProvinceContext, households: pd.DataFrame, persons: pd.DataFrame) -> pd.DataFrame:
    rng, year = ctx.rng, ctx.year
    n = len(households)
    labour = household_labour(persons, households)
    monitored = households["monitoring_type"].notna().to_numpy()
    at_risk = (households["risk_status"] == "at_risk").to_numpy()
    # Development measures: almost every labour-capable monitored household has one (the checker rule
    # catches the rest), weak labour about half, other 脱贫户 a third.
    p_dev = np.select([monitored & (labour == "full"), monitored & (labour == "weak")], [0.93, 0.5], 0.33)
    n_dev = np.where(rng.random(n) < p_dev, rng.choice([1, 2, 3], n, p=[0.6, 0.3, 0.1]), 0)
    n_safety = (monitored & (labour == "none") & (rng.random(n) < 0.85)).astype(int)
    n_other = np.where(rng.random(n) < np.where(monitored, 0.5, 0.15), rng.choice([1, 2], n, p=[0.7, 0.3]), 0)

    counts = n_dev + n_safety + n_other
    hh = np.repeat(np.arange(n), counts)
    k = np.arange(len(hh)) - np.repeat(np.cumsum(counts) - counts, counts)
    kind_slot = np.select([k < n_dev[hh], k < (n_dev + n_safety)[hh]], [0, 1], 2)
    category = np.select(
        [kind_slot == 0, kind_slot == 1],
        [np.asarray(DEVELOPMENT, dtype=object)[rng.integers(0, len(DEVELOPMENT), len(hh))],
         "comprehensive_security"],
        default=np.asarray(OTHER, dtype=object)[rng.integers(0, len(OTHER), len(hh))],
    )
    start = random_dates(rng, "2021-01-01", f"{year}-03-31", len(hh))
    # Most measures run on; some ended, a few just before the screening's as-of date.
    ends = rng.random(len(hh))
    end = np.where(ends < 0.12, start + rng.integers(90, 720, len(hh)).astype("timedelta64[D]"),
                   np.datetime64("NaT"))
    end = np.where((ends >= 0.12) & (ends < 0.15) & at_risk[hh], np.datetime64(f"{year}-06-29"), end)
    return pd.DataFrame({
        "measure_no": households["household_no"].to_numpy()[hh]
        + "-M" + pd.Series(k + 1).astype("str").str.zfill(2).to_numpy(),
        "household_no": households["household_no"].to_numpy()[hh],
        "province_code": ctx.code,
        "category": category,
        "kind": [measure_kind_of(c) for c in category],
        "start_on": pd.to_datetime(start),
        "end_on": pd.to_datetime(end),
    })


def generate_leads(ctx: ProvinceContext, households: pd.DataFrame, persons: pd.DataFrame) -> pd.DataFrame:
    rng, year, t = ctx.rng, ctx.year, ctx.threshold
    n = max(1, round(len(households) * LEADS_PER_HOUSEHOLD))
    channel = pick(rng, CHANNEL_P, n)
    subject = pick(rng, {"person": 65, "household": 20, "outside": 15}, n)

    # Leads point more often at households near or under the threshold.
    low = (households["per_capita_net_income"] < 1.3 * t).to_numpy()
    w = 1.0 + 5.0 * low
    hh = rng.choice(len(households), size=n, p=w / w.sum())
    hh_no = households["household_no"].to_numpy()[hh]
    member_idx = _random_member(rng, households, hh)
    id_number = persons["id_number"].to_numpy()[member_idx].astype(object)
    name = persons["name"].to_numpy()[member_idx].astype(object)
    county = households["county_code"].to_numpy()[hh].astype(object)

    outside = subject == "outside"
    m = int(outside.sum())
    if m:
        out_county = ctx.counties["code"].to_numpy()[rng.integers(0, len(ctx.counties), m)]
        male = rng.random(m) < 0.5
        birth = np.datetime64(f"{year}-06-30") - rng.integers(20 * 365, 80 * 365, m).astype("timedelta64[D]")
        id_number[outside] = unique_id_numbers(rng, out_county, birth, male, roster=False).to_numpy()
        name[outside] = compose_names(rng, draw_surname_index(rng, m), male).to_numpy()
        county[outside] = out_county
    id_number[subject == "household"] = None
    name[subject == "household"] = None
    household_no = np.where((subject == "household") | ((subject == "person") & (channel == "cadre_visit")
                                                        & (rng.random(n) < 0.5)), hh_no, None)

    reported, accepted, verified = _lead_times(rng, year, channel, n)
    status = np.where(pd.isna(verified), "pending", np.where(rng.random(n) < 0.6, "closed", "verified"))
    outcome = np.where(status == "pending", None, pick(rng, {"identified": 25, "assisted": 35, "no_risk": 40}, n))
    order = np.argsort(reported, kind="stable")
    frame = pd.DataFrame({
        "lead_no": [f"XS{year}{ctx.code}{i + 1:07d}" for i in range(n)],
        "channel": channel[order],
        "department": np.where(channel == "department_alert",
                               DEPARTMENTS[rng.integers(0, len(DEPARTMENTS), n)], None)[order],
        "province_code": ctx.code,
        "county_code": county[order],
        "id_number": id_number[order],
        "name": name[order],
        "phone": random_phones(rng, n).where(rng.random(n) < 0.6, None).to_numpy()[order],
        "household_no": household_no[order],
        "risk_code": pick(rng, RISK_P, n)[order],
        "reported_at": reported[order],
        "accepted_at": accepted[order],
        "verified_at": verified[order],
        "status": status[order],
        "outcome": outcome[order],
    })
    return frame


def _random_member(rng, households: pd.DataFrame, hh: np.ndarray) -> np.ndarray:
    """Row of a random member of each household `hh` (persons are laid out household by household)."""
    size = households["household_size"].to_numpy()
    start = np.cumsum(size) - size
    return start[hh] + (rng.random(len(hh)) * size[hh]).astype(int)


def _lead_times(rng, year: int, channel: np.ndarray, n: int):
    """Reported during the year (busier in Q2, the screening), accepted within hours (the platform within
    2 days, with some late), verified within about two weeks, some still pending at year end."""
    days = np.arange(365 + (1 if year % 4 == 0 else 0))
    weights = np.where((days >= 90) & (days < 181), 2.0, 1.0)
    day = random_dates(rng, f"{year}-01-01", f"{year}-12-31", n, weights=weights[: 365 + (year % 4 == 0)])
    reported = pd.to_datetime(day) + pd.to_timedelta(rng.integers(8 * 3600, 18 * 3600, n), unit="s")
    accept_hours = np.where(channel == "platform", rng.lognormal(np.log(20), 0.7, n), rng.uniform(0, 24, n))
    accepted = reported + pd.to_timedelta(np.round(accept_hours * 3600), unit="s")
    verify_days = rng.gamma(2.0, 4.0, n) + 0.5
    verified = accepted + pd.to_timedelta(np.round(verify_days * 86400), unit="s")
    year_end = pd.Timestamp(f"{year}-12-31 23:59:59")
    pending = (rng.random(n) < 0.08) | (verified > year_end)
    verified = verified.where(~pending, pd.NaT)
    return reported.to_numpy(), accepted.to_numpy(), verified.to_numpy()
