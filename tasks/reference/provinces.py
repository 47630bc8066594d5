"""The 31 province-level divisions (GB/T 2260) with the programme's per-province reference figures."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from importlib.resources import files


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    short_name: str
    region: str  # east / central / west, as the programme groups provinces
    former_poor_counties: int  # of the 832 脱贫县
    key_assistance_counties: int  # of the 160 国家乡村振兴重点帮扶县
    threshold_2023: float  # 监测范围 (元/人/年): a plausible 2023 figure, provinces set their own
    weight: float  # relative size of the poverty-alleviated rural population, for synthetic data


def load_provinces() -> tuple[Province, ...]:
    text = files("tasks.reference").joinpath("provinces.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        Province(
            code=r["code"],
            name=r["name"],
            short_name=r["short_name"],
            region=r["region"],
            former_poor_counties=int(r["former_poor_counties"]),
            key_assistance_counties=int(r["key_assistance_counties"]),
            threshold_2023=float(r["threshold_2023"]),
            weight=float(r["weight"]),
        )
        for r in rows
    )


PROVINCES: tuple[Province, ...] = load_provinces()
PROVINCE_BY_CODE: dict[str, Province] = {p.code: p for p in PROVINCES}


_RAISE = object()


def province_name(code: str, missing: object = _RAISE) -> str:
    """The province's name; for a code that is none of the 31, `missing` when given, else KeyError."""
    if code in PROVINCE_BY_CODE or missing is _RAISE:
        return PROVINCE_BY_CODE[code].name
    return missing


# A dropdown of the 31 provinces for parameter forms: the value carries the code and the name, as
# coordinators know them ("52 贵州省").
ProvinceOption = Enum("ProvinceOption", {f"P{p.code}": f"{p.code} {p.name}" for p in PROVINCES}, type=str)


def codes_of(options: Iterable[ProvinceOption | str]) -> list[str]:
    """Province codes of the chosen options, or all 31 when none is chosen."""
    chosen = [str(getattr(o, "value", o)).split()[0] for o in options]
    return chosen or [p.code for p in PROVINCES]


def parse_provinces(text: str | None) -> tuple[Province, ...]:
    """'52,53' -> the two provinces; empty -> all 31. Unknown codes are an error naming them."""
    if not text:
        return PROVINCES
    codes = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in codes if c not in PROVINCE_BY_CODE]
    if unknown:
        raise ValueError(f"unknown province code(s): {', '.join(unknown)} (use GB/T 2260 codes such as 52)")
    return tuple(PROVINCE_BY_CODE[c] for c in dict.fromkeys(codes))
