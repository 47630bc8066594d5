"""The rows set aside (隔离行), for the people who can correct them, without database access: per county and
per province an XLSX of each row as it was submitted (its file and row number), every reason with the
rule's Chinese name and what to fix, and per county the completeness of its submissions (files received
and refused, rows read, loaded and set aside), as DHIS2's validation and completeness reports give them.
The counties' flagged indicators go on a county's workbook, and in a workbook of their own per province.

Written with each ingest (the county's file) and each campaign's input stage (the provinces it read); a
campaign rewrites only the workbooks whose content changed since it last wrote them (`write_set_aside`).
Household members' personal data stays masked: the file and row number say which row it is."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Text, cast, func, select

from tasks.model import CountyIndicator, IngestedFile, QuarantinedRow, metadata
from tasks.model.contract import CONTRACTS
from tasks.model.reference import County
from tasks.notify.masking import PersonalDataMasker
from tasks.outputs.set_aside_books import (
    LOOKUP_CHUNK,
    content_digests,
    fresh,
    in_folder,
    record_written,
    standing_workbooks,
)
from tasks.outputs.spreadsheets import frame_rows, write_sheets, yes_no
from tasks.privacy import mask_id_number, mask_name, mask_personal_numbers_in_text, mask_phone, private_folder
from tasks.quality.rules import explain
from tasks.quality.stage_titles import stage_title
from tasks.reference.provinces import province_name

FOLDER = "隔离行"
HEADERS = ["省代码", "省份", "县代码", "县名称", "来源文件", "文件行号", "检查阶段", "问题", "说明", "如何更正"]
NONE_RECEIVED = "未收到报送文件（名册数据非经报送文件入库）"
COMPLETENESS = ["省代码", "省份", "县代码", "县名称", "数据类别", "收到文件数", "拒收文件数", "读取行数", "入库行数",
                "隔离行数", "隔离占比"]
FORMATS = {"本期数值": "#,##0.00",
           "文件行号": "0", "收到文件数": "#,##0", "拒收文件数": "#,##0", "读取行数": "#,##0", "入库行数": "#,##0",
           "隔离行数": "#,##0", "隔离占比": "0.0%"}
MASKS = {"id_number": mask_id_number, "name": mask_name, "phone": mask_phone}
ZH = {c.name: c.zh for contract in CONTRACTS.values() for c in contract.columns}  # person_no -> 成员编号
# A roster row (a campaign read it) holds codes where the county wrote labels: shown as the county wrote them.
LABELS = {c.name: c.codes.codes for contract in CONTRACTS.values() for c in contract.columns if c.codes}
SHEET_OTHER = "其他隔离行"
SHEET_ORDER = {contract.label: n for n, contract in enumerate(CONTRACTS.values())}
UNKNOWN_COUNTY = "县代码不明"
MAX_SHEET_ROWS = 1_000_000  # Excel's limit is 1,048,576: a longer list goes on as 隔离行1-2, 隔离行1-3 …
OUTLIER_SHEET = "异常值提示"
OUTLIER_HEADERS = ["省份", "县代码", "县名称", "指标", "本期数值", "单位", "说明"]
PROVINCE_FLAGS = "异常"  # after a province's code (52异常): the workbook of its counties' flags, apart
MASK_CHUNK = 200  # cells per name lookup: each binds its 2-4 character runs, some 30 per cell


def set_aside_rows(engine: Engine, run_ids: Iterable[str], provinces: Collection[str] | None = None,
                   masked: bool = True) -> pd.DataFrame:
    """The runs' quarantined rows (of `provinces`, by the code each row was read or filed under), one per row
    with HEADERS, `cells` (the submitted cells, masked; not yet, with `masked=False`: `mask_rows` masks
    those that will be written), `kind` and `key` (the row's key)."""
    rows = found_rows(engine, run_ids, provinces)
    describe_rows(rows)
    return mask_rows(engine, rows) if masked else rows


def found_rows(engine: Engine, run_ids: Iterable[str], provinces: Collection[str] | None = None) -> pd.DataFrame:
    """The runs' quarantined rows as `set_aside_rows` gives them, where they are and why (`suite`, `reasons`)
    but not yet described (问题, 说明 and 如何更正 empty; `cells` as stored): enough to tell which workbooks
    changed, so that only their rows are described (`describe_rows`)."""
    ids = sorted(set(run_ids))
    with engine.connect() as conn:
        table = QuarantinedRow.__table__
        # The cells as their JSON text, parsed only for the rows of the workbooks written (`describe_rows`).
        columns = [*(c for c in table.c if c.name != "row_data"), cast(table.c.row_data, Text).label("row_data")]
        query = select(*columns).where(table.c.campaign_run_id.in_(ids), table.c.found_before.is_(False))
        if provinces is not None:
            query = query.where(table.c.province_code.in_(sorted(provinces)))
        # By key where a file's row number does not tell them apart (rows read from the roster): the same
        # rows in the same order whichever partition ended first.
        rows = conn.execute(query.order_by(table.c.source, table.c.row_number, table.c.row_key, table.c.id)).all()
        file_county = dict(conn.execute(select(IngestedFile.campaign_run_id, IngestedFile.county_code)
                                        .where(IngestedFile.campaign_run_id.in_(ids))).all())
        names = dict(conn.execute(select(County.code, County.name)).all())
        # A person's or measure's row has no county of its own: its household's, else the file's.
        households = {i: _household(_cells_of(row.row_data)) for i, row in enumerate(rows) if not row.county_code}
        home = _county_of_households(conn, {h for h in households.values() if h})
    records = []
    for i, row in enumerate(rows):
        county = row.county_code or home.get(households.get(i)) or file_county.get(row.campaign_run_id)
        province = row.province_code or (county[:2] if county else None)
        records.append({
            "省代码": province or "", "省份": _province(province),
            "县代码": county or UNKNOWN_COUNTY, "县名称": names.get(county, "") if county else "",
            "来源文件": _source_of(row), "文件行号": row.row_number, "检查阶段": stage_title(row.stage),
            "问题": "", "说明": None, "如何更正": "",
            "cells": row.row_data, "kind": _kind(row.suite, row.source), "key": row.row_key,
            "suite": row.suite, "reasons": _listed(row.reasons), "decode": row.source in CONTRACTS,
        })
    frame = pd.DataFrame(records, columns=[*HEADERS, "cells", "kind", "key", "suite", "reasons", "decode"])
    return frame.astype({"问题": object, "说明": object, "如何更正": object, "cells": object})


def describe_rows(rows: pd.DataFrame, positions: Iterable[int] | None = None) -> pd.DataFrame:
    """The rows (those at `positions`, or all) with every reason by its rule's Chinese name, what to fix, and
    their cells as submitted, personal numbers masked (names: `mask_rows`), in place."""
    chosen = list(range(len(rows)) if positions is None else positions)
    at = {c: rows.columns.get_loc(c) for c in ("问题", "说明", "如何更正", "cells")}
    for p in chosen:
        reasons, suite = rows["reasons"].iat[p], rows["suite"].iat[p]
        explained = [explain(reason, suite) for reason in reasons]
        rows.iat[p, at["问题"]] = "；".join(dict.fromkeys(t for t, _, _ in explained))
        rows.iat[p, at["说明"]] = [(re.split(r"\s*/\s*(?=[A-Za-z])", d)[0], reason)
                                  for reason, (_, d, _) in zip(reasons, explained, strict=True)]
        rows.iat[p, at["如何更正"]] = " ".join(dict.fromkeys(f for _, _, f in explained))
        rows.iat[p, at["cells"]] = _masked_cells(_cells_of(rows["cells"].iat[p]), decode=rows["decode"].iat[p])
    return rows


def _cells_of(data) -> dict:
    return json.loads(data) if isinstance(data, str) else data or {}


def mask_rows(engine: Engine, rows: pd.DataFrame, positions: Iterable[int] | None = None) -> pd.DataFrame:
    """The rows (those at `positions`, or all) with names masked and 说明 written, in place."""
    chosen = list(range(len(rows)) if positions is None else positions)
    said = rows.columns.get_loc("说明")
    records = [{"cells": rows["cells"].iat[p], "说明": rows.iat[p, said]} for p in chosen]
    _mask_names(engine, records)  # the cells in place: the records hold the rows' own dictionaries
    for at, record in zip(chosen, records, strict=True):  # once masked: the cell a rule is about may hold a name
        rows.iat[at, said] = "；".join(dict.fromkeys(
            said for said in (detail or _what_the_row_says(reason, record["cells"])
                              for detail, reason in record["说明"]) if said))
    return rows


def _source_of(row) -> str:
    """Where the county finds the row: its file (a row a campaign read from the roster: the file its version
    came from), else the roster table as people name it (名册·家庭成员: rows not sent as a file)."""
    if row.source_file:
        return row.source_file
    return f"名册·{CONTRACTS[row.source].label}" if row.source in CONTRACTS else row.source


def _kind(suite: str | None, source: str) -> str:
    """The kind of row, as a sheet is named after it (农户, 家庭成员, 帮扶措施, 问题线索)."""
    for kind, contract in CONTRACTS.items():
        if source == kind or (suite or "").startswith(kind) or (suite or "").endswith(kind):
            return contract.label
    return SHEET_OTHER


def _what_the_row_says(reason: str, cells: dict) -> str:
    """The cell a rule is about, as this row has it (masked): `证件号码：本行填写 520102********001X`, so
    that the county sees which value to look at; nothing when the rule is about several cells."""
    column = reason.partition(": ")[0].split(".")[0]
    label = ZH.get(column)
    if label is None:
        return ""
    value = next((v for h, v in cells.items() if _column(h) == column), None)
    return f"{label}：本行未填写" if value in (None, "") else f"{label}：本行填写 {value}"


def _household(data: dict) -> str | None:
    value = next((v for h, v in data.items() if _column(h) == "household_no"), None)
    return str(value) if value not in (None, "") else None


def _county_of_households(conn, households: set[str]) -> dict[str, str]:
    table = metadata.tables["households"]
    found: dict[str, str] = {}
    chosen = sorted(households)
    for start in range(0, len(chosen), LOOKUP_CHUNK):
        found |= dict(conn.execute(select(table.c.household_no, table.c.county_code).where(
            table.c.household_no.in_(chosen[start:start + LOOKUP_CHUNK]))).all())
    return found


def _province(code: str | None) -> str:
    """The province's name; a code that is none of the 31 (why a row may be set aside) has none."""
    return province_name(code, missing="") if code else ""


def completeness(engine: Engine, counties: Iterable[str] | None = None) -> pd.DataFrame:
    """Per county and kind of file: files received and refused, rows read, loaded and set aside."""
    with engine.connect() as conn:
        files = pd.DataFrame(conn.execute(select(
            IngestedFile.county_code, IngestedFile.kind, IngestedFile.status, IngestedFile.rows_read,
            IngestedFile.rows_loaded, IngestedFile.rows_quarantined)).all(),
            columns=["county", "kind", "status", "read", "loaded", "quarantined"])
        names = dict(conn.execute(select(County.code, County.name)).all())
    if counties is not None:
        files = files[files["county"].isin(set(counties))]
    if files.empty:
        return pd.DataFrame(columns=COMPLETENESS)
    files["county"] = files["county"].fillna(UNKNOWN_COUNTY)
    files["kind"] = files["kind"].map(lambda k: CONTRACTS[k].label if k in CONTRACTS else "未识别").astype(str)
    files["refused"] = files["status"].eq("rejected")
    out = files.groupby(["county", "kind"], as_index=False).agg(
        received=("status", "size"), refused=("refused", "sum"), read=("read", "sum"), loaded=("loaded", "sum"),
        quarantined=("quarantined", "sum"))
    province = out["county"].str[:2].where(out["county"] != UNKNOWN_COUNTY, "")
    share = (out["quarantined"] / out["read"].where(out["read"] > 0)).astype(float)
    return pd.DataFrame({
        "省代码": province, "省份": province.map(_province),
        "县代码": out["county"], "县名称": out["county"].map(lambda c: names.get(c, "")), "数据类别": out["kind"],
        "收到文件数": out["received"].astype(int), "拒收文件数": out["refused"].astype(int),
        "读取行数": out["read"].astype(int), "入库行数": out["loaded"].astype(int),
        "隔离行数": out["quarantined"].astype(int), "隔离占比": share.round(4),
    }).sort_values(["县代码", "数据类别"], ignore_index=True)


def _none_received(code: str, names: dict[str, str]) -> list[list]:
    """The completeness sheet of a county or province that sent no file: it says so, rather than stand empty
    (its rows came into the roster another way: the national system's export, the seed)."""
    province = code[:2]
    county = code if len(code) == 6 else ""
    return [[province, _province(province), county, names.get(county, "") if county else "", NONE_RECEIVED,
             0, 0, 0, 0, 0, None]]


def set_aside_counts(engine: Engine, run_ids: Iterable[str]) -> dict[str | None, int]:
    """Rows the runs set aside, per province code they were read or filed under; and the county indicators
    they flagged, which the same workbooks list."""
    ids = sorted(set(run_ids))
    table, flagged = QuarantinedRow.__table__, CountyIndicator.__table__
    with engine.connect() as conn:
        counts = dict(conn.execute(select(table.c.province_code, func.count()).where(
            table.c.campaign_run_id.in_(ids), table.c.found_before.is_(False)).group_by(table.c.province_code)).all())
        for code, n in conn.execute(select(flagged.c.province_code, func.count()).where(
                flagged.c.campaign_run_id.in_(ids), flagged.c.outlier.is_not(None)).group_by(flagged.c.province_code)):
            counts[code] = counts.get(code, 0) + n
    return counts


def clear_set_aside(folder: Path, keep: bool = False, provinces: Collection[str] = ()) -> None:
    """A rerun that sets nothing aside leaves no list of an earlier one. `keep`: only the workbooks of other
    provinces than `provinces` go (a campaign's own are kept or replaced as they change)."""
    for old in (folder / FOLDER).glob("*.xlsx"):
        if not keep or old.name[:2] not in provinces:
            old.unlink()


class Workbooks(dict):
    """Code -> the path of its workbook (6 digits: a county's; 2: a province's); `unchanged`: the codes whose
    rows were those of the workbook the campaign last wrote for them, which stands (copied into this run's
    folder when it was another's)."""

    unchanged: set[str]
    listed: dict[str, int]  # county -> its rows the runs found and its workbook lists

    def __init__(self) -> None:
        super().__init__()
        self.unchanged = set()
        self.listed = {}

    @property
    def written(self) -> int:
        return len(self) - len(self.unchanged)


def write_set_aside(engine: Engine, run_ids: Iterable[str], folder: Path, provinces: Collection[str] | None = None,
                    campaign: str | None = None, plan: SetAsidePlan | None = None) -> Workbooks:
    """Per county and per province with rows set aside by the runs, a workbook in `folder`/隔离行: the
    rows with their reasons and fixes, and the completeness of the county's (the province's) submissions.
    With `provinces`, only theirs are written (a county lies in one province), and clearing the folder of
    other provinces' is the caller's (`clear_set_aside`), so that several processes can share the work. A
    `campaign`'s workbook is written only when its content changed since the campaign last wrote it
    (SetAsideWorkbook): a rerun, or next week's run, re-reports nothing to a county whose rows are the same.
    `plan`: the same arguments' plan, already made (`plan_set_aside`)."""
    run_ids = list(run_ids)
    if provinces is None and campaign is None:
        clear_set_aside(folder)
    plan = plan or plan_set_aside(engine, run_ids, provinces, campaign)
    rows, books, digests, standing = plan.rows, plan.books, plan.digests, plan.standing
    written = Workbooks()
    target = folder / FOLDER
    if not books:
        _forget_others(target, provinces, written)
        return written
    folder.mkdir(parents=True, exist_ok=True)
    private_folder(target)  # the rows are masked, but they are still households' rows
    changed = sorted({int(p) for book in books if book[0] not in standing and book[2] is not None for p in book[2]})
    if campaign is not None:  # only the rows of the workbooks written are described and masked
        mask_rows(engine, describe_rows(rows, changed), changed)
    by_source, sources, kinds = _by_source(rows, changed), rows["来源文件"].tolist(), rows["kind"].tolist()
    written.listed = {code: len(positions) for code, _, positions, _, _ in books
                      if len(code) != 2 and positions is not None}
    for code, name, positions, completeness_rows, flagged in books:
        if code in standing:
            written[code] = in_folder(standing[code], target / name)
            written.unchanged.add(code)
            continue
        sheets = _sheets(positions.tolist(), sources, kinds, by_source) if positions is not None else {}
        sheets["报送完整性"] = (COMPLETENESS, completeness_rows)
        if flagged is not None:
            sheets[OUTLIER_SHEET] = (OUTLIER_HEADERS, flagged)
        written[code] = write_sheets(fresh(target / name), sheets, FORMATS)
    if campaign is not None:
        record_written(engine, campaign, {code: digests[code] for code in written if code not in written.unchanged},
                       written, next(iter(sorted(set(run_ids))), None))
        _forget_others(target, provinces, written)
    return written


@dataclass
class SetAsidePlan:
    """What `write_set_aside` will write: the rows, the workbooks (code, file name, positions of its rows, its
    completeness rows, its flags), their digests, and those that stand as the campaign last wrote them."""

    rows: pd.DataFrame
    books: list[tuple]
    digests: dict[str, str]
    standing: dict[str, Path]

    @property
    def rows_to_write(self) -> int:
        """Rows of the workbooks to be written (not standing), a county's and its province's counted apart:
        what writing them costs."""
        return sum(len(positions) for code, _, positions, _, _ in self.books
                   if positions is not None and code not in self.standing)


def plan_set_aside(engine: Engine, run_ids: Iterable[str], provinces: Collection[str] | None = None,
                   campaign: str | None = None) -> SetAsidePlan:
    run_ids = list(run_ids)
    # A campaign's rows are described and masked once it is known which workbooks are written.
    rows = set_aside_rows(engine, run_ids, provinces) if campaign is None else found_rows(engine, run_ids, provinces)
    flags = outlier_rows(engine, run_ids, provinces)
    if rows.empty and flags.empty:
        return SetAsidePlan(rows, [], {}, {})
    submitted = completeness(engine, set(rows["县代码"]) | set(flags["县代码"]))
    names = dict(zip(rows["县代码"], rows["县名称"], strict=True)) | dict(zip(flags["县代码"], flags["县名称"],
                                                                              strict=True))
    books = _county_books(rows, flags, submitted, names) + _province_books(rows, flags, submitted, names)
    digests = content_digests(rows, books) if campaign is not None else {}
    standing = standing_workbooks(engine, campaign, digests) if campaign is not None else {}
    return SetAsidePlan(rows, books, digests, standing)


def _county_books(rows: pd.DataFrame, flags: pd.DataFrame, submitted: pd.DataFrame,
                  names: dict[str, str]) -> list[tuple]:
    """Per county with rows set aside or flags: its rows, its completeness and its flags, in one workbook."""
    positions_of = rows.groupby(rows["县代码"].to_numpy()).indices
    submitted_of = {code: frame_rows(group) for code, group in submitted.groupby("县代码", sort=False)}
    flags_of = {code: frame_rows(group[OUTLIER_HEADERS]) for code, group in flags.groupby("县代码", sort=False)}
    return [(code, f"{code}{names.get(code, '')}.xlsx", positions_of.get(code),
             submitted_of.get(code) or _none_received(code, names), flags_of.get(code))
            for code in sorted(set(positions_of) | set(flags_of)) if code]


def _province_books(rows: pd.DataFrame, flags: pd.DataFrame, submitted: pd.DataFrame,
                    names: dict[str, str]) -> list[tuple]:
    """Per province, two workbooks: its counties' rows set aside with those counties' completeness, and apart
    its counties' flags with theirs. A new day's flags (a county flagged, or no longer) then leave the
    workbook of every row of the province as it is: at 1 M, some hundred thousand cells a day."""
    positions_of = rows.groupby(rows["省代码"].to_numpy()).indices
    with_rows = submitted[submitted["县代码"].isin(set(rows["县代码"]))]
    flagged = submitted[submitted["县代码"].isin(set(flags["县代码"]))]
    books = [(code, f"{code}{_province(code)}（全省）.xlsx", positions,
              frame_rows(with_rows[with_rows["省代码"] == code]) or _none_received(code, names), None)
             for code, positions in sorted(positions_of.items()) if code]
    return books + [(code + PROVINCE_FLAGS, f"{code}{_province(code)}（全省）{OUTLIER_SHEET}.xlsx", None,
                     frame_rows(flagged[flagged["省代码"] == code]) or _none_received(code, names),
                     frame_rows(group[OUTLIER_HEADERS]))
                    for code, group in flags.groupby("省代码", sort=True) if code]


def set_aside_by_county(engine: Engine, run_ids: Iterable[str], listed: dict[str, int],
                        unchanged: Collection[str]) -> list[dict]:
    """Per county, the period's rows set aside: those the runs found and list (`listed`: county -> rows; its
    workbook among `unchanged` or written), those they held back as found before (where they arrived, or at
    an earlier recheck: listed then), and those set aside at the ingest of its files."""
    before = _found_before_counts(engine, run_ids)
    filed = completeness(engine).groupby("县代码")["隔离行数"].sum()
    filed = filed[filed > 0]
    counties = sorted({*listed, *before, *filed.index})
    with engine.connect() as conn:
        names = dict(conn.execute(select(County.code, County.name)).all())
    return [{"县代码": code, "县名称": names.get(code, ""), "本次查出隔离行数": listed.get(code, 0),
             "此前查出仍隔离行数": before.get(code, 0), "报送时隔离行数": int(filed.get(code, 0)),
             "工作簿": "未变，未重写" if code in unchanged else ("已写出" if code in listed else "无（此前已反馈）")}
            for code in counties]


def _found_before_counts(engine: Engine, run_ids: Iterable[str]) -> dict[str, int]:
    table = QuarantinedRow.__table__
    county = func.coalesce(table.c.county_code, UNKNOWN_COUNTY)
    with engine.connect() as conn:
        return dict(conn.execute(select(county, func.count()).where(
            table.c.campaign_run_id.in_(sorted(set(run_ids))), table.c.found_before.is_(True)).group_by(county)).all())


def _forget_others(target: Path, provinces: Collection[str] | None, written: Workbooks) -> None:
    """Remove from the folder the workbooks of an earlier run this one has none for (of `provinces`, or all)."""
    kept = {path.name for path in written.values()}
    for old in target.glob("*.xlsx") if target.is_dir() else ():
        if old.name not in kept and (provinces is None or old.name[:2] in provinces):
            old.unlink()


def outlier_rows(engine: Engine, run_ids: Iterable[str], provinces: Collection[str] | None = None) -> pd.DataFrame:
    """The county indicators the runs flagged (tasks.quality.county_indicators), as the county's workbook
    lists them: OUTLIER_HEADERS, and 省代码."""
    from tasks.quality.county_indicators import INDICATORS

    table = CountyIndicator.__table__
    query = select(table).where(table.c.campaign_run_id.in_(sorted(set(run_ids))), table.c.outlier.is_not(None))
    if provinces is not None:
        query = query.where(table.c.province_code.in_(sorted(provinces)))
    with engine.connect() as conn:
        found = conn.execute(query.order_by(table.c.county_code, table.c.indicator)).all()
        names = dict(conn.execute(select(County.code, County.name)).all()) if found else {}
    records = []
    for row in found:
        name, unit = INDICATORS[row.indicator][:2] if row.indicator in INDICATORS else (row.indicator, "")
        scale = 100 if unit == "%" else 1
        records.append({"省代码": row.province_code, "省份": _province(row.province_code), "县代码": row.county_code,
                        "县名称": names.get(row.county_code, ""), "指标": name,
                        "本期数值": None if row.value is None else round(row.value * scale, 2), "单位": unit,
                        "说明": row.outlier})
    return pd.DataFrame(records, columns=["省代码", *OUTLIER_HEADERS])


def _by_source(rows: pd.DataFrame, chosen: list[int] | None = None) -> dict[str, tuple[list[str], dict[int, list]]]:
    """Per source, its headers and its rows as sheets show them (by position in `rows`; of those `chosen`,
    else all): HEADERS, then the cells as submitted. Built once for all the workbooks: a campaign writes one
    per county with rows set aside, thousands, where a frame per workbook would cost more than the writing."""
    tables = {}
    chosen_rows = rows if chosen is None else rows.iloc[chosen]
    at = np.arange(len(rows)) if chosen is None else np.asarray(chosen, dtype=np.intp)
    for source, of_chosen in chosen_rows.groupby("来源文件", sort=False).indices.items():
        positions = at[of_chosen]
        group = rows.iloc[positions]
        cells = pd.DataFrame(group["cells"].tolist(), index=group.index)
        # A county file's own headers as it wrote them; a row read from the roster under its column's label.
        cells.columns = [f"原表·{ZH.get(c, c)}" for c in cells.columns]
        whole = pd.concat([group[HEADERS], cells], axis=1)
        tables[source] = (list(whole.columns), dict(zip(positions.tolist(), frame_rows(whole), strict=True)))
    return tables


def _sheets(positions: list[int], sources: list[str], kinds: list[str],
            by_source: dict[str, tuple[list[str], dict[int, list]]]) -> dict[str, tuple[list, list[list]]]:
    """One sheet of set-aside rows per source (each file has its own headers), named by what it holds (农户,
    家庭成员 …; 农户2 for a second file of households), in the order of the rows."""
    of_source: dict[str, list[int]] = {}
    for at in positions:
        of_source.setdefault(sources[at], []).append(at)
    sheets, seen = {}, {}
    for source in sorted(of_source, key=lambda s: (SHEET_ORDER.get(kinds[of_source[s][0]], 9), s)):
        kind = kinds[of_source[source][0]]
        seen[kind] = seen.get(kind, 0) + 1
        name = kind + (str(seen[kind]) if seen[kind] > 1 else "")
        headers, values = by_source[source]
        chosen = [values[at] for at in of_source[source]]
        for part, start in enumerate(range(0, len(chosen), MAX_SHEET_ROWS), start=1):
            sheets[name + (f"-{part}" if part > 1 else "")] = (headers, chosen[start:start + MAX_SHEET_ROWS])
    return sheets


def _listed(value) -> list:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def _mask_names(engine: Engine, records: list[dict]) -> None:
    """Any text cell may hold a household member's name, which no pattern finds: a county's own column
    (户主姓名, 备注), or any column of a misaligned row (the reason it was set aside). Every text cell but the
    already masked ones goes through the notifier's masker, which looks names up in the roster, in chunks
    (its lookup binds every 2-4 character run of a chunk)."""
    cells = [(r["cells"], header) for r in records for header, value in r["cells"].items()
             if isinstance(value, str) and value and _column(header) not in MASKS]
    masker = PersonalDataMasker(engine)
    for start in range(0, len(cells), MASK_CHUNK):
        chunk = cells[start:start + MASK_CHUNK]
        for (row, header), masked in zip(chunk, masker.mask([row[header] for row, header in chunk]), strict=True):
            row[header] = masked


@cache
def _column(header: str) -> str:
    return next((c.match(header) for c in CONTRACTS.values() if c.match(header)), header)


def _masked_cells(cells: dict, decode: bool = False) -> dict:
    """The row as submitted, with household members' ID numbers, names and phones masked: by the column a
    header names (a county's own header included), and any ID or phone number in any other cell. `decode`:
    a roster row's codes as their labels (子女, not child)."""
    out = {}
    for header, value in cells.items():
        column = _column(header)
        if value is None or value == "":
            out[header] = value
        elif decode and isinstance(value, str) and value in LABELS.get(header, {}):
            out[header] = LABELS[header][value]
        elif column in MASKS:
            out[header] = MASKS[column](value)
        elif isinstance(value, bool):
            out[header] = yes_no(value)
        elif isinstance(value, str):
            # A date read from the roster is stored as 2023-06-15T00:00:00.000: the day is what was submitted.
            text = value.removesuffix("T00:00:00.000")
            out[header] = mask_personal_numbers_in_text(text)
        else:
            out[header] = value
    return out
