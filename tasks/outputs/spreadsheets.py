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


def write_workbook(path: Path, sheets: dict[str, pd.DataFrame],
                   number_formats: Mapping[str, str] | None = None) -> Path:
    """An XLSX file of `sheets` (title -> frame, text neutralised by `safe_frame`), streamed row by row: a
    national list runs to 100,000 rows, which pandas' cell-by-cell writer takes half a minute over. Text is
    written as text, never as a formula or link, whatever it starts with; numbers as numbers, in the Excel
    format `number_formats` gives their column (by header: `#,##0`, `0.0%` …). Every sheet has its header
    frozen and filtered, and columns wide enough for their header."""
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False, "nan_inf_to_errors": True, "default_date_format": "yyyy-mm-dd"}
    with xlsxwriter.Workbook(str(path), options) as workbook:
        bold = workbook.add_format({"bold": True})
        formats = {header: workbook.add_format({"num_format": f}) for header, f in (number_formats or {}).items()}
        for title, frame in sheets.items():
            sheet = workbook.add_worksheet(title[:31])
            safe = safe_frame(frame)
            headers = [str(c) for c in safe.columns]
            for i, header in enumerate(headers):  # before any row: constant_memory writes rows as they come
                sheet.set_column(i, i, _width(header), formats.get(header))
            sheet.freeze_panes(1, 0)
            if headers:
                sheet.autofilter(0, 0, len(safe), len(headers) - 1)
            sheet.write_row(0, 0, headers, bold)
            columns = [_cells(safe[c]) for c in safe.columns]
            cell_formats = [formats.get(h) for h in headers]
            for row, values in enumerate(zip(*columns, strict=True), start=1):
                if any(cell_formats):  # each cell carries its format: readers ignore a column's default
                    for column, (value, cell_format) in enumerate(zip(values, cell_formats, strict=True)):
                        sheet.write(row, column, value, cell_format)
                else:
                    sheet.write_row(row, 0, values)
    return path


def _width(header: str) -> float:
    """Characters wide: a Chinese character takes two; at least 8 for the numbers below, at most 40."""
    return min(40, max(8, sum(2 if ord(ch) > 0x2E80 else 1 for ch in header) + 2))


def _cells(column: pd.Series) -> list:
    """Python values for a worksheet: missing cells blank, dates as dates, NumPy scalars as Python ones."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return [None if pd.isna(v) else v.to_pydatetime() for v in column]
    return column.astype(object).where(column.notna(), None).tolist()
