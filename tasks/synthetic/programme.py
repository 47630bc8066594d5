"""Synthetic programme figures: thresholds, linkage funds, employment, rural incomes, microcredit, training,
sites."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from tasks.model import metadata
from tasks.synthetic.common import ProvinceContext, random_dates, threshold_for

FUNDS_PER_HOUSEHOLD = 0.52  # 万元 a year: about 1,561 亿元 for 30 million households (2021)
QUARTER_SPLIT = np.array([0.35, 0.30, 0.20, 0.15])
OTHER_USES = {"infrastructure": 0.45, "employment": 0.15, "education": 0.10, "relocation": 0.10,
              "other": 0.20}
SEASONAL = np.array([0.93, 0.99, 1.0, 1.005])  # migrant work peaks after the Spring Festival return
MICROCREDIT_SHARE = 0.055  # households taking a new loan a year (155.7 万户 in 2021)


def thresholds(ctx: ProvinceContext) -> pd.DataFrame:
    years = [ctx.year - 1, ctx.year]
    return pd.DataFrame({
        "province_code": ctx.code, "year": years,
        "threshold": [threshold_for(ctx.province, y) for y in years],
        "source": "synthetic: 2023 reference figure grown 5 % a year",
    })


def linkage_funds(ctx: ProvinceContext, households: pd.DataFrame) -> pd.DataFrame:
    rng = ctx.rng
    per_county = households.groupby("county_code").size()
    counties = ctx.counties.set_index("code")
    rows = []
    for year in (ctx.year - 1, ctx.year):
        # 2023 target: at least 60 % for industry; most provinces reach it, some fall short.
        industry_share = float(np.clip(rng.normal(0.62 - 0.04 * (year < ctx.year), 0.03), 0.5, 0.75))
        for county, hh in per_county.items():
            total = hh * FUNDS_PER_HOUSEHOLD * (1.3 if counties.at[county, "is_key_assistance"] else 1.0)
            uses = {"industry": industry_share, **{u: s * (1 - industry_share) for u, s in OTHER_USES.items()}}
            for q, q_share in enumerate(QUARTER_SPLIT, start=1):
                for use, share in uses.items():
                    rows.append((county, year, q, use, ctx.code, round(total * q_share * share, 2)))
    return pd.DataFrame(rows, columns=["county_code", "year", "quarter", "use", "province_code", "amount"])


def employment(ctx: ProvinceContext, households: pd.DataFrame, persons: pd.DataFrame) -> pd.DataFrame:
    employed = persons["months_employed"] > 0
    key_counties = set(ctx.counties.loc[ctx.counties["is_key_assistance"], "code"])
    county_of = dict(zip(households["household_no"], households["county_code"], strict=True))
    in_key = persons["household_no"].map(county_of).isin(key_counties)
    base = np.array([employed.sum(), (employed & persons["relocated"]).sum(), (employed & in_key).sum()])
    rows = []
    for year, level in ((ctx.year - 1, 0.965), (ctx.year, 1.0)):
        for q, season in enumerate(SEASONAL, start=1):
            values = np.round(base * level * season).astype(int)
            rows.append((ctx.code, year, q, *values.tolist()))
    return pd.DataFrame(rows, columns=["province_code", "year", "quarter", "employed", "employed_relocated",
                                       "employed_key_counties"])


# The national figure was 16,396 元 in 2023 (+8.4 %), 15,111 元 in 2022; the year to date reaches these shares
# of the year by each quarter's end (rural incomes come late in the year, with the harvests).
AREA_INCOME_2023 = 16_396
AREA_INCOME_GROWTH = 0.084
INCOME_TO_DATE = (0.30, 0.49, 0.78, 1.0)
RURAL_RESIDENTS_PER_COUNTY = 25.0  # 万人, about 21 million in the 832 counties' villages


def rural_incomes(ctx: ProvinceContext) -> pd.DataFrame:
    """The survey figures of the province's 脱贫县 for the year and the year before, per quarter (year to
    date); none for a province without 脱贫县. Its own random stream: the other tables stay as they were."""
    p = ctx.province
    if not p.former_poor_counties:
        return pd.DataFrame(columns=["province_code", "year", "quarter", "income", "population"])
    rng = np.random.default_rng([20221231, int(p.code), ctx.year])
    level = AREA_INCOME_2023 * (1 + AREA_INCOME_GROWTH) ** (ctx.year - 2023) * p.threshold_2023 / 7_000
    now = level * rng.uniform(0.97, 1.03)
    before = now / ((1 + AREA_INCOME_GROWTH) * rng.uniform(0.99, 1.01))
    population = p.former_poor_counties * RURAL_RESIDENTS_PER_COUNTY * rng.uniform(0.9, 1.1)
    rows = [(p.code, year, q, round(annual * share, 0), round(population * shrink, 1))
            for year, annual, shrink in ((ctx.year - 1, before, 1.01), (ctx.year, now, 1.0))
            for q, share in enumerate(INCOME_TO_DATE, start=1)]
    return pd.DataFrame(rows, columns=["province_code", "year", "quarter", "income", "population"])


def microcredit(ctx: ProvinceContext, households: pd.DataFrame) -> pd.DataFrame:
    rng = ctx.rng
    frames = []
    eligible = households[households["is_poverty_alleviated"] | households["monitoring_type"].notna()]
    for year in (ctx.year - 1, ctx.year):
        takers = eligible[rng.random(len(eligible)) < MICROCREDIT_SHARE]
        m = len(takers)
        amount = np.where(rng.random(m) < 0.4, 50000.0, np.round(rng.uniform(10000, 50000, m), -3))
        frames.append(pd.DataFrame({
            "loan_no": "XD" + str(year) + takers["household_no"].to_numpy(),
            "household_no": takers["household_no"].to_numpy(),
            "province_code": ctx.code,
            "county_code": takers["county_code"].to_numpy(),
            "issued_on": pd.to_datetime(random_dates(rng, f"{year}-01-01", f"{year}-12-31", m)),
            "amount": amount,
            "term_months": 36,
        }))
    return pd.concat(frames, ignore_index=True)


def training(ctx: ProvinceContext, persons: pd.DataFrame) -> pd.DataFrame:
    rng = ctx.rng
    age = ctx.year - persons["birth_date"].dt.year
    yulu_eligible = persons["in_school"] & persons["schooling"].isin(["vocational", "college"]) & (age >= 15)
    skills_eligible = persons["labour_skill"].isin(["ordinary", "skilled", "weak"]) & age.between(16, 55)
    frames = []
    for year in (ctx.year - 1, ctx.year):
        for programme, eligible, rate in (("yulu", yulu_eligible, 0.8), ("skills", skills_eligible, 0.04)):
            chosen = persons[eligible & (rng.random(len(persons)) < rate)]
            m = len(chosen)
            frames.append(pd.DataFrame({
                "enrolment_no": chosen["person_no"].to_numpy() + f"-{year}-{programme}",
                "person_no": chosen["person_no"].to_numpy(),
                "household_no": chosen["household_no"].to_numpy(),
                "province_code": ctx.code,
                "year": year,
                "programme": programme,
                "enrolled_on": pd.to_datetime(random_dates(rng, f"{year}-01-01", f"{year}-10-31", m)),
                "completed": rng.random(m) < 0.9,
            }))
    return pd.concat(frames, ignore_index=True)


def relocation_sites(ctx: ProvinceContext, households: pd.DataFrame) -> pd.DataFrame:
    relocated = households[households["in_relocation_area"]]
    sites = relocated.groupby(["relocation_site_code", "county_code"], as_index=False).agg(
        households=("household_no", "size"), persons=("household_size", "sum"))
    counties = ctx.counties.set_index("code")["name"]
    sites["name"] = sites["county_code"].map(counties) + sites["relocation_site_code"].str[-3:] + "号安置点"
    sites["province_code"] = ctx.code
    return sites.rename(columns={"relocation_site_code": "site_code"})[
        ["site_code", "name", "province_code", "county_code", "households", "persons"]]


# How often a site reports each service present, and how often its county leaves the quarter unreported.
SERVICE_SHARES = {"school": 0.92, "clinic": 0.96, "workshop": 0.72, "community_service": 0.88}
UNREPORTED_SHARE = 0.03


def relocation_reports(rng: np.random.Generator, year: int, sites: pd.DataFrame) -> pd.DataFrame:
    """Each site's report for the quarters of `year` already ended (a county reports a quarter after it):
    services present, earmarked funds received (万元; a small site often none), a few quarters unreported."""
    today = date.today()
    frames = []
    for quarter in range(1, 5):
        end = date(year, 12, 31) if quarter == 4 else date(year, 3 * quarter + 1, 1) - timedelta(days=1)
        if end >= today:
            break
        reported = sites[rng.random(len(sites)) >= UNREPORTED_SHARE]
        n = len(reported)
        frames.append(pd.DataFrame({
            "report_no": reported["site_code"] + f"-{year}Q{quarter}", "site_code": reported["site_code"],
            "year": year, "quarter": quarter, "province_code": reported["province_code"],
            "county_code": reported["county_code"],
            **{service: rng.random(n) < share for service, share in SERVICE_SHARES.items()},
            "funds_received": np.where(rng.random(n) < 0.6, np.round(rng.gamma(2.0, 40.0, n), 1), 0.0),
            "reported_on": pd.Timestamp(end + timedelta(days=8)).date(),
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["report_no"])


PROJECT_NAMES = {
    "industry": ("特色种植基地", "标准化养殖小区", "农产品初加工厂", "冷链仓储设施", "乡村旅游配套"),
    "infrastructure": ("村组道路硬化", "农村供水保障", "小型水利设施", "产业路修建"),
    "employment": ("就业帮扶车间", "乡村公益性岗位", "劳务协作补助"),
    "education": ("雨露计划补助", "职业技能培训"),
    "relocation": ("安置区配套设施", "安置区产业园"),
    "other": ("项目管理费", "其他衔接项目"),
}
OPERATING_SHARE = {"industry": 0.8, "employment": 0.3}  # the rest of the uses are public works
UNITEMISED_COUNTIES = 0.05  # counties that have not sent their ledger
MISMATCHED_QUARTERS = 0.003  # allotments whose projects disagree with it (a typo'd amount; 2 % of quarters)


def fund_projects(rng: np.random.Generator, year: int, funds: pd.DataFrame) -> pd.DataFrame:
    """The ledger of `year`'s quarters already ended: each county's allotment per quarter and use split into
    projects (one to three; two to five for industry) whose amounts add up to it, operating projects mostly
    with their 联农带农 mechanism and households linked; a few counties send none and a few quarters disagree."""
    today = date.today()
    ended = [q for q in range(1, 5) if (date(year, 12, 31) if q == 4 else date(year, 3 * q + 1, 1)) <= today]
    rows = funds[funds["year"].eq(year) & funds["quarter"].isin(ended) & funds["amount"].gt(0)]
    counties = rows["county_code"].unique()
    rows = rows[~rows["county_code"].isin(counties[rng.random(len(counties)) < UNITEMISED_COUNTIES])]
    rows = rows.reset_index(drop=True)
    if rows.empty:
        return pd.DataFrame(columns=["project_no"])
    industry = rows["use"].eq("industry").to_numpy()
    # No project below 0.01 万元: a small allotment is split less (synthetic counties can be small).
    per_row = np.clip(rng.integers(1, 4, len(rows)) + 2 * industry, 1, np.maximum(1, rows["amount"] // 0.05))
    of = np.repeat(np.arange(len(rows)), per_row.astype(int))
    weights = 1.0 + rng.gamma(3.0, 1.0, len(of))
    share = weights / np.bincount(of, weights)[of]
    amount = np.round(rows["amount"].to_numpy()[of] * share, 2)
    last = np.r_[of[1:] != of[:-1], True]  # the last project of an allotment takes what rounding left
    amount[last] = np.round(rows["amount"].to_numpy() - np.bincount(of, np.where(last, 0.0, amount)), 2)
    projects = rows.iloc[of].reset_index(drop=True)
    uses = projects["use"].to_numpy()
    operating = rng.random(len(of)) < projects["use"].map(OPERATING_SHARE).fillna(0.0).to_numpy()
    mechanisms = np.array(["contract_farming", "custody", "sales_agency", "floor_price", "employment",
                           "asset_income"], dtype=object)
    quarter_key = projects["county_code"] + "-" + str(year) + "Q" + projects["quarter"].astype(str)
    number = quarter_key + "-" + (projects.groupby(quarter_key.to_numpy()).cumcount() + 1).map("{:03d}".format)
    mismatched = rng.random(len(rows)) < MISMATCHED_QUARTERS
    amount[last & mismatched[of]] = np.round(amount[last & mismatched[of]] * 1.1 + 1.0, 2)
    reported = projects["quarter"].map(lambda q: date(year, 12, 31) if q == 4 else date(year, 3 * q + 1, 1)
                                       - timedelta(days=1)) + timedelta(days=10)
    return pd.DataFrame({
        "project_no": number, "year": year, "quarter": projects["quarter"], "province_code": projects["province_code"],
        "county_code": projects["county_code"],
        "project_name": [PROJECT_NAMES[u][i % len(PROJECT_NAMES[u])] for i, u in enumerate(uses)],
        "use": uses, "amount": amount, "operating": operating,
        "mechanism": np.where(operating & (rng.random(len(of)) < 0.95), rng.choice(mechanisms, len(of)), None),
        "linked_households": np.where(operating & (rng.random(len(of)) < 0.96), rng.integers(5, 300, len(of)), None),
        "reported_on": reported,
    })


EAST_HELPERS = ("北京市", "天津市", "上海市", "江苏省", "浙江省", "福建省", "山东省", "广东省")
CENTRAL_UNITS = ("国家发展改革委", "教育部", "财政部", "农业农村部", "水利部", "国家卫生健康委", "中国农业银行",
                 "国家电网有限公司", "中国石油天然气集团", "中国科学院")
# Per kind, the areas its agreement sets targets for and the range of a year's target (tasks.model.pairings).
PAIRING_TARGETS = {
    "east_west": {"projects": (3, 12), "labour": (200, 2000), "parks": (0, 2), "industry": (1, 6),
                  "cadres": (10, 60), "consumption": (500, 5000)},
    "central_unit": {"cadres": (2, 10), "funds_in": (200, 2000), "funds_brought": (500, 5000),
                     "trained": (200, 2000), "purchased": (100, 1000), "sold": (300, 3000)},
}
WITHOUT_AGREEMENT, UNSIGNED, LAGGING, UNREPORTED = 0.03, 0.03, 0.10, 0.03
UNITS = ("省直单位", "市直单位", "县直单位", "国有企业", "高校")  # who sends a village team
VILLAGE_NAMES = ("石门", "龙潭", "杨柳", "花园", "新民", "青山", "白水", "红星", "和平", "团结", "双河", "高峰")


def pairings(rng: np.random.Generator, province, year: int, counties: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The province's pairings: an east–west one for each former-poor county of a western province, a central
    unit's for each key assistance county; their agreements of the year before and the year (a few missing or
    unsigned), their progress to each ended quarter of the year (some lagging, a few unreported), and the
    village teams of each former-poor county (started over the last three years, most for two years)."""
    helped = [("east_west", c, EAST_HELPERS) for c in counties.loc[counties["is_former_poor"], "code"]
              if province.region == "west"]
    helped += [("central_unit", c, CENTRAL_UNITS) for c in counties.loc[counties["is_key_assistance"], "code"]]
    agreements, progress = [], []
    today = date.today()
    for kind, county, helpers in helped:
        number = f"{'EW' if kind == 'east_west' else 'CU'}-{county}"
        helper = str(rng.choice(helpers))
        lagging = rng.random() < LAGGING
        for y in (year - 1, year):
            if y == year and rng.random() < WITHOUT_AGREEMENT:
                continue
            targets = {f"target_{area}": float(rng.integers(low, high + 1))
                       for area, (low, high) in PAIRING_TARGETS[kind].items()}
            agreements.append({"agreement_no": f"{number}-{y}", "pairing_no": number, "pairing_kind": kind,
                               "year": y, "helper": helper, "province_code": province.code, "county_code": county,
                               "signed_on": None if rng.random() < UNSIGNED else date(y, 2, int(rng.integers(1, 28))),
                               **targets, "reported_on": date(y, 3, 10)})
            if y != year:
                continue
            for quarter in range(1, 5):
                end = date(y, 12, 31) if quarter == 4 else date(y, 3 * quarter + 1, 1) - timedelta(days=1)
                if end >= today or rng.random() < UNREPORTED:
                    continue
                pace = quarter / 4 * (0.55 if lagging else float(np.clip(rng.normal(1.05, 0.12), 0.8, 1.4)))
                progress.append({"progress_no": f"{number}-{y}Q{quarter}", "pairing_no": number, "year": y,
                                 "quarter": quarter, "province_code": province.code, "county_code": county,
                                 **{f"done_{k[7:]}": round(v * pace, 1) for k, v in targets.items()},
                                 "reported_on": end + timedelta(days=8)})
    teams = []
    for county in counties.loc[counties["is_former_poor"], "code"]:
        for k in range(int(rng.integers(2, 9))):
            started = date(year - 2, 6, 1) + timedelta(days=int(rng.integers(0, 900)))
            teams.append({"team_no": f"{county}-T{k + 1:02d}", "province_code": province.code, "county_code": county,
                          "village": f"{VILLAGE_NAMES[k % len(VILLAGE_NAMES)]}村", "unit": str(rng.choice(UNITS)),
                          "secretary": f"{'王李张刘陈杨黄赵'[k % 8]}书记", "members": int(rng.integers(2, 5)),
                          "started_on": min(started, today), "term_months": 36 if rng.random() < 0.2 else 24,
                          "reported_on": min(started + timedelta(days=10), today)})
    rows = {"pairing_agreements": agreements, "pairing_progress": progress, "village_teams": teams}
    return {name: pd.DataFrame(made, columns=[c.name for c in metadata.tables[name].columns])
            for name, made in rows.items()}
