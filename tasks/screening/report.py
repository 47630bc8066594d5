"""The screening's reports: summary.json, one CSV per list (UTF-8 with BOM, for Excel), a national XLSX
summary and one XLSX workbook of lists per province, with Chinese headers and every ID number and name
masked."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import NamedTuple, NotRequired, TypedDict

import numpy as np
import pandas as pd

from tasks.outputs.spreadsheets import safe_frame, write_workbook, yes_no
from tasks.privacy import ID_IN_TEXT_PLAIN, mask_id_numbers, mask_name, mask_phone, private_folder
from tasks.reference.codes import LEAD_CHANNEL, LEAD_STATUS, MONITORING_TYPE, RISK_CATEGORY
from tasks.reference.counties import county_names
from tasks.reference.provinces import province_name
from tasks.runs.check import Check
from tasks.screening.lists import (
    BY_NAME,
    COVERAGE_GAPS,
    ELIMINATION_CANDIDATES,
    HEADERS,
    LATE_LEADS,
    LIST_NAMES,
    LISTS,
    NEW_CANDIDATES,
    NUMBER_FORMATS,
    OVERDUE_LEADS,
    WEAK_LABOUR,
)
from tasks.screening.partition import ProvinceScreening, sum_dicts
from tasks.screening.steps import RULE_LABELS, UNMATCHED_REASONS

GAP_LABELS = {"labour_without_development": "有劳动能力未落实开发式帮扶措施",
              "no_labour_without_safety_net": "无劳动能力未落实兜底保障", "weak_labour_to_explore": "弱劳力半劳力"}
LABOUR_LABELS = {"full": "有劳动能力", "weak": "弱劳力或半劳力", "none": "无劳动能力"}


class LeadFigures(TypedDict):
    total: int
    by_channel: dict[str, int]
    matched: int
    unmatched: int
    dismissed: int
    overdue: int
    late_accepted: int


class CandidateFigures(TypedDict):
    total: int
    by_type: dict[str, int]


class ProvinceSummary(TypedDict):
    """What a province's screening found (summary.json, per province and, summed, for the run)."""

    leads: LeadFigures
    new_candidates: CandidateFigures
    elimination_candidates: int
    coverage_gaps: dict[str, int]  # labour_without_development, no_labour_without_safety_net
    weak_labour_to_explore: int
    quarantined: dict[str, int]  # per input stage
    inputs: dict[str, dict[str, int]]  # per table: read, loaded, quarantined


class ScreeningSummary(ProvinceSummary):
    """What the screening flow returns and writes as summary.json."""

    campaign: str
    year: int
    mode: str
    as_of: str
    window: list[str]
    run_id: str
    dry_run: bool
    failed_provinces: dict[str, str]  # province -> why it stopped
    roster_watermark: int | None  # the last roster batch read: to read the roster as this run saw it
    # Roster rows whose own rules changed since they were checked, checked again by this run (recorded: the
    # next run takes them as checked); 0 when the rules stood.
    rows_rechecked: int
    inputs_digest: str | None  # the digest of what the answer is made of (tasks.runs.answered)
    findings_stored: int  # rows of every list, stored in screening_findings
    provinces: dict[str, ProvinceSummary]
    progress: dict | None  # progress runs: entries new since the previous one
    # County indicators far from their history or their province's other counties: "<county>:<indicator>"
    county_outliers: list[str]
    # Given again by a run with the same inputs: when the run that worked it out finished (else absent).
    answered_by: NotRequired[str]


def province_summary(result: ProvinceScreening) -> ProvinceSummary:
    lists, leads = result.lists, result.leads
    accounted = Counter(leads["accounted_as"])
    return {
        "leads": {"total": len(leads), "by_channel": dict(Counter(leads["channel"])),
                  "matched": accounted["matched"], "unmatched": accounted["unmatched"],
                  "dismissed": accounted["dismissed"], "overdue": len(lists["overdue_leads"]),
                  "late_accepted": len(lists["late_leads"])},
        "new_candidates": {"total": len(lists["new_candidates"]),
                           "by_type": dict(Counter(lists["new_candidates"]["candidate_type"]))},
        "elimination_candidates": len(lists["elimination_candidates"]),
        "coverage_gaps": {g: int((lists["coverage_gaps"]["gap"] == g).sum())
                          for g in ("labour_without_development", "no_labour_without_safety_net")},
        "weak_labour_to_explore": len(lists["weak_labour_to_explore"]),
        "quarantined": result.quarantined,
        "inputs": result.reconciliation,
    }


def national_summary(results: list[ProvinceScreening], header: dict) -> ScreeningSummary:
    """The run's figures: every province's summed (zeros, with every figure named, when no province was
    screened, e.g. all stopped), and each province's."""
    per_province = {r.province: province_summary(r) for r in results}
    total = sum_dicts([province_summary(_NOTHING_SCREENED), *per_province.values()])
    return {**header, **total, "provinces": per_province}


_NOTHING_SCREENED = ProvinceScreening(
    "", {lst.name: pd.DataFrame(columns=list(lst.columns)) for lst in LISTS},
    pd.DataFrame(columns=["channel", "accounted_as"]))


def for_people(frame: pd.DataFrame, province: str | np.ndarray) -> pd.DataFrame:
    """A list as coordinators read it: Chinese labels and headers, names beside codes (省份, 县名称), ID
    numbers, names and phones masked. `province`: the list's, or each row's (several provinces' at once)."""
    out = frame.copy()
    several = isinstance(province, np.ndarray)
    out.insert(0, "province_code", province)
    out.insert(1, "province_name", pd.Series(province).map(_province_name).to_numpy(dtype=object) if several
               else (_province_name(province) if province else ""))
    if "county_code" in out:
        out.insert(out.columns.get_loc("county_code") + 1, "county_name",
                   out["county_code"].map(county_names()).astype(object))
    if "id_number" in out:
        out["id_number"] = mask_id_numbers(out["id_number"])
    if "name" in out:
        out["name"] = out["name"].map(mask_name)
    if "phone" in out:
        out["phone"] = out["phone"].map(mask_phone)
    labels = {"candidate_type": MONITORING_TYPE.codes, "monitoring_type": MONITORING_TYPE.codes,
              "channel": LEAD_CHANNEL.codes, "status": LEAD_STATUS.codes, "risk_code": RISK_CATEGORY.codes,
              "gap": GAP_LABELS,
              "labour": LABOUR_LABELS, "unmatched_reason": UNMATCHED_REASONS}
    for column, mapping in labels.items():
        if column in out:
            out[column] = out[column].map(lambda v, m=mapping: m.get(v, v))
    for column in ("is_poverty_alleviated", "overdue", "late_accepted"):
        if column in out:
            out[column] = out[column].map(yes_no)
    if "rules_met" in out:
        out["rules_met"] = out["rules_met"].map(lambda v: "、".join(RULE_LABELS.get(r, r) for r in v.split(",")))
    return out.rename(columns=HEADERS)


def list_for_people(results: list[ProvinceScreening], name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """List `name` of every province in `results`, one after another, as coordinators read it, and where
    each province's rows end. Made once for all the provinces: a province at a time cost pandas' fixed
    cost of each step 31 times over, more than the rows (a second of a 20,000-household run). The cells are
    each province's own; a column may widen where provinces differ (whole numbers beside another province's
    blank become floats), which a workbook writes as the same number."""
    frames = [r.lists[name] for r in results]
    sizes = np.fromiter((len(f) for f in frames), dtype=np.intp, count=len(frames))
    filled = [f for f in frames if len(f)] or frames[:1]
    whole = pd.concat(filled, ignore_index=True) if len(filled) > 1 else filled[0].reset_index(drop=True)
    codes = np.repeat(np.array([r.province for r in results], dtype=object), sizes)
    return for_people(whole, codes), np.cumsum(sizes)


def people_lists(results: list[ProvinceScreening]) -> dict[str, pd.DataFrame]:
    """Every list of every province as it will be published (masked, Chinese headers)."""
    if not results:
        return {name: pd.DataFrame() for name in LIST_NAMES}
    return {name: list_for_people(results, name)[0] for name in LIST_NAMES}


# What is published holds no ID number in clear: the province workbooks (per partition) and the national reports.
WORKBOOKS_CHECK = Check("check province workbooks", "screening_outputs", announce="problems")
REPORTS_CHECK = Check("check reports", "screening_outputs", announce="problems")


def unmasked_id_check(lists: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per published row: does any of its cells hold an 18-character ID number in clear?"""
    parts = [pd.DataFrame({"list_name": name, "has_unmasked_id": _holds_id(frame)})
             for name, frame in lists.items() if len(frame)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"list_name": [], "has_unmasked_id": []})


def _holds_id(frame: pd.DataFrame) -> np.ndarray:
    # Column by column (vectorised), not row by row: the lists of a large province run to 100,000 rows.
    # Floats, dates and flags cannot spell an 18-character ID; text and integers can.
    found = np.zeros(len(frame), dtype=bool)
    for name in frame.columns:
        column = frame[name]
        if (pd.api.types.is_float_dtype(column) or pd.api.types.is_bool_dtype(column)
                or pd.api.types.is_datetime64_any_dtype(column)):
            continue
        found |= column.astype("string").str.contains(ID_IN_TEXT_PLAIN, regex=True, na=False).to_numpy(dtype=bool)
    return found


def write_reports(folder: Path, summary: dict, lists: dict[str, pd.DataFrame]) -> list[Path]:
    private_folder(folder)  # household lists: the owner only
    written = [folder / "summary.json"]
    written[0].write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    safe = {}
    for name in LIST_NAMES:
        safe[name] = safe_frame(lists[name])  # county-submitted text opened in Excel
        path = folder / f"{name}.csv"
        safe[name].to_csv(path, index=False, encoding="utf-8-sig")
        written.append(path)
    # The national workbook holds the per-province summary; each province's lists are in its own workbook
    # (`write_province_workbooks`, written by the partition tasks).
    written.append(write_workbook(folder / "screening.xlsx", {"省级汇总": with_total(province_table(summary))},
                                  number_formats=NUMBER_FORMATS))
    return written


class ProvinceSheets(NamedTuple):
    """A partition's lists as coordinators read them: per province (`sheets`, its workbook's), and each list
    of all its provinces at once (`lists`, by title: what the check for ID numbers in clear reads)."""

    sheets: dict[str, dict[str, pd.DataFrame]]
    lists: dict[str, pd.DataFrame]


def province_sheets(results: list[ProvinceScreening]) -> ProvinceSheets:
    """Per province, its lists as coordinators read them (masked, Chinese titles and headers)."""
    sheets: dict[str, dict[str, pd.DataFrame]] = {r.province: {} for r in results}
    lists = {}
    for name in LIST_NAMES if results else ():
        whole, ends = list_for_people(results, name)
        lists[BY_NAME[name].title] = whole
        for r, start, end in zip(results, [0, *ends[:-1]], ends, strict=True):
            sheets[r.province][BY_NAME[name].title] = whole.iloc[start:end].reset_index(drop=True)
    return ProvinceSheets(sheets, lists)


def answer_outputs(summary: dict) -> list[str]:
    """What a run's answer is in its folder: a run with the same inputs gives it again while all are there."""
    return ["screening.xlsx", *(f"{name}.csv" for name in LIST_NAMES),
            *(f"provinces/{code}-*.xlsx" for code in summary["provinces"])]


def write_province_workbooks(folder: Path, sheets: dict[str, dict[str, pd.DataFrame]], part: str = "") -> list[Path]:
    """One workbook of lists per province, or per part of a province cut into parts (`part`, as
    `2of3`): what its coordinators open; it stays within a sheet's 1,048,576 rows at any scale. Written where
    the province was screened, so partitions write theirs in parallel."""
    private_folder(folder)
    private_folder(folder / "provinces")
    return [write_workbook(folder / "provinces" / workbook_name(code, part), of_province,
                           number_formats=NUMBER_FORMATS)
            for code, of_province in sheets.items()]


def workbook_name(code: str, part: str = "") -> str:
    """`52-贵州省.xlsx`, or `53-云南省-2of3.xlsx` for a part of a province cut into parts."""
    return f"{code}-{_province_name(code)}{'-' + part if part else ''}.xlsx"


def _province_name(code: str) -> str:
    return province_name(code, missing=code)


def forget_other_workbooks(folder: Path, parts: dict[str, set[str]]) -> None:
    """Before a run writes its province workbooks: remove those an earlier run wrote for its provinces cut
    otherwise (`parts`: per province, the parts of this run, "" for the whole province), which no workbook of
    this run replaces: a coordinator finds the lists of one cut only."""
    for code, names in parts.items():
        keep = {workbook_name(code, part) for part in names}
        for path in (folder / "provinces").glob(f"{code}-*.xlsx"):
            if path.name not in keep:
                path.unlink()


def province_table(summary: dict) -> pd.DataFrame:
    rows = []
    for code, s in summary["provinces"].items():
        rows.append({
            "省代码": code, "省份": _province_name(code),
            "线索数": s["leads"]["total"], "已匹配": s["leads"]["matched"], "未匹配": s["leads"]["unmatched"],
            "已排除": s["leads"]["dismissed"], OVERDUE_LEADS.short: s["leads"]["overdue"],
            LATE_LEADS.short: s["leads"]["late_accepted"],
            NEW_CANDIDATES.short: s["new_candidates"]["total"],
            ELIMINATION_CANDIDATES.short: s["elimination_candidates"],
            "有劳动能力缺开发式措施": s["coverage_gaps"]["labour_without_development"],
            "无劳动能力缺兜底": s["coverage_gaps"]["no_labour_without_safety_net"],
            WEAK_LABOUR.short: s["weak_labour_to_explore"], "隔离行数": sum(s["quarantined"].values()),
        })
    return pd.DataFrame(rows)


def with_total(table: pd.DataFrame) -> pd.DataFrame:
    """The table with a 合计 row: each count column summed (names and codes left blank)."""
    if table.empty:
        return table
    total = {c: (int(table[c].sum()) if pd.api.types.is_numeric_dtype(table[c]) else "") for c in table.columns}
    total[table.columns[0]] = "合计"
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def summary_markdown(label: str, summary: dict, folder: str | None) -> str:
    """The run's summary as the Prefect UI shows it (an artifact), in the lists' own words."""
    leads, gaps = summary["leads"], summary["coverage_gaps"]
    return (f"# {label}\n\n"
            f"- 线索 leads: {leads['total']} (未匹配 {leads['unmatched']}, 超期 {leads['overdue']})\n"
            f"- {NEW_CANDIDATES.short} {NEW_CANDIDATES.short_en}: {summary['new_candidates']['total']}\n"
            f"- {ELIMINATION_CANDIDATES.short} {ELIMINATION_CANDIDATES.short_en}: {summary['elimination_candidates']}\n"
            f"- {COVERAGE_GAPS.short} {COVERAGE_GAPS.short_en}: {sum(gaps.values())} "
            f"({'，'.join(f'{GAP_LABELS[g]} {n}' for g, n in gaps.items())})\n"
            f"- {WEAK_LABOUR.short} {WEAK_LABOUR.short_en}: {summary['weak_labour_to_explore']}\n"
            f"- 按新规则复查的名单行 rows rechecked under changed rules: {summary.get('rows_rechecked', 0)}\n"
            f"- 报告 reports: {folder or '(试运行，未写报告 / dry run)'}\n"
            + (f"\n与 {summary['answered_by']} 完成的运行输入相同（名单数据、规则、参数、代码表），"
               "沿用其结果，未重新计算；如需重新计算，勾选「重新计算」/ "
               f"same inputs as the run finished at {summary['answered_by']}: its answer stands, nothing was "
               "worked out again (tick recompute to work it out again)\n"
               if summary.get("answered_by") else ""))
