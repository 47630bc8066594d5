"""The screening's steps, each a plain function over DataFrames of one province, or of several screened together
(dates as datetime64)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.privacy import id_number_problems
from tasks.quality.derive import active_measures, first_positions, household_positions, safety_net_cover
from tasks.reference.codes import DEVELOPMENT_CATEGORIES, is_disaster_or_accident_or_illness
from tasks.runs.as_of import limit_end, period_end
from tasks.screening.rules import LeadRules, ScreeningRules

SECURITY = ["housing_secure", "education_secure", "medical_secure", "drinking_water_secure"]
RULE_LABELS = {
    "income_below_threshold": "人均纯收入低于监测范围",
    "sharp_income_drop": "收入大幅缩减",
    "rigid_expenditure": "刚性支出较大",
    "security_gap": "三保障或饮水安全有短板",
    "verified_lead": "核实的问题线索",
}
# Why a lead found no household: what a visiting cadre starts from.
UNMATCHED_REASONS = {
    "no_identity": "无证件号码和户编号",
    "invalid_id_number": "证件号码无效",
    "not_in_roster": "名册中无此人或此户",
}


def match_leads(leads: pd.DataFrame, persons: pd.DataFrame, households: pd.DataFrame) -> pd.DataFrame:
    """Each lead with the household it concerns: by 证件号码 → person → household, else by 户编号.
    `match` is id_number, household_no, or none (a person outside the roster: to be visited). A lead matches
    only its own province's roster, also when several provinces are screened together."""
    known = households["household_no"]
    person_at = _of_its_province(persons, first_positions(persons["id_number"], leads["id_number"]), leads)
    found = person_at >= 0
    households_of = np.full(len(leads), None, dtype=object)
    households_of[found] = persons["household_no"].to_numpy(dtype=object)[person_at[found]]
    via_person = pd.Series(households_of, index=leads.index, dtype=object)
    via_person = via_person.where(_of_its_province(households, first_positions(known, via_person), leads) >= 0)
    direct = leads["household_no"].where(
        _of_its_province(households, first_positions(known, leads["household_no"]), leads) >= 0)
    out = leads.copy()
    out["matched_household_no"] = via_person.fillna(direct)
    out["match"] = np.select([via_person.notna(), direct.notna()], ["id_number", "household_no"], "none")
    out["accounted_as"] = np.where(out["outcome"].eq("no_risk"), "dismissed",
                                   np.where(out["match"] != "none", "matched", "unmatched"))
    return out


def _of_its_province(roster: pd.DataFrame, positions: np.ndarray, leads: pd.DataFrame) -> np.ndarray:
    """`positions` in `roster` found for each lead, -1 where the row found lies in another province than the
    lead's (provinces screened together). The first row found is the only one: a 证件号码 held twice in
    the rows read is set aside (persons_raw), and 户编号 is the households' key."""
    if "province_code" not in roster or "province_code" not in leads or roster.empty:
        return positions
    theirs = roster["province_code"].to_numpy(dtype=object)[np.maximum(positions, 0)]
    return np.where((positions >= 0) & (theirs == leads["province_code"].to_numpy(dtype=object)), positions, -1)


def unmatched_leads(leads: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The leads of the window that found no household, each with why (UNMATCHED_REASONS): every one is to be
    visited, including those that name no one usable (a name and a phone only, or an invalid 证件号码)."""
    out = leads[leads["accounted_as"] == "unmatched"].copy()
    named = out["id_number"].notna()
    invalid = named & id_number_problems(out["id_number"], today=as_of.date()).notna()
    out["unmatched_reason"] = np.select([~named & out["household_no"].isna(), invalid],
                                        ["no_identity", "invalid_id_number"], "not_in_roster")
    return out


def risk_evidence(households: pd.DataFrame, leads: pd.DataFrame, rules: ScreeningRules) -> pd.DataFrame:
    """Per household, what the rules read that does not depend on the threshold: `rigid_expenditure`,
    `security_gap`, `verified_lead`, and `hard_lead` (a verified disaster, accident or illness: a new
    candidate is then 突发严重困难户). Computed once when several thresholds are tried (tasks.what_if)."""
    h = households
    # 家庭纯收入 left blank: per-capita income × household size, as the per-capita figure itself implies.
    net = h["net_income"].astype(float).fillna(
        h["per_capita_net_income"].astype(float) * h["household_size"].astype(float)
        if "household_size" in h else np.nan)
    oop = h["compliant_oop_expenditure"].astype(float).fillna(0)
    verified = leads[leads["status"].isin(["verified", "closed"]) & leads["outcome"].ne("no_risk")
                     & leads["risk_code"].notna() & leads["matched_household_no"].notna()]
    lead_at = household_positions(h, verified, column="matched_household_no")
    has_lead = np.bincount(lead_at[lead_at >= 0], minlength=len(h)) > 0
    hard_lead = verified["risk_code"].map(is_disaster_or_accident_or_illness).to_numpy(dtype=bool)
    has_hard_lead = np.bincount(lead_at[(lead_at >= 0) & hard_lead], minlength=len(h)) > 0
    return pd.DataFrame({
        "rigid_expenditure": ((oop > 0) & (oop >= rules.rigid_expenditure_share * net.clip(lower=0)))
        .fillna(False).to_numpy(dtype=bool),
        "security_gap": h[SECURITY].eq(False).any(axis=1).to_numpy(dtype=bool),
        "verified_lead": has_lead,
        "hard_lead": has_hard_lead,
    }, index=h.index)


def rules_met(households: pd.DataFrame, evidence: pd.DataFrame, threshold: pd.Series,
              rules: ScreeningRules) -> pd.DataFrame:
    """Every rule of RULE_LABELS each household meets at `threshold` (T, per household)."""
    h = households
    pc, prev = h["per_capita_net_income"].astype(float), h["prev_per_capita_net_income"].astype(float)
    t = threshold.astype(float)
    return pd.DataFrame({
        "income_below_threshold": (pc < t).fillna(False).to_numpy(dtype=bool),
        # Missing last-year income cannot show a drop.
        "sharp_income_drop": ((prev > 0) & ((prev - pc) / prev >= rules.income_drop_share)
                              & (pc < rules.income_drop_ceiling * t)).fillna(False).to_numpy(dtype=bool),
        "rigid_expenditure": evidence["rigid_expenditure"].to_numpy(),
        "security_gap": evidence["security_gap"].to_numpy(),
        "verified_lead": evidence["verified_lead"].to_numpy(),
    }, index=h.index)


def candidate_types(households: pd.DataFrame, met: pd.DataFrame, evidence: pd.DataFrame) -> np.ndarray:
    """The monitoring type a candidate would have: 脱贫不稳定户 (unstable) for a 脱贫户, else 突发严重困难户
    (sudden) after a sharp drop, a rigid expenditure or a hard lead, else 边缘易致贫户 (marginal)."""
    sudden = (met["sharp_income_drop"] | met["rigid_expenditure"]).to_numpy() | evidence["hard_lead"].to_numpy()
    return np.where(households["is_poverty_alleviated"].fillna(False).astype(bool), "unstable",
                    np.where(sudden, "sudden", "marginal"))


def screen_risks(households: pd.DataFrame, leads: pd.DataFrame, threshold: pd.Series,
                 rules: ScreeningRules) -> pd.DataFrame:
    """Every rule each household meets, and the new monitoring candidates among those not yet monitored."""
    h = households
    evidence = risk_evidence(h, leads, rules)
    met = rules_met(h, evidence, threshold, rules)
    monitored = h["monitoring_type"].notna().to_numpy()
    candidate = met.any(axis=1).to_numpy() & ~monitored
    kind = candidate_types(h, met, evidence)
    chosen = met[candidate]
    rules_listed = np.full(len(chosen), "", dtype=object)
    for rule in met.columns:  # vectorised per rule: candidates are many in a big province
        rules_listed = rules_listed + np.where(chosen[rule].to_numpy(), rule + ",", "")
    out = h.loc[candidate, ["household_no", "county_code", "is_poverty_alleviated", "per_capita_net_income",
                            "prev_per_capita_net_income", "compliant_oop_expenditure"]].copy()
    out["threshold"] = threshold.astype(float)[candidate].to_numpy()
    out["candidate_type"] = kind[candidate]
    out["rules_met"] = [r.rstrip(",") for r in rules_listed]
    return out.reset_index(drop=True)


def elimination_candidates(households: pd.DataFrame, labour: pd.Series, leads: pd.DataFrame,
                           threshold: pd.Series, as_of: pd.Timestamp, rules: ScreeningRules) -> pd.DataFrame:
    """Monitored, at risk, identified long enough ago, income at or above T, no gap, no open lead, and labour
    capacity. Households without labour capacity stay under monitoring with safety-net cover."""
    h = households
    open_leads = set(leads.loc[leads["status"].eq("pending"), "matched_household_no"].dropna())
    cutoff = as_of - pd.DateOffset(months=rules.elimination_min_months)
    eligible = (
        h["monitoring_type"].notna() & h["risk_status"].eq("at_risk")
        & (h["identified_on"] <= cutoff)
        & (h["per_capita_net_income"].astype(float) >= threshold.astype(float))
        & ~h[SECURITY].eq(False).any(axis=1)
        & ~h["household_no"].isin(open_leads)
        & labour.isin(["full", "weak"])
    ).fillna(False).to_numpy(dtype=bool)
    out = h.loc[eligible, ["household_no", "county_code", "monitoring_type", "identified_on",
                           "per_capita_net_income"]].copy()
    out["threshold"] = threshold[eligible].to_numpy()
    out["labour"] = labour[eligible].to_numpy()
    return out.reset_index(drop=True)


def assistance_coverage(households: pd.DataFrame, persons: pd.DataFrame, measures: pd.DataFrame,
                        labour: pd.Series, as_of: pd.Timestamp) -> pd.DataFrame:
    """Monitored, not-eliminated households with their gap: labour_without_development,
    no_labour_without_safety_net, or weak_labour_to_explore (measures active on `as_of`)."""
    h = households
    n = len(h)

    def has(frame: pd.DataFrame) -> np.ndarray:
        at = household_positions(h, frame)
        return np.bincount(at[at >= 0], minlength=n) > 0

    development = has(active_measures(measures, as_of, DEVELOPMENT_CATEGORIES))
    safety_net = safety_net_cover(h, persons, measures, as_of)
    in_scope = (h["monitoring_type"].notna() & h["risk_status"].ne("eliminated")).to_numpy()
    lab = labour.to_numpy()
    gap = np.select(
        [in_scope & (lab == "full") & ~development,
         in_scope & (lab == "none") & ~safety_net,
         in_scope & (lab == "weak") & ~development],
        ["labour_without_development", "no_labour_without_safety_net", "weak_labour_to_explore"], default="")
    out = h.loc[gap != "", ["household_no", "county_code", "monitoring_type"]].copy()
    out["labour"] = lab[gap != ""]
    out["gap"] = gap[gap != ""]
    return out.reset_index(drop=True)


def lead_timeliness(leads: pd.DataFrame, as_of: pd.Timestamp, rules: LeadRules) -> pd.DataFrame:
    """Leads still 待核实 when the verification limit ran out before the end of the as-of day (overdue), and
    leads accepted after the acceptance limit, or not accepted when it ran out (late). Limits are counted as
    the policy counts days (`limit_end`): the day of reporting is not counted; a limit ends at 24:00 of its
    last day, and what happens at that instant is in time."""
    end_of_day = period_end(as_of)
    overdue = leads["status"].eq("pending") & (end_of_day > limit_end(leads["reported_at"], rules.lead_verify_days))
    late = leads["accepted_at"].fillna(end_of_day) > limit_end(leads["reported_at"], rules.lead_accept_days)
    out = leads.loc[overdue | late, ["lead_no", "channel", "county_code", "reported_at", "accepted_at",
                                     "status"]].copy()
    out["overdue"] = overdue[overdue | late].to_numpy()
    out["late_accepted"] = late[overdue | late].to_numpy()
    # Whole days since the day of reporting, as the limits count them (reported yesterday: 1).
    out["days_waiting"] = (pd.Timestamp(as_of).normalize() - out["reported_at"].dt.normalize()).dt.days.to_numpy()
    return out.reset_index(drop=True)
