"""A deterministic county list per province: GB/T 2260-shaped codes, invented names, real flag counts.

The real county list is reference data a deployment loads; the synthetic one keeps the national shape
(2,843 county-level units, 832 脱贫县 in 22 provinces, 160 重点帮扶县 in 10 western ones) so campaigns
and their tests see realistic partitions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.reference.provinces import PROVINCES, Province

SYLLABLES = list("安平宁康泰和丰顺兴隆永昌清河山阳川江源城华德远新明福寿宝庆云海峰松柏石林溪桥龙凤东南西北中")
SUFFIXES = np.array(["县"] * 8 + ["市", "区"])
COUNTIES_PER_PREFECTURE = 15


def build_counties(provinces: tuple[Province, ...] = PROVINCES) -> pd.DataFrame:
    """Counties of the given provinces: code, name, province_code, is_former_poor, is_key_assistance."""
    frames = [_province_counties(p) for p in provinces]
    return pd.concat(frames, ignore_index=True)


def _province_counties(p: Province) -> pd.DataFrame:
    rng = np.random.default_rng([20230206, int(p.code)])  # fixed: counties do not change with --seed
    n = p.counties
    i = np.arange(n)
    codes = [f"{p.code}{k // COUNTIES_PER_PREFECTURE + 1:02d}{21 + k % COUNTIES_PER_PREFECTURE:02d}" for k in i]
    names = _unique_names(rng, n)
    order = rng.permutation(n)
    poor = np.zeros(n, dtype=bool)
    poor[order[: p.former_poor_counties]] = True
    key = np.zeros(n, dtype=bool)
    key[order[: p.key_assistance_counties]] = True  # key counties are all former poor counties
    return pd.DataFrame({
        "code": codes, "name": names, "province_code": p.code,
        "is_former_poor": poor, "is_key_assistance": key,
    })


def _unique_names(rng: np.random.Generator, n: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        a, b = rng.choice(len(SYLLABLES), 2, replace=False)
        name = SYLLABLES[a] + SYLLABLES[b] + str(rng.choice(SUFFIXES))
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names
