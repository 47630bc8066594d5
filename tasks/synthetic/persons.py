"""Synthetic household members: relation, age, sex, valid ID numbers, names, schooling, health, labour."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.privacy import CHECK_CHARS, WEIGHTS
from tasks.synthetic.common import ProvinceContext, pick
from tasks.synthetic.names import compose_names, draw_surname_index

# Minority shares by province (GB 3304 codes); the rest are 汉族 (01).
ETHNIC_MIX = {
    "54": {"04": 0.9}, "65": {"05": 0.45, "17": 0.07, "03": 0.05}, "45": {"08": 0.32, "13": 0.03},
    "64": {"03": 0.36}, "52": {"06": 0.12, "09": 0.07, "12": 0.04}, "53": {"07": 0.11, "16": 0.04,
    "14": 0.03, "18": 0.03, "20": 0.02}, "63": {"04": 0.25, "03": 0.15}, "15": {"02": 0.18},
    "43": {"15": 0.04, "06": 0.03}, "42": {"15": 0.04}, "50": {"15": 0.04}, "51": {"07": 0.03, "04": 0.02},
    "46": {"19": 0.15}, "22": {"10": 0.04}, "21": {"11": 0.12}, "13": {"11": 0.03}, "62": {"03": 0.05},
}
ROSTER_SEQ_LIMIT = 900  # sequence numbers 000-899 for the roster, 900-999 for people outside it


def generate_persons(ctx: ProvinceContext, households: pd.DataFrame) -> pd.DataFrame:
    rng, year = ctx.rng, ctx.year
    size = households["household_size"].to_numpy()
    hh = np.repeat(np.arange(len(households)), size)
    n = len(hh)
    pos = np.arange(n) - np.repeat(np.cumsum(size) - size, size)

    relation = _relations(rng, pos)
    age = _ages(rng, relation, hh)
    head_male = rng.random(len(households)) < 0.82
    male = np.where(relation == "head", head_male[hh],
                    np.where(relation == "spouse", ~head_male[hh], rng.random(n) < 0.5))
    ref = np.datetime64(f"{year}-06-30", "D")
    birth = ref - (age * 365.25 + rng.integers(0, 365, n)).astype("timedelta64[D]")
    county = households["county_code"].to_numpy()[hh]
    id_number = unique_id_numbers(rng, county, birth, male, roster=True)

    surname = draw_surname_index(rng, n)
    head_rows = np.flatnonzero(pos == 0)
    inherits = np.isin(relation, ["child", "grandchild"]) & head_male[hh]
    surname = np.where(inherits, surname[head_rows][hh], surname)
    schooling, in_school = _schooling(rng, age)
    health = _health(rng, age)
    skill = _labour_skill(rng, age, in_school, health)
    months, location = _work(rng, age, skill)
    monitored = households["monitoring_type"].notna().to_numpy()[hh]
    hh_no_labour = ~_any_per_household(np.isin(skill, ["ordinary", "skilled"]), hh, len(households))
    dibao_household = rng.random(len(households)) < np.where(
        households["monitoring_type"].notna(), np.where(hh_no_labour, 0.6, 0.15), 0.04)

    return pd.DataFrame({
        "person_no": households["household_no"].to_numpy()[hh]
        + pd.Series(pos + 1).astype("str").str.zfill(2).to_numpy(),
        "household_no": households["household_no"].to_numpy()[hh],
        "province_code": ctx.code,
        "id_type": "1",
        "id_number": id_number,
        "name": compose_names(rng, surname, male),
        "sex": np.where(male, "1", "2"),
        "birth_date": pd.to_datetime(birth),
        "relation": relation,
        "ethnicity": _ethnicity(rng, ctx.code, len(households))[hh],
        "schooling": schooling,
        "in_school": in_school,
        "health": health,
        "labour_skill": skill,
        "work_location": location,
        "months_employed": months,
        "public_welfare_job": (months == 0) & np.isin(skill, ["weak", "ordinary"]) & (age >= 40)
        & (age <= 70) & (rng.random(n) < 0.2 + 0.1 * monitored),
        "dibao": dibao_household[hh],
        "tekun": (size[hh] == 1) & (age >= 70) & (rng.random(n) < 0.4),
        "relocated": households["in_relocation_area"].to_numpy()[hh],
    })


def unique_id_numbers(rng, county: np.ndarray, birth: np.ndarray, male: np.ndarray, roster: bool) -> pd.Series:
    """Valid GB 11643 numbers (area = county, birth date, sex parity, checksum), unique within the call."""
    n = len(county)
    area = county.astype(np.int64)
    ymd = pd.DatetimeIndex(birth)
    yyyymmdd = (ymd.year * 10000 + ymd.month * 100 + ymd.day).to_numpy().astype(np.int64)
    base = 0 if roster else ROSTER_SEQ_LIMIT
    span = (ROSTER_SEQ_LIMIT if roster else 1000 - ROSTER_SEQ_LIMIT) // 2
    seq = base + 2 * rng.integers(0, span, n) + male.astype(np.int64)
    body = area * 10**11 + yyyymmdd * 1000 + seq
    for _ in range(50):  # collisions are rare; redraw the sequence of the later duplicates
        dup = pd.Series(body).duplicated().to_numpy()
        if not dup.any():
            break
        seq[dup] = base + 2 * rng.integers(0, span, dup.sum()) + male[dup].astype(np.int64)
        body[dup] = area[dup] * 10**11 + yyyymmdd[dup] * 1000 + seq[dup]
    digits = (body[:, None] // 10 ** np.arange(16, -1, -1)) % 10
    check = np.array(list(CHECK_CHARS))[(digits @ WEIGHTS) % 11]
    return pd.Series(body).astype("str") + pd.Series(check, dtype="str")


def _relations(rng, pos: np.ndarray) -> np.ndarray:
    n = len(pos)
    second = np.where(rng.random(n) < 0.82, "spouse", np.where(rng.random(n) < 0.5, "parent", "child"))
    later = pick(rng, {"child": 70, "parent": 12, "grandchild": 12, "sibling": 2, "child_in_law": 3,
                       "other": 1}, n)
    return np.where(pos == 0, "head", np.where(pos == 1, second, later))


def _ages(rng, relation: np.ndarray, hh: np.ndarray) -> np.ndarray:
    n = len(relation)
    head_age = rng.integers(28, 81, hh.max() + 1 if n else 0)[hh]
    age = np.select(
        [relation == "head", relation == "spouse", relation == "child", relation == "parent",
         relation == "grandchild", relation == "child_in_law"],
        [head_age, head_age + rng.integers(-6, 4, n), head_age - rng.integers(20, 39, n),
         head_age + rng.integers(20, 33, n), head_age - rng.integers(42, 59, n),
         head_age - rng.integers(18, 36, n)],
        default=head_age + rng.integers(-15, 15, n),
    )
    return np.clip(age, 0, 100)


def _schooling(rng, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(age)
    adult = pick(rng, {"illiterate": 8, "primary": 35, "junior": 40, "senior": 10, "vocational": 4,
                       "college": 3}, n)
    older = pick(rng, {"illiterate": 35, "primary": 45, "junior": 17, "senior": 3}, n)
    teen = np.where(rng.random(n) < 0.6, "senior", "vocational")
    young_adult = np.where(rng.random(n) < 0.4, "college", np.where(rng.random(n) < 0.5, "vocational",
                                                                      "junior"))
    schooling = np.select(
        [age < 6, age <= 12, age <= 15, age <= 18, age <= 22, age >= 60],
        ["preschool", "primary", "junior", teen, young_adult, older], default=adult,
    )
    in_school = ((age >= 6) & (age <= 15)) | ((age >= 16) & (age <= 18) & (rng.random(n) < 0.8)) | (
        (age >= 19) & (age <= 22) & np.isin(schooling, ["college", "vocational"]) & (rng.random(n) < 0.7))
    return schooling, in_school


def _health(rng, age: np.ndarray) -> np.ndarray:
    n = len(age)
    old = age >= 60
    u = rng.random(n)
    return np.select(
        [u < np.where(old, 0.25, 0.06), u < np.where(old, 0.31, 0.08), u < np.where(old, 0.38, 0.12)],
        ["chronic", "serious", "disabled"], default="healthy",
    )


def _labour_skill(rng, age, in_school, health) -> np.ndarray:
    n = len(age)
    working_age = pick(rng, {"ordinary": 68, "skilled": 17, "weak": 10, "lost": 2, "none": 3}, n)
    sixties = pick(rng, {"ordinary": 30, "weak": 45, "lost": 15, "none": 10}, n)
    elderly = pick(rng, {"weak": 20, "lost": 30, "none": 50}, n)
    ill = np.where(rng.random(n) < 0.6, "lost", "weak")
    return np.select(
        [(age < 16) | in_school, np.isin(health, ["serious", "disabled"]), age < 60, age < 70],
        ["none", ill, working_age, sixties], default=elderly,
    )


def _work(rng, age, skill) -> tuple[np.ndarray, np.ndarray]:
    n = len(age)
    p = np.select([np.isin(skill, ["ordinary", "skilled"]) & (age <= 64), skill == "weak"], [0.62, 0.15], 0.0)
    employed = rng.random(n) < p
    months = np.where(employed, rng.integers(3, 13, n), 0)
    location = np.where(employed, pick(rng, {"county": 35, "province": 30, "outside": 35}, n), None)
    return months, location


def _ethnicity(rng, province_code: str, n: int) -> np.ndarray:
    mix = ETHNIC_MIX.get(province_code, {})
    options = {"01": 1.0 - sum(mix.values()), **mix}
    return pick(rng, options, n)


def _any_per_household(flag: np.ndarray, hh: np.ndarray, n_households: int) -> np.ndarray:
    return np.bincount(hh, weights=flag.astype(float), minlength=n_households) > 0
