"""Cells bound for CSV and XLSX files that people open in Excel: text that a spreadsheet would run as a
formula (=, +, -, @, tab, carriage return at the start) gets a leading apostrophe. Inputs come from many
counties; the outputs go to coordinators and the press."""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its text cells (and headers) neutralised; numbers, dates and booleans untouched."""
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    out = frame.copy()
    for column in text:
        out[column] = out[column].map(safe_cell, na_action="ignore")
    return out.rename(columns=lambda c: safe_cell(c) if isinstance(c, str) else c)
