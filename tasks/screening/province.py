"""One province's screening: inputs checked, leads matched, risks screened, coverage checked, findings
checked and stored (replacing the same run's earlier findings for that province in one transaction)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import delete, insert

from tasks.inputs import validate_inputs
from tasks.model import ScreeningFinding
from tasks.quality.derive import household_positions, labour_class
from tasks.screening.rules import ScreeningRules
from tasks.screening.steps import (
    assistance_coverage,
    elimination_candidates,
    lead_timeliness,
    match_leads,
    screen_risks,
)
from tasks.stage import CampaignContext, checkpoint

LISTS = ("new_candidates", "elimination_candidates", "coverage_gaps", "weak_labour_to_explore",
         "unmatched_leads", "overdue_leads", "late_leads")


@dataclass
class ProvinceScreening:
    province: str
    lists: dict[str, pd.DataFrame]
    leads: pd.DataFrame  # every lead of the window with how it is accounted for
    quarantined: dict[str, int] = field(default_factory=dict)
    reconciliation: dict[str, dict[str, int]] = field(default_factory=dict)


def screen_province(ctx: CampaignContext, province: str, *, year: int, mode: str, window_start: date,
                    as_of: date, rules: ScreeningRules) -> ProvinceScreening:
    """All screening stages for one province."""
    stamp = pd.Timestamp(as_of)
    # The province's message carries the input figures; a stage announces itself only when it stops.
    inputs = validate_inputs(ctx, [province], as_of=stamp, province_label=province, announce="blocking")
    end = stamp + pd.Timedelta(days=1)
    in_window = (inputs.leads["reported_at"] >= pd.Timestamp(window_start)) & (inputs.leads["reported_at"] < end)
    leads = match_leads(inputs.leads[in_window], inputs.persons, inputs.households)

    h = inputs.households
    thresholds = inputs.thresholds.set_index(["province_code", "year"])["threshold"]
    threshold = pd.Series(thresholds.reindex(pd.MultiIndex.from_arrays([h["province_code"], h["income_year"]]))
                          .to_numpy(), index=h.index)
    labour = pd.Series(labour_class(inputs.persons, household_positions(h, inputs.persons), len(h)), index=h.index)
    coverage = assistance_coverage(h, inputs.persons, inputs.measures, labour, stamp)
    timeliness = lead_timeliness(leads, stamp, rules)
    lists = {
        "new_candidates": screen_risks(h, leads, threshold, rules),
        "elimination_candidates": elimination_candidates(h, labour, leads, threshold, stamp, rules),
        "coverage_gaps": coverage[coverage["gap"] != "weak_labour_to_explore"].reset_index(drop=True),
        "weak_labour_to_explore": coverage[coverage["gap"] == "weak_labour_to_explore"].reset_index(drop=True),
        "unmatched_leads": leads.loc[leads["accounted_as"] == "unmatched",
                                     ["lead_no", "channel", "county_code", "id_number", "name", "risk_code",
                                      "reported_at", "status"]].reset_index(drop=True),
        "overdue_leads": timeliness[timeliness["overdue"]].reset_index(drop=True),
        "late_leads": timeliness[timeliness["late_accepted"]].reset_index(drop=True),
    }
    _check_outputs(ctx, province, leads, lists)
    if not ctx.dry_run:
        store_findings(ctx, province, year=year, mode=mode, as_of=as_of, lists=lists)
    return ProvinceScreening(province, lists, leads,
                             {f"validate {t}": o.quarantined for t, o in inputs.outcomes.items()},
                             inputs.reconciliation())


def _check_outputs(ctx: CampaignContext, province: str, leads: pd.DataFrame, lists: dict[str, pd.DataFrame]) -> None:
    """Every lead accounted for once; no household both a new and an elimination candidate."""
    ctx.suite_parameters["leads_in_window"] = len(leads)
    checkpoint(ctx, "account for leads", leads[["lead_no", "accounted_as"]], "screening_leads", key="lead_no",
               province=province, announce="problems")
    households = pd.concat([lists["new_candidates"][["household_no"]].assign(list_name="new_candidates"),
                            lists["elimination_candidates"][["household_no"]].assign(list_name="elimination")])
    checkpoint(ctx, "check candidate lists", households.reset_index(drop=True), "screening_households",
               key="household_no", province=province, announce="problems")


def store_findings(ctx: CampaignContext, province: str, *, year: int, mode: str, as_of: date,
                   lists: dict[str, pd.DataFrame]) -> int:
    rows = []
    for name, frame in lists.items():
        category = {"new_candidates": "candidate_type", "coverage_gaps": "gap", "weak_labour_to_explore": "gap",
                    "unmatched_leads": "channel", "overdue_leads": "channel", "late_leads": "channel",
                    "elimination_candidates": "monitoring_type"}[name]
        details = _json_records(frame.drop(columns=["id_number", "name"], errors="ignore"))
        for record, detail in zip(frame.to_dict("records"), details, strict=True):
            rows.append({"campaign_run_id": ctx.run_id, "year": year, "mode": mode, "as_of": as_of,
                         "province_code": province, "list_name": name,
                         "household_no": record.get("household_no"), "lead_no": record.get("lead_no"),
                         "category": record.get(category), "details": detail})
    scope = {"year": year, "mode": mode, "as_of": as_of, "province_code": province}
    with ctx.engine.begin() as conn:  # a rerun replaces, never duplicates
        conn.execute(delete(ScreeningFinding).filter_by(**scope))
        if rows:
            conn.execute(insert(ScreeningFinding), rows)
    return len(rows)


def _json_records(frame: pd.DataFrame) -> list[dict]:
    """JSON-safe rows; the callers drop 证件号码 and names first, so stored details carry neither."""
    return json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False)) if len(frame) else []
