"""证件号码 (GB 11643-1999 resident ID numbers), names and phone numbers: validate, normalise, mask.

Everything in the project that touches personal data goes through this module, so that masking has one
definition (`110105********002X`, `张*`, `138****5678`).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from tasks.reference.provinces import PROVINCE_BY_CODE

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = "10X98765432"  # index = weighted sum mod 11
# Mainland provinces plus Taiwan, Hong Kong and Macao, whose residents hold mainland-format numbers.
AREA_PREFIXES = frozenset(PROVINCE_BY_CODE) | {"71", "81", "82"}
EARLIEST_BIRTH = date(1800, 1, 1)  # GB 11643 birth dates start in the 1800s (a published example is 1880)
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
# An 18-character ID anywhere in free text: not glued to other digits.
ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
ID_IN_TEXT_PLAIN = r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"  # the same, without groups, for pandas

# Columns of the roster that hold a household member's personal data.
PERSONAL_COLUMNS = ("id_number", "name", "phone")

# Reasons, stable strings used in quarantine records and tests.
MISSING = "missing"
BAD_FORMAT = "format"  # not 17 digits + digit/X
BAD_AREA = "area_code"
BAD_BIRTH = "birth_date"
BAD_CHECKSUM = "checksum"


def normalise_id_number(value: object) -> str | None:
    """Full-width to half-width, spaces removed, lower-case x upper-cased; None for empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = unicodedata.normalize("NFKC", str(value))
    text = re.sub(r"\s+", "", text).upper()
    return text or None


def check_character(first17: str) -> str:
    total = int(np.dot(np.frombuffer(first17.encode("ascii"), dtype=np.uint8) - 48, WEIGHTS))
    return CHECK_CHARS[total % 11]


def id_number_problem(value: object, today: date | None = None) -> str | None:
    """The first problem of one ID number (after normalising), or None if it is valid."""
    return id_number_problems(pd.Series([value], dtype=object), today=today).iloc[0]


def is_valid_id_number(value: object, today: date | None = None) -> bool:
    return id_number_problem(value, today=today) is None


def id_number_problems(values: pd.Series, today: date | None = None) -> pd.Series:
    """Vectorised validation: for each value the first problem (missing, format, area_code, birth_date,
    checksum) or None. Values are normalised first, so full-width digits or a lower-case x pass."""
    today = today or date.today()
    ids = normalise_id_numbers(values)
    present = ids.notna().to_numpy()
    well_formed = present & ids.str.fullmatch(r"\d{17}[\dX]").fillna(False).to_numpy(dtype=bool)
    problems = np.full(len(ids), None, dtype=object)
    problems[~present] = MISSING
    problems[present & ~well_formed] = BAD_FORMAT
    if well_formed.any():
        good = ids[well_formed]
        raw = np.frombuffer("".join(good.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        digits = raw[:, :17].astype(np.int64) - 48
        area_ok = good.str[:2].isin(AREA_PREFIXES).to_numpy() & (digits[:, 2:6].sum(axis=1) > 0)
        birth_ok = _valid_birth_dates(digits[:, 6:14], today)
        expected = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)[(digits @ WEIGHTS) % 11]
        # The first problem as a number (0: none), then its label: string arrays cost more than the checks.
        first = np.select([~area_ok, ~birth_ok, expected != raw[:, 17]], [1, 2, 3], default=0)
        problems[well_formed] = np.array([None, BAD_AREA, BAD_BIRTH, BAD_CHECKSUM], dtype=object)[first]
    return pd.Series(problems, index=values.index, dtype=object)


DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _valid_birth_dates(digits: np.ndarray, today: date) -> np.ndarray:
    """Rows of 8 digits YYYYMMDD that form a real date between 1800-01-01 and today."""
    year = digits[:, 0:4] @ np.array([1000, 100, 10, 1])
    month = digits[:, 4:6] @ np.array([10, 1])
    day = digits[:, 6:8] @ np.array([10, 1])
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last_day = DAYS_IN_MONTH[np.clip(month, 1, 12) - 1] + (leap & (month == 2))
    real = (month >= 1) & (month <= 12) & (day >= 1) & (day <= last_day) & (year >= EARLIEST_BIRTH.year)
    return real & (year * 10_000 + month * 100 + day <= today.year * 10_000 + today.month * 100 + today.day)


def normalise_id_numbers(values: pd.Series) -> pd.Series:
    """Vectorised `normalise_id_number`: a string Series, missing where empty."""
    text = values.astype("str").str.upper()
    # Almost every value is already a clean 18-character ID; only the rest pays for NFKC and regex.
    messy = ~text.str.fullmatch(ID_PATTERN.pattern).fillna(True).astype(bool)
    if messy.any():
        fixed = text[messy].str.normalize("NFKC").str.replace(r"\s+", "", regex=True).str.upper()
        text[messy] = fixed
    return text.mask(text == "")


def birth_date_of(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def sex_of(id_number: str) -> str:
    """'1' male / '2' female (GB/T 2261.1): the 17th digit is odd for men."""
    return "1" if int(id_number[16]) % 2 == 1 else "2"


def mask_id_number(value: object) -> str | None:
    """`110105********002X`: area code and the last four kept, birth date hidden."""
    text = normalise_id_number(value)
    if text is None:
        return None
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_id_numbers(values: pd.Series) -> pd.Series:
    return values.astype(object).map(mask_id_number)


def mask_name(value: object) -> str | None:
    """`张*`, `欧阳**`-style: the first character kept, every other character a star."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    if not text:
        return text
    return text[0] + "*" * (len(text) - 1)


def mask_phone(value: object) -> str | None:
    """`138****5678`: the first three and last four digits kept."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(value)))
    if len(text) < 8:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


# A mainland mobile number: 11 digits starting 13-19, possibly written 138-1234-5678 or 138 1234 5678. Not glued
# to other digits nor part of a decimal number (an amount like 13274000000.5 is not a phone number).
PHONE_IN_TEXT = r"(?<![\d.])1[3-9]\d(?:[- ]?\d{4}){2}(?!\d|[.,]\d)"


def mask_phones_in_text(text: str) -> str:
    return re.sub(PHONE_IN_TEXT, lambda m: m.group(0)[:3] + "****" + m.group(0)[-4:], text)


def mask_id_numbers_in_text(text: str) -> str:
    """Mask every 18-character ID-shaped token in free text, valid or not: a mistyped ID is still personal."""
    return ID_IN_TEXT.sub(lambda m: m.group(1) + "*" * 8 + m.group(3), text)


def mask_personal_numbers_in_text(text: str) -> str:
    """ID numbers and mobile numbers in free text, both masked: what any text leaving the database gets."""
    return mask_phones_in_text(mask_id_numbers_in_text(text))


CJK = r"[\u3400-\u9fff\u00b7]"  # Chinese characters and the middle dot of transliterated names
CJK_TEXT = re.compile(CJK + "+")


def scrub_driver_error(exc: BaseException) -> None:
    """Cut a database driver's error text to its first line, ID numbers and Chinese text masked. PostgreSQL's
    DETAIL quotes the offending key or the whole failing row (names, ID numbers), and a primary message may
    quote a value; the text goes on to logs, Prefect's run states and alerts. SQL identifiers are ASCII."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    scrubbed = CJK_TEXT.sub(lambda m: "*" * len(m.group()), mask_id_numbers_in_text(first))
    if scrubbed != text:
        exc.args = (f"{scrubbed} [details withheld: they may quote personal data]",)


def private_folder(path: Path) -> Path:
    """A folder for files that hold household lists or county submissions: created (with its parents) and
    set readable by its owner only (0700), whatever the process's umask or the folder's earlier mode."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path
