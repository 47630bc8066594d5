"""Workbooks as the people they are for read them."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def sheet_rows(folder: Path, code: str, sheet: str) -> list[dict]:
    """A sheet of province `code`'s workbook in `folder`/provinces, one dict per row by its headers."""
    book = openpyxl.load_workbook(next((folder / "provinces").glob(f"{code}-*.xlsx")), read_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
