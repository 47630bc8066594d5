"""From the file's cells to a frame with the table's columns and types, plus, per row, the reasons it
cannot be loaded as it stands (unreadable cells, a truncated row). Reasons name the column, never a value."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tasks.ingest.header import Layout
from tasks.ingest.read import RawSheet
from tasks.ingest.values import closest_allowed, normalise_text, parse, too_long
from tasks.model import metadata
from tasks.storage.reads import typed

TYPE_HELP = {
    "date": "不是日期（可写 2023-04-05、2023/4/5、2023年4月5日、20230405 或 Excel 日期）/ not a date",
    "datetime": "不是日期或时间（可写 2023-04-05 10:30、2023/4/5、2023年4月5日 或 Excel 日期）/ not a date or time",
    "boolean": "不是“是”或“否”（可写 是/否、Y/N、1/0）/ not yes or no",
    "integer": "不是整数 / not a whole number",
    "amount": "不是金额（只写数字，可带千分位、¥ 或 元）/ not an amount",
}


@dataclass
class SubmittedRows:
    frame: pd.DataFrame  # every column of the table, typed; absent columns are missing values
    raw: pd.DataFrame  # the cells as submitted, under the file's own headers
    row_numbers: pd.Series  # spreadsheet row / CSV line of each row
    reasons: dict[int, list[str]]  # row position -> why it cannot be loaded as it stands
    present: list[str]  # the table columns the file carried
    notes: dict[str, int] = field(default_factory=dict)  # what was adjusted on rows that load: note -> rows
    # Per row, the file row an exact repeat repeats (missing for every other row): the first copy is loaded.
    repeat_of: pd.Series | None = None

    def add_note(self, mask: np.ndarray, note: str) -> None:
        if mask.any():
            self.notes[note] = self.notes.get(note, 0) + int(mask.sum())

    def add_reason(self, mask: np.ndarray, reason: str) -> None:
        for position in np.flatnonzero(mask).tolist():
            self.reasons.setdefault(position, []).append(reason)


def submitted_rows(sheet: RawSheet, layout: Layout) -> SubmittedRows:
    width = len(layout.headers)
    body = sheet.rows[layout.header_index + 1:]
    counts = np.fromiter((len(r) for r in body), dtype=np.int64, count=len(body))
    overflow = np.fromiter((any(c.strip() for c in r[width:]) for r in body), dtype=bool, count=len(body))
    cells = [r[:width] + [""] * (width - len(r)) if len(r) != width else r for r in body]
    raw = pd.DataFrame(cells, columns=_unique_headers(layout.headers), dtype=object)
    numbers = pd.Series(sheet.row_numbers[layout.header_index + 1:], dtype="int64")
    table = metadata.tables[layout.kind]
    values = {}
    rows = SubmittedRows(pd.DataFrame(), raw, numbers, {}, sorted(layout.columns.values()))
    if sheet.format == "csv":  # a spreadsheet leaves trailing empty cells out; a CSV row must be whole
        rows.add_reason(counts < width, f"row.fields: 本行的列数少于表头的 {width} 列（文件不完整，或单元格内有换行？）"
                                         f"/ fewer fields than the header's {width}")
    rows.add_reason(overflow, f"row.fields: 本行的列数多于表头的 {width} 列（多了分隔符或错列？）/ more fields "
                              f"than the header's {width}")
    rows.repeat_of = _repeats(raw, numbers)
    rows.add_reason(rows.repeat_of.notna().to_numpy(), DUPLICATE_ROW)
    for position, name in layout.columns.items():
        column = layout.contract.column(name)
        text = normalise_text(raw.iloc[:, position])
        parsed, unreadable = parse(column, text)
        if column.type in TYPE_HELP:
            rows.add_reason(unreadable, f"{name}.format: {column.zh}{TYPE_HELP[column.type]}")
        if column.type == "code":  # the value itself is not repeated: a misaligned row may hold a name there
            for near, mask in closest_allowed(column, parsed).items():
                rows.add_reason(mask, f"{name}.value: {column.zh}的取值不在代码表中，最接近的允许值是“{near}” / "
                                      f"not an allowed value; the closest is {near}")
        long = too_long(column, parsed)
        rows.add_reason(long, f"{name}.length: {column.zh}超过 {column.max_length} 个字 / longer than "
                              f"{column.max_length} characters")
        values[name] = parsed.where(~long, None) if long.any() else parsed
    for c in table.columns:
        values.setdefault(c.name, pd.Series(None, index=raw.index, dtype=object))
    rows.frame = typed(pd.DataFrame(values, index=raw.index)[[c.name for c in table.columns]], layout.kind)
    return rows


DUPLICATE_ROW = ("row.duplicate: 与文件中前面的一行完全相同（重复录入），只按前面那一行处理，本行不重复入库 "
                 "/ an exact repeat of an earlier row, which alone is loaded or set aside")


def _repeats(raw: pd.DataFrame, numbers: pd.Series) -> pd.Series:
    """The file row each exact repeat repeats (every cell the same), missing elsewhere: a row typed or
    pasted twice loads once, where the uniqueness rules would set both copies aside."""
    repeat = raw.duplicated(keep="first").to_numpy()
    out = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    if repeat.any():
        group = raw.groupby(list(raw.columns), sort=False, dropna=False).ngroup().to_numpy()
        first = pd.Series(np.arange(len(raw))).groupby(group).transform("first").to_numpy()
        out[repeat] = numbers.to_numpy()[first[repeat]]
    return out


def _unique_headers(headers: list[str]) -> list[str]:
    out: list[str] = []
    for i, header in enumerate(headers):
        name = header.strip() or f"column {i + 1}"
        out.append(name if name not in out else f"{name} ({i + 1})")
    return out
