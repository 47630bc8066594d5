"""Facts the checkpoints need that one row does not hold by itself: checksum verdicts, counts of heads and
members, income identities, labour capacity, active measures. Pure pandas; the rules themselves stay in
the suites (`expectations/*.json`), which test these facts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from tasks.model import metadata
from tasks.privacy import id_number_problems
from tasks.reference.codes import (
    DEVELOPMENT_CATEGORIES,
    FULL_LABOUR,
    RISK_CATEGORY,
    SAFETY_NET_CATEGORIES,
    WEAK_LABOUR,
    measure_kind_of,
)
from tasks.storage.reads import typed

INCOME_PARTS = ("wage_income", "business_income", "property_income", "transfer_income")
NON_NEGATIVE = [f"{prefix}{c}" for prefix in ("", "prev_") for c in (*INCOME_PARTS, "business_expenses")] + [
    "compliant_oop_expenditure"]
RISK_COLUMNS = [f"risk_code_{i}" for i in range(1, 6)]
# What the facts a read answers (its roster rules: one head per household, a person's household present, a
# 证件号码 held twice; the validated suites) read of each table, besides what a campaign reads for itself.
AT_READ_COLUMNS = {
    "households": ["household_no", "province_code", "county_code", "household_size"],
    "persons": ["person_no", "household_no", "province_code", "relation", "labour_skill", "id_number"],
    "measures": ["measure_no", "household_no", "province_code", "category", "start_on", "end_on"],
    "leads": ["lead_no", "province_code", "county_code", "id_number", "household_no"],
}


def household_facts(households: pd.DataFrame, persons: pd.DataFrame, measures: pd.DataFrame,
                    thresholds: pd.DataFrame, as_of: date, row_rules: bool = True) -> pd.DataFrame:
    """Households with the derived columns their suites check (`row_rules` False: only those a read answers,
    from AT_READ_COLUMNS; the row rules' were answered where the rows arrived)."""
    h = households.copy(deep=False)  # copy-on-write: the new columns are ours, the read ones shared
    at = household_positions(h, persons)  # each person's household row, -1 if unknown
    known = at >= 0
    n = len(h)
    h["member_count"] = np.bincount(at[known], minlength=n)
    h["head_count"] = np.bincount(at[known], weights=(persons["relation"] == "head").to_numpy()[known],
                                  minlength=n).astype("int64")
    h["threshold"] = threshold_of(h, thresholds, pd.Timestamp(as_of).year)
    h["labour_class"] = labour_class(persons, at, n)
    development = active_measures(measures, as_of, DEVELOPMENT_CATEGORIES)
    development_at = household_positions(h, development)
    h["has_active_development"] = np.bincount(development_at[development_at >= 0], minlength=n) > 0
    return with_no_repeats(_row_facts(h) if row_rules else h)


def _row_facts(h: pd.DataFrame) -> pd.DataFrame:
    """The households' derived columns their row rules check: each from the row alone."""
    for prefix in ("", "prev_"):
        parts = sum(h[f"{prefix}{p}"].astype(float) for p in INCOME_PARTS) - h[f"{prefix}business_expenses"]
        h[f"{prefix}net_income_gap"] = (h[f"{prefix}net_income"] - parts).abs()
        size = h["household_size"].astype(float).where(h["household_size"] > 0)
        h[f"{prefix}per_capita_gap"] = (h[f"{prefix}per_capita_net_income"] - h[f"{prefix}net_income"] / size).abs()
    elimination = pd.to_datetime(h["eliminated_on"]) - pd.to_datetime(h["identified_on"])
    h["days_to_elimination"] = elimination.dt.days
    h["has_risk_07"] = h[RISK_COLUMNS].eq("07").any(axis=1)
    # One column per rule family keeps the suite short (GX costs about 0.15 s per expectation per
    # million rows) while the value still says which fields are wrong.
    h["negative_income_fields"] = _flagged(h, NON_NEGATIVE, lambda col: h[col] < 0)
    known = set(RISK_CATEGORY.codes)
    h["unknown_risk_codes"] = _flagged(h, RISK_COLUMNS, lambda col: h[col].notna() & ~h[col].isin(known),
                                       show_values=True)
    return h


def arrival_facts(table: str, frame: pd.DataFrame, today: date,
                  thresholds: pd.DataFrame | None = None) -> pd.DataFrame:
    """The derived columns the row rules of `table` check, for rows as they arrive (a county's file, the
    generator's tables): without the other tables, whose rules (one head per household…) are the roster's,
    answered when a campaign reads it: a file of households comes before its persons."""
    if table == "households":
        return household_facts(frame, _empty("persons"), _empty("measures"),
                               thresholds if thresholds is not None else _empty("monitoring_thresholds"),
                               pd.Timestamp(today))
    if table == "persons":
        return person_facts(frame, _empty("households"), today)
    if table == "measures":
        return measure_facts(frame)
    if table == "leads":
        return lead_facts(frame, today)
    return with_no_repeats(frame.copy(deep=False))  # a duty's own report: its rules read its columns alone


def _empty(table: str) -> pd.DataFrame:
    return typed(pd.DataFrame({c.name: pd.Series(dtype=object) for c in metadata.tables[table].columns}), table)


def with_no_repeats(frame: pd.DataFrame) -> pd.DataFrame:
    """`repeat_of`, which the uniqueness rules read, empty: rows read from the roster are never exact
    repeats (a key identifies them); a county file's ingest fills it (tasks.ingest.frame)."""
    frame["repeat_of"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    return frame


def threshold_of(households: pd.DataFrame, thresholds: pd.DataFrame, year: int) -> np.ndarray:
    """Each household's monitoring threshold (监测范围): its province's for the campaign's `year` (NaN if the
    province has none). Not by the household's 收入年度: the national system has no such field, and a blank
    one would leave the household without a threshold."""
    of_year = thresholds[thresholds["year"] == year].drop_duplicates("province_code").set_index("province_code")
    return of_year["threshold"].reindex(households["province_code"]).to_numpy(dtype=float)


def _flagged(frame: pd.DataFrame, columns: list[str], test, show_values: bool = False) -> pd.Series:
    """Per row, the comma-joined names (or values) of the columns where `test` holds, or None."""
    out = pd.Series(None, index=frame.index, dtype=object)
    for col in columns:
        hit = test(col).fillna(False).to_numpy(dtype=bool)
        if hit.any():
            label = frame.loc[hit, col].astype(str).to_numpy() if show_values else col
            out[hit] = np.where(out[hit].isna(), label, out[hit].astype(str) + "," + label)
    return out


def person_facts(persons: pd.DataFrame, households: pd.DataFrame, today: date,
                 in_other_part: np.ndarray | None = None, row_rules: bool = True) -> pd.DataFrame:
    """Persons with their derived columns (`row_rules` False: only those a read answers); `in_other_part`
    marks 证件号码 also held by a person of another part of a province screened in parts
    (tasks.partitions.partition), none by default."""
    p = persons.copy(deep=False)
    if row_rules:
        p["id_number_problem"] = id_number_problems(p["id_number"], today=today)
        ids = p["id_number"].astype("str")
        parity = pd.to_numeric(ids.str[16], errors="coerce")
        p["sex_matches_id"] = ((parity % 2 == 1) == (p["sex"] == "1")) | p["id_number_problem"].notna()
    p["household_known"] = household_positions(households, p) >= 0
    p["id_number_in_other_part"] = in_other_part if in_other_part is not None else np.zeros(len(p), dtype=bool)
    return with_no_repeats(p)


def measure_facts(measures: pd.DataFrame, row_rules: bool = True) -> pd.DataFrame:
    m = measures.copy(deep=False)
    if row_rules:
        m["expected_kind"] = m["category"].map(lambda c: measure_kind_of(c) if isinstance(c, str) else None)
    return with_no_repeats(m)


def lead_facts(leads: pd.DataFrame, today: date, row_rules: bool = True) -> pd.DataFrame:
    lead = leads.copy(deep=False)
    if row_rules:
        problems = id_number_problems(lead["id_number"], today=today)
        lead["id_number_problem"] = problems.where(lead["id_number"].notna(), None)
        lead["has_subject"] = lead["id_number"].notna() | lead["household_no"].notna()
    return with_no_repeats(lead)


def household_positions(households: pd.DataFrame, rows: pd.DataFrame, column: str = "household_no") -> np.ndarray:
    """For each row of `rows`, the position of its household (`rows[column]`) in `households`, -1 if absent
    or missing. A duplicated 户编号 (quarantined by its own check) resolves to its first row."""
    return first_positions(households["household_no"], rows[column])


def first_positions(keys: pd.Series, wanted: pd.Series) -> np.ndarray:
    """For each value of `wanted`, the position of its first occurrence in `keys`; -1 if absent or missing.
    Both are factorised together in one hash pass: an Index built per call over Arrow strings cost six
    times more, and the counting looks households up once per fact."""
    if len(wanted) * 8 < len(keys):
        # A few values looked up among many (leads among persons): hashing the few and probing the many
        # costs a fraction of factorising the many.
        near = np.flatnonzero(keys.isin(wanted.dropna()).to_numpy(dtype=bool))
        if len(near) == 0:
            return np.full(len(wanted), -1, dtype=np.int64)
        found = _first_positions(keys.iloc[near], wanted)
        return np.where(found >= 0, near[np.maximum(found, 0)], -1)
    return _first_positions(keys, wanted)


def _first_positions(keys: pd.Series, wanted: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(pd.concat([keys, wanted], ignore_index=True))
    own, theirs = codes[: len(keys)], codes[len(keys):]
    # Codes number values in order of first appearance, `keys` first: its first occurrences in order carry
    # codes 0, 1, 2 …
    first_rows = np.flatnonzero((own >= 0) & ~pd.Series(own).duplicated().to_numpy())
    lookup = np.full(int(codes.max(initial=-1)) + 2, -1, dtype=np.int64)  # the last slot answers code -1
    lookup[: len(first_rows)] = first_rows
    return lookup[theirs]


def labour_class(persons: pd.DataFrame, at: np.ndarray, n: int) -> np.ndarray:
    """Per household: 'full' if any member is 普通/技能劳动力, 'weak' if some member is 弱/半劳动力, else 'none'."""
    known = at >= 0
    skill = persons["labour_skill"]
    full = np.bincount(at[known], weights=skill.isin(FULL_LABOUR).to_numpy()[known], minlength=n) > 0
    weak = np.bincount(at[known], weights=skill.isin(WEAK_LABOUR).to_numpy()[known], minlength=n) > 0
    return np.where(full, "full", np.where(weak, "weak", "none"))


def safety_net_cover(households: pd.DataFrame, persons: pd.DataFrame, measures: pd.DataFrame,
                     as_of: date) -> np.ndarray:
    """Per household: covered by the safety net (兜底保障) on `as_of`: a 综合保障 measure running, or a member on
    低保 or 特困供养. One definition for the screening's coverage gaps and the assessment's indicator."""
    def has(rows: pd.DataFrame) -> np.ndarray:
        at = household_positions(households, rows)
        return np.bincount(at[at >= 0], minlength=len(households)) > 0

    # Both read, always: a frame without one would count nobody on it (the screening once read 低保 only).
    flags = persons[["dibao", "tekun"]].astype("boolean").fillna(False)
    welfare = (flags["dibao"] | flags["tekun"]).to_numpy(dtype=bool)
    return has(active_measures(measures, as_of, SAFETY_NET_CATEGORIES)) | has(persons[welfare])


def active_measures(measures: pd.DataFrame, as_of: date, categories: frozenset[str] | None = None) -> pd.DataFrame:
    """Measures running on `as_of`: started on or before it, not ended before it."""
    day = pd.Timestamp(as_of)
    start = pd.to_datetime(measures["start_on"])
    end = pd.to_datetime(measures["end_on"])
    active = (start <= day) & (end.isna() | (end >= day))
    if categories is not None:
        active &= measures["category"].isin(categories)
    return measures.loc[active]
