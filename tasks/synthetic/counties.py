"""The counties of the synthetic programme: the real county-level divisions (tasks.reference.counties), with
脱贫县 and 重点帮扶县 flags drawn in the real number per province (832 in 22 provinces, 160 in 10 western
ones), rural units first, since the official lists are loaded by `campaigns reference load`, not shipped."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.reference.counties import counties_of
from tasks.reference.provinces import PROVINCES, Province


def build_counties(provinces: tuple[Province, ...] = PROVINCES) -> pd.DataFrame:
    """Counties of the given provinces: code, name, province_code, is_former_poor, is_key_assistance."""
    frames = [_province_counties(p) for p in provinces]
    return pd.concat(frames, ignore_index=True)


def _province_counties(p: Province) -> pd.DataFrame:
    rng = np.random.default_rng([20230206, int(p.code)])  # fixed: counties do not change with --seed
    units = counties_of(p.code)
    urban = np.array([u.type == "市辖区" for u in units])
    # Rural units (县, 旗, county-level cities) first, in a fixed random order; city districts after them.
    order = np.lexsort((rng.permutation(len(units)), urban))
    poor = np.zeros(len(units), dtype=bool)
    poor[order[: p.former_poor_counties]] = True
    key = np.zeros(len(units), dtype=bool)
    key[order[: p.key_assistance_counties]] = True  # key counties are all former poor counties
    return pd.DataFrame({
        "code": [u.code for u in units], "name": [u.name for u in units], "province_code": p.code,
        "is_former_poor": poor, "is_key_assistance": key,
    })
