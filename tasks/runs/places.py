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


def counties_of_concern(findings: dict[str, tuple[pd.DataFrame, pd.Series, str]]) -> pd.DataFrame:
    """Per county with findings, most first within its province: per kind of finding (`findings`' keys: the
    frame of findings with their `province_code` and `county_code`, each finding in words, and how a count
    of them is said, e.g. "{} 个结对需关注") its count, `named` (its first MAX_NAMED findings in words) and
    `text` (the counts in words): the `counties` of announce_by_place."""
    rows = pd.concat([pd.DataFrame({"province_code": frame["province_code"].to_numpy(dtype=object),
                                    "county_code": frame["county_code"].to_numpy(dtype=object), "kind": kind,
                                    "text": words.to_numpy(dtype=object)})
                      for kind, (frame, words, _) in findings.items()], ignore_index=True)
    if rows.empty:
        return pd.DataFrame(columns=["province_code", "county_code", *findings, "named", "text", "weight"])
    places = ["province_code", "county_code"]
    counted = pd.crosstab([rows["province_code"], rows["county_code"]], rows["kind"]).reindex(
        columns=list(findings), fill_value=0)
    out = counted.join(rows.groupby(places, sort=False)["text"].agg(lambda t: list(t.head(MAX_NAMED))).rename("named"))
    said = [out[kind].map(phrase.format).where(out[kind] > 0, "") for kind, (_, _, phrase) in findings.items()]
    out["text"] = ["，".join(part for part in parts if part) for parts in zip(*said, strict=True)]
    out["weight"] = out[list(findings)].sum(axis=1)
    return out.reset_index().sort_values(["province_code", "weight", "county_code"], ascending=[True, False, True],
                                         ignore_index=True)
