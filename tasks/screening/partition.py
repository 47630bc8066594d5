"""A partition's screening: inputs checked, then per province leads matched, risks screened, coverage
checked; findings checked and stored (replacing the same run's earlier findings of each province in one
transaction)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete

from tasks.model import ScreeningFinding
from tasks.partitions.partition import Partition
from tasks.privacy import PERSONAL_COLUMNS
from tasks.quality.county_indicators import county_sums
from tasks.quality.derive import first_positions
from tasks.quality.store import rows_as_json
from tasks.runs.check import Check
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.runs.inputs import NO_ROWS, validate_inputs
from tasks.screening.core import READS, screen_province
from tasks.screening.lists import BY_NAME, ELIMINATION_CANDIDATES, NEW_CANDIDATES
from tasks.screening.rules import ScreeningRules
from tasks.storage.bulk import insert_frame


@dataclass
class ProvinceScreening:
    province: str
    lists: dict[str, pd.DataFrame]
    leads: pd.DataFrame  # every lead of the window: its channel and how it is accounted for
    quarantined: dict[str, int] = field(default_factory=dict)
    reconciliation: dict[str, dict[str, int]] = field(default_factory=dict)
    county_sums: pd.DataFrame | None = None  # what its counties' indicators are made of (county_indicators)


class PartitionScreening(NamedTuple):
    """What a partition task hands back: its provinces, and the records of its forked context (a pair, as
    flows.fan_out.Pending.gather takes it)."""

    provinces: list[ProvinceScreening]
    ctx: CampaignContext


def screen_partition(ctx: CampaignContext, part: Partition, *, year: int, mode: str, window_start: date,
                     as_of: date, rules: ScreeningRules) -> list[ProvinceScreening]:
    """All screening stages for a partition: its roster read and checked once, its provinces screened together
    (a lead matches only its own province's roster, however the provinces are grouped), the lists checked
    once, and the findings stored in one transaction (of a part of a province: the part's findings)."""
    codes, scope = part.codes, part.label
    # A partition's message carries the input figures; a stage announces itself only when it stops.
    inputs = validate_inputs(ctx, codes, as_of=pd.Timestamp(as_of),
                             province_label=codes[0] if len(codes) == 1 else None, announce="blocking", scope=scope,
                             part=part if part.is_part else None, reads=READS)
    with ctx.timed("screen rules", scope=scope) as timing:
        roster = inputs.checked
        timing["rows"] = len(roster["households"])
        # The partition's provinces screened together (a lead matches only its own province's roster: steps.
        # match_leads): 31 provinces one by one cost 1.2 s of fixed costs against 0.07 s for 20,000 households.
        lists, leads = screen_province(roster, window_start, pd.Timestamp(as_of), rules)
        sums = county_sums(roster["households"], leads, roster["measures"], inputs.households_read)
    screened = []
    for province, (lists_of, leads_of, sums_of) in by_province(codes, lists, leads, roster["households"],
                                                                  sums).items():
        counts = inputs.reconciliation(province)
        quarantined = {f"validate {t}": f["quarantined"] for t, f in counts.items()}
        screened.append(ProvinceScreening(province, lists_of, leads_of, quarantined, counts, sums_of))
    _check_outputs(ctx, scope, screened)
    if not ctx.dry_run:
        with ctx.timed("store findings", scope=scope) as timing:
            timing["rows"] = store_findings(ctx, {r.province: r.lists for r in screened}, part.part_name,
                                            year=year, mode=mode, as_of=as_of)
    for result in screened:  # what the summary counts; the flow holds every partition's result at once
        result.leads = result.leads[["channel", "accounted_as"]]
    return screened


def by_province(codes: list[str], lists: dict[str, pd.DataFrame], leads: pd.DataFrame, households: pd.DataFrame,
                sums: pd.DataFrame) -> dict[str, tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]]:
    """The lists, leads and county sums of provinces screened together, per province (in `codes`' order, each
    list's rows in their order): a list's entry belongs to the province of its household or lead."""
    if len(codes) == 1:
        return {codes[0]: (lists, leads, sums)}
    sources = {"household_no": households, "lead_no": leads}  # where each list's entries come from
    rows = {name: _rows_by(_provinces_of(sources[BY_NAME[name].key], frame, BY_NAME[name].key))
            for name, frame in lists.items()}
    lead_rows = _rows_by(leads["province_code"].to_numpy(dtype=object))
    sum_rows = _rows_by(sums["province_code"].to_numpy(dtype=object))
    for name, frame in lists.items():  # every entry is of one of the provinces screened: none may be lost
        if sum(len(rows[name].get(code, NO_ROWS)) for code in codes) != len(frame):
            raise RuntimeError(f"{name}: entries of no province among {', '.join(codes)}")

    def of(code: str, frame: pd.DataFrame, by: dict[str, np.ndarray]) -> pd.DataFrame:
        return frame.take(by.get(code, NO_ROWS)).reset_index(drop=True)

    return {code: ({name: of(code, frame, rows[name]) for name, frame in lists.items()},
                   leads.take(lead_rows.get(code, NO_ROWS)), of(code, sums, sum_rows)) for code in codes}


def _provinces_of(source: pd.DataFrame, frame: pd.DataFrame, key: str) -> np.ndarray:
    """The province of each row of `frame`: that of the row of `source` with its `key` (None if none)."""
    at = first_positions(source[key], frame[key])
    provinces = np.full(len(at), None, dtype=object)
    found = at >= 0
    provinces[found] = source["province_code"].take(at[found]).to_numpy(dtype=object)
    return provinces


def _rows_by(provinces: np.ndarray) -> dict[str, np.ndarray]:
    values = pd.Series(provinces, dtype=object)
    return values.groupby(values, sort=False).indices


LEADS_ACCOUNTED = Check("account for leads", "screening_leads", key="lead_no", announce="problems")
CANDIDATES_IN_ONE_LIST = Check("check candidate lists", "screening_households", key="household_no",
                               announce="problems")


def _check_outputs(ctx: CampaignContext, scope: str, screened: list[ProvinceScreening]) -> None:
    """Every lead accounted for once; no household both a new and an elimination candidate."""
    leads = pd.concat([r.leads[["lead_no", "accounted_as"]] for r in screened], ignore_index=True)
    ctx.suite_parameters["leads_in_window"] = len(leads)
    province = screened[0].province if len(screened) == 1 else None
    checkpoint(ctx, LEADS_ACCOUNTED, leads, province=province, scope=scope)
    households = pd.concat([frame[["household_no"]].assign(list_name=name) for r in screened
                            for name, frame in ((lst.name, r.lists[lst.name])
                                                for lst in (NEW_CANDIDATES, ELIMINATION_CANDIDATES))],
                           ignore_index=True)
    checkpoint(ctx, CANDIDATES_IN_ONE_LIST, households, province=province, scope=scope)


def store_findings(ctx: CampaignContext, lists: dict[str, dict[str, pd.DataFrame]], part: str, *, year: int,
                   mode: str, as_of: date) -> int:
    """Each entry of each province's lists as a finding, its details without personal columns, written by the
    bulk path (a Python dict per entry, and its details parsed and dumped again, cost 3.8 s of a
    1,000,000-household run), the partition's provinces in one transaction (one each cost 0.4 s of 31 small
    provinces)."""
    found = [pd.DataFrame({"province_code": province, "list_name": name,
                           "household_no": _column(frame, "household_no"), "lead_no": _column(frame, "lead_no"),
                           "category": _column(frame, BY_NAME[name].category),
                           "details": rows_as_json(frame.drop(columns=list(PERSONAL_COLUMNS), errors="ignore"))})
             for province, of_province in lists.items() for name, frame in of_province.items() if len(frame)]
    rows = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
    scope = {"year": year, "mode": mode, "as_of": as_of, "part": part}
    with ctx.engine.begin() as conn:  # a rerun replaces, never duplicates
        conn.execute(delete(ScreeningFinding).filter_by(**scope).where(
            ScreeningFinding.province_code.in_(list(lists))))
        insert_frame(conn, ScreeningFinding.__table__,
                     rows.assign(campaign_run_id=ctx.run_id, **{**scope, "as_of": pd.Timestamp(as_of)}))
    return len(rows)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """The list's column as Python values (None where it has none, or no such column)."""
    if name not in frame:
        return np.full(len(frame), None, dtype=object)
    values = frame[name].astype(object)
    return values.where(values.notna(), None).to_numpy(dtype=object)


def parts_by_province(partitions: list[Partition]) -> dict[str, set[str]]:
    """Per province, the names of its parts in this cut ({""} for a whole province)."""
    current: dict[str, set[str]] = {}
    for part in partitions:
        for code in part.codes:
            current.setdefault(code, set()).add(part.part_name)
    return current


def forget_other_parts(engine: Engine, partitions: list[Partition], *, year: int, mode: str, as_of: date) -> None:
    """Before a run stores its findings: drop those the same campaign stored for its provinces cut otherwise
    (a whole province now in parts, or in as many parts no more), which no part of this run replaces."""
    scope = (ScreeningFinding.year == year, ScreeningFinding.mode == mode, ScreeningFinding.as_of == as_of)
    with engine.begin() as conn:
        for code, names in parts_by_province(partitions).items():
            conn.execute(delete(ScreeningFinding).where(*scope, ScreeningFinding.province_code == code,
                                                        ScreeningFinding.part.not_in(names)))


def merge_parts(results: list[ProvinceScreening]) -> list[ProvinceScreening]:
    """One result per province: the parts of a province cut into parts put together (lists and leads one
    after another, counts summed), in the order the provinces came."""
    by_province: dict[str, list[ProvinceScreening]] = {}
    for result in results:
        by_province.setdefault(result.province, []).append(result)
    merged = []
    for province, parts in by_province.items():
        if len(parts) == 1:
            merged.append(parts[0])
            continue
        lists = {name: pd.concat([p.lists[name] for p in parts], ignore_index=True) for name in parts[0].lists}
        leads = pd.concat([p.leads for p in parts], ignore_index=True)
        merged.append(ProvinceScreening(province, lists, leads, sum_dicts([p.quarantined for p in parts]),
                                        sum_dicts([p.reconciliation for p in parts]),
                                        pd.concat([p.county_sums for p in parts], ignore_index=True)))
    return merged


def sum_dicts(items: list[dict]) -> dict:
    """Nested dictionaries of counts added key by key (a key missing from one counts as 0)."""
    out: dict = {}
    for item in items:
        for key, value in item.items():
            if isinstance(value, dict):
                out[key] = sum_dicts([out.get(key, {}), value])
            else:
                out[key] = out.get(key, 0) + value
    return out
