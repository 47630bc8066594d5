"""Cell text → typed values, one column at a time (vectorised). Each parser returns the parsed column and a
mask of the cells that had text but could not be read; the caller turns that mask into a quarantine reason
that names the column (never the value: values can be personal data).

Accepted spellings: full-width digits and letters; ID numbers with spaces or a lower-case x; dates as
2023-04-05, 2023/4/5, 2023.4.5, 2023年4月5日, 20230405 or an Excel serial number; 是/否, Y/N, true/false,
1/0 for yes/no; amounts with thousands separators, ¥ or 元; codes or their Chinese labels."""

from __future__ import annotations

import difflib
import unicodedata

import numpy as np
import pandas as pd

from tasks.model.contract import Column

TRUE = frozenset({"是", "y", "yes", "true", "t", "1", "有", "√", "✓"})
FALSE = frozenset({"否", "n", "no", "false", "f", "0", "无", "×", "✗"})
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0 (it counts 1900 as a leap year)
# Serials from 1927-05-18 on: a bare year such as 2023 is not read as a day of 1905.
MIN_EXCEL_SERIAL, MAX_EXCEL_SERIAL = 10_000, 2_958_465
DATE_PATTERN = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"


def normalise_text(cells: pd.Series) -> pd.Series:
    """Full-width to half-width (NFKC) where a cell has non-ASCII characters; surrounding spaces removed;
    empty cells become missing."""
    text = cells.astype(object).where(cells.notna(), "").astype(str)
    wide = ~text.str.isascii()
    if wide.any():
        text[wide] = text[wide].map(lambda s: unicodedata.normalize("NFKC", s))
    text = text.str.strip()
    return text.where(text != "", None)


def parse(column: Column, cells: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(values, unreadable) for one column of normalised text; unreadable cells become missing."""
    return PARSERS[column.type](column, cells)


def too_long(column: Column, values: pd.Series) -> np.ndarray:
    """Text longer than the database column holds (PostgreSQL would refuse the whole file)."""
    if column.max_length is None or values.dtype != object:
        return np.zeros(len(values), dtype=bool)
    return values.str.len().fillna(0).to_numpy() > column.max_length


def _text(column: Column, cells: pd.Series) -> tuple[pd.Series, np.ndarray]:
    return cells, np.zeros(len(cells), dtype=bool)


def _id_number(column: Column, cells: pd.Series) -> tuple[pd.Series, np.ndarray]:
    # Validity (format, area, birth date, checksum) is the checkpoint's rule; here only the spelling.
    values = cells.str.replace(r"[\s\-]+", "", regex=True).str.upper()
    return values.where(values != "", None), np.zeros(len(cells), dtype=bool)


def _phone(column: Column, cells: pd.Series) -> tuple[pd.Series, np.ndarray]:
    values = cells.str.replace(r"[\s\-()]+", "", regex=True)
    return values.where(values != "", None), np.zeros(len(cells), dtype=bool)


def _code(column: Column, cells: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """A code, its Chinese label or a known alias → the code. Unknown values are kept as given for the
    checkpoint's code rule to quarantine, with the rule's name as the reason."""
    table = column.codes
    assert table is not None
    lookup = {k.lower(): k for k in table.codes} | {v: k for k, v in table.codes.items()} | dict(table.aliases)
    for code in table.codes:  # Excel drops leading zeros: 1 → 01, 201 → 0201
        if code.isdigit() and code.lstrip("0") and code.lstrip("0") not in lookup:
            lookup[code.lstrip("0")] = code
    distinct = cells.dropna().unique()
    mapping = {v: lookup.get(v, lookup.get(v.lower(), v)) for v in distinct}  # a few values, many rows
    values = cells.map(mapping).astype(object)
    return values.where(cells.notna(), None), np.zeros(len(cells), dtype=bool)


def closest_allowed(column: Column, values: pd.Series, cutoff: float = 0.6) -> dict[str, np.ndarray]:
    """For the values of a code column left unknown by `parse`: the allowed value each most resembles, as
    `label` or `label（alias）` (小额贷款 → 金融帮扶（小额信贷）), with the rows that hold a value resembling it.
    Values resembling nothing are left to the checkpoint's code rule."""
    table = column.codes
    assert table is not None
    spellings = {label: label for label in table.codes.values()} | {
        alias: f"{table.codes[code]}（{alias}）" for alias, code in table.aliases.items()}
    unknown = values.dropna()
    unknown = unknown[~unknown.isin(list(table.codes))]
    found: dict[str, np.ndarray] = {}
    for value in unknown.unique():
        near = difflib.get_close_matches(str(value), list(spellings), n=1, cutoff=cutoff)
        if near:
            mask = (values == value).fillna(False).to_numpy(dtype=bool)
            found[spellings[near[0]]] = found.get(spellings[near[0]], np.zeros(len(values), dtype=bool)) | mask
    return found


def _boolean(column: Column, cells: pd.Series) -> tuple[pd.Series, np.ndarray]:
    lower = cells.str.lower()
    values = pd.Series(pd.NA, index=cells.index, dtype="boolean")
    values[lower.isin(TRUE).to_numpy()] = True
    values[lower.isin(FALSE).to_numpy()] = False
    bad = (cells.notna() & values.isna()).to_numpy()
    return values, bad


def _number(cells: pd.Series) -> pd.Series:
    cleaned = cells.str.replace(r"^[¥￥]|元$|[,\s]", "", regex=True)
    return pd.to_numeric(cleaned, errors="coerce")


def _amount(column: Column, cells: pd.Series) -> tuple[pd.Series, np.ndarray]:
    values = _number(cells).astype("float64")
    return values, (cells.notna() & values.isna()).to_numpy()


def _integer(column: Column, cells: pd.Series) -> tuple[pd.Series, np.ndarray]:
    numbers = _number(cells)
    whole = numbers.notna() & (numbers.round() == numbers) & (numbers.abs() < 2**31)
    values = numbers.where(whole).astype("Int64")
    return values, (cells.notna() & values.isna()).to_numpy()


def _date(column: Column, cells: pd.Series) -> tuple[pd.Series, np.ndarray]:
    values = _datetimes(cells)
    if column.type == "date":
        values = values.dt.normalize()
    return values, (cells.notna() & values.isna()).to_numpy()


def _datetimes(cells: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    text = cells.dropna()
    if text.empty:
        return out
    # Fast path for what systems export (2023-04-05, 2023-04-05 10:30:00); the rest goes by pattern.
    iso = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")
    if iso.any():
        out[iso[iso].index] = pd.to_datetime(text[iso], format="ISO8601", errors="coerce")
        text = text[~iso]
    parts = text.str.extract(DATE_PATTERN)
    matched = parts[0].notna()
    if matched.any():
        p = parts[matched].fillna("0").astype("int64")
        frame = pd.DataFrame({"year": p[0], "month": p[1], "day": p[2], "hour": p[3], "minute": p[4],
                              "second": p[5]})
        out[frame.index] = pd.to_datetime(frame, errors="coerce")
    rest = text[~matched]
    compact = rest[rest.str.fullmatch(r"\d{8}")]  # 20230405
    if not compact.empty:
        out[compact.index] = pd.to_datetime(compact, format="%Y%m%d", errors="coerce")
    serial = pd.to_numeric(rest[~rest.index.isin(compact.index)], errors="coerce")
    serial = serial[(serial >= MIN_EXCEL_SERIAL) & (serial <= MAX_EXCEL_SERIAL)]
    if not serial.empty:
        out[serial.index] = EXCEL_EPOCH + pd.to_timedelta(serial, unit="D").dt.round("s")
    return out


PARSERS = {
    "text": _text, "id_number": _id_number, "phone": _phone, "code": _code, "boolean": _boolean,
    "amount": _amount, "integer": _integer, "date": _date, "datetime": _date,
}
