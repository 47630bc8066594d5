"""The messages of a duty's run to the places it concerns: one per province naming its counties of concern
(worst first), one per such county that has a channel of its own (channels.toml [counties]). Without a
county channel a county's message would reach the coordinators, thousands at national scale: the province's
message names the county, and the province's workbook lists everything."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from tasks.reference.provinces import province_name
from tasks.runs.context import CampaignContext

MAX_NAMED = 5  # a message names the worst counties (or sites, projects…); the workbook has them all


def announce_by_place(ctx: CampaignContext, campaign: str, counties: pd.DataFrame, county_names: dict[str, str],
                      links: dict[str, str], province_figures: Callable[[str, pd.DataFrame], dict[str, Any]],
                      county_figures: Callable[[Any], dict[str, Any]], provinces: Iterable[str] = ()) -> None:
    """`counties`: per county of concern, worst first within its province: `province_code`, `county_code`,
    `text` (what its province's message says of it) and `named` (what its own message lists); and whatever
    `county_figures` reads of its row. `provinces`: others to tell though no county of theirs is named (a
    province-level finding); `links`: the workbooks by province code."""
    workbook = {code: [f"本省工作簿 / workbook: {link}"] for code, link in links.items() if len(code) == 2}
    for province in sorted(set(counties["province_code"]) | set(provinces)):
        of_province = counties[counties["province_code"].eq(province)]
        named = [f"{county_names.get(r.county_code, r.county_code)}：{r.text}"
                 for r in of_province.head(MAX_NAMED).itertuples()]
        more = len(of_province) - MAX_NAMED
        ctx.announce(f"province:{province}", f"{ctx.label} · {province_name(province, missing=province)}",
                     province_figures(province, of_province),
                     [*named, *([f"另有 {more} 个县，见本省工作簿"] if more > 0 else []), *workbook.get(province, [])],
                     campaign=campaign, province=province)
    for county in counties.itertuples():
        if ctx.has_own_channel(county.county_code):
            place = province_name(county.province_code, missing=county.province_code) + \
                county_names.get(county.county_code, county.county_code)
            ctx.announce(f"county:{county.county_code}", f"{ctx.label} · {place}", county_figures(county),
                         [*county.named, *workbook.get(county.province_code, [])],
                         campaign=campaign, province=county.province_code, county=county.county_code)
