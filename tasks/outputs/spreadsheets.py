"""Cells bound for CSV and XLSX files that people open in Excel: text that a spreadsheet would run as a
formula (=, +, -, @, tab, carriage return at the start) gets a leading apostrophe. Inputs come from many
counties; the outputs go to coordinators and the press."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def yes_no(value: Any) -> str:
    """A flag as people read it: 是 / 否, and empty when unknown (None, NaN)."""
    if value is True or (not isinstance(value, str) and value == 1):
        return "是"
    if value is False or (not isinstance(value, str) and value == 0):
        return "否"
    return ""


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its text cells (and headers) neutralised; numbers, dates and booleans untouched."""
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    out = frame.copy()
    for column in text:
        if pd.api.types.is_string_dtype(out[column]) and out[column].dtype != object:
            risky = out[column].str.startswith(FORMULA_START, na=False)  # vectorised: lists are long
            if risky.any():
                out[column] = out[column].where(~risky, "'" + out[column])
        else:  # mixed Python objects: only text is neutralised, a negative number stays a number
            out[column] = out[column].map(safe_cell, na_action="ignore")
    return out.rename(columns=lambda c: safe_cell(c) if isinstance(c, str) else c)


IN_MEMORY_ROWS = 20_000  # below this a workbook is built in memory: 4 times faster than through temporary files


def write_workbook(path: Path, sheets: dict[str, pd.DataFrame], number_formats: Mapping[str, str] | None = None,
                   formats_by: Mapping[str, tuple[str, Mapping[str, str]]] | None = None) -> Path:
    """An XLSX file of `sheets` (title -> frame): `write_sheets` of their headers and rows."""
    return write_sheets(path, {title: (list(frame.columns), frame_rows(frame)) for title, frame in sheets.items()},
                        number_formats, formats_by)


def write_sheets(path: Path, sheets: dict[str, tuple[list, list[list]]],
                 number_formats: Mapping[str, str] | None = None,
                 formats_by: Mapping[str, tuple[str, Mapping[str, str]]] | None = None) -> Path:
    """An XLSX file of `sheets` (title -> headers and rows of Python values), text neutralised as `safe_cell`
    does. A long list (a national one runs to 100,000 rows) is streamed row by row through temporary files,
    a short one built in memory: a campaign writes a workbook per county with rows set aside, thousands of a
    few rows each, where the fixed cost per workbook is what counts. Text is written as text, never as a
    formula or link, whatever it starts with; numbers as numbers, in the Excel format `number_formats` gives
    their column (by header: `#,##0`, `0.0%` …), or where a column mixes units, by another column of the row
    (`formats_by`: header -> (the unit's header, unit -> format): a count `#,##0` beside an amount
    `#,##0.00`). Every sheet has its header frozen and filtered, and columns
    as wide as their header and their first rows' values (an 18-character ID number is read whole); a column
    of long text (a reason, how to fix it) is capped and its cells wrapped."""
    import xlsxwriter

    small = sum(len(rows) for _, rows in sheets.values()) < IN_MEMORY_ROWS
    options = {"constant_memory": not small, "in_memory": small, "strings_to_formulas": False,
               "strings_to_urls": False, "strings_to_numbers": False, "nan_inf_to_errors": True,
               "default_date_format": "yyyy-mm-dd"}
    with xlsxwriter.Workbook(str(path), options) as workbook:
        bold = workbook.add_format({"bold": True})
        formats = {header: workbook.add_format({"num_format": f}) for header, f in (number_formats or {}).items()}
        by_unit = {f: workbook.add_format({"num_format": f}) for _, units in (formats_by or {}).values()
                   for f in units.values()}
        wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})
        for title, (columns, rows) in sheets.items():
            sheet = workbook.add_worksheet(title[:31])
            headers = [str(safe_cell(c)) for c in columns]
            cell_formats = [formats.get(h) for h in headers]
            for i, header in enumerate(headers):  # before any row: constant_memory writes rows as they come
                width = _width(header, (r[i] for r in rows[:WIDTH_SAMPLE]))
                if width > MAX_WIDTH and cell_formats[i] is None:
                    width, cell_formats[i] = MAX_WIDTH, wrapped
                sheet.set_column(i, i, min(width, MAX_WIDTH), cell_formats[i])
            sheet.freeze_panes(1, 0)
            if headers:
                sheet.autofilter(0, 0, len(rows), len(headers) - 1)
            sheet.write_row(0, 0, headers, bold)
            mixed = {i: (headers.index(formats_by[h][0]), formats_by[h][1]) for i, h in enumerate(headers)
                     if h in (formats_by or {}) and formats_by[h][0] in headers}
            formatted = any(cell_formats) or bool(mixed)
            for row, values in enumerate(rows, start=1):
                if formatted:  # each cell carries its format: readers ignore a column's default
                    for column, (value, cell_format) in enumerate(zip(values, cell_formats, strict=True)):
                        if column in mixed:
                            key, units = mixed[column]
                            cell_format = by_unit.get(units.get(values[key]), cell_format)
                        sheet.write(row, column, safe_cell(value), cell_format)
                else:
                    sheet.write_row(row, 0, [safe_cell(v) for v in values])
    return path


WIDTH_SAMPLE = 200  # rows whose values size a column: enough to see its usual width, cheap for a long list
MAX_WIDTH = 50  # characters: a wider column (long text) is wrapped instead


def _width(header: str, values) -> float:
    """Characters wide for the header and the values: a Chinese character takes two; at least 8 for the
    numbers below, the filter button and a margin."""
    return max(8, *(_chars(v) + 3 for v in (header, *values) if v is not None))


def _chars(value: Any) -> int:
    text = f"{value:,}" if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def frame_rows(frame: pd.DataFrame) -> list[list]:
    """Python values for a worksheet, row by row: missing cells blank, dates as dates, NumPy scalars as
    Python ones. One conversion of the whole frame: per column it costs more than a short sheet's writing."""
    if frame.empty:
        return []
    values = frame.astype(object).where(frame.notna(), None).to_numpy()
    for i, dtype in enumerate(frame.dtypes):
        if pd.api.types.is_datetime64_any_dtype(dtype):
            values[:, i] = [None if v is None else v.to_pydatetime() for v in values[:, i]]
    return values.tolist()
