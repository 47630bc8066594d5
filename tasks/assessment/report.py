"""The assessment's outputs: summary.json, scores.csv, report.xlsx (Chinese headers) and a self-contained
report.html with charts. Inputs are three frames: one row per province (`ranking`), one per province and
indicator (`indicators`), one per key assistance county (`counties`), plus the national checks."""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from tasks.assessment.key_counties import INDICATORS as COUNTY_INDICATORS
from tasks.assessment.key_counties import NUMBER_FORMATS as KEY_COUNTY_FORMATS
from tasks.assessment.key_counties import sheets as key_county_sheets
from tasks.outputs.charts import Label, bar_chart, cjk_font
from tasks.outputs.spreadsheets import safe_frame, write_workbook, yes_no
from tasks.reference.provinces import province_name

RANKING_ZH = {"rank": "排名", "province_code": "省代码", "province": "省份", "total": "综合得分", "grade": "等次",
              "red_line": "规模性返贫风险", "returned_share": "返贫户占脱贫户比例(%)", "weakest": "最弱指标"}
INDICATORS_ZH = {"province_code": "省代码", "province": "省份", "indicator": "指标代码", "indicator_zh": "指标",
                 "value": "指标值", "target": "目标值", "floor": "零分线", "score": "得分", "weight": "权重",
                 "numerator": "分子", "denominator": "分母"}
# One sheet lists indicators of three kinds: shares and growth read as per cent, ratios as multiples.
UNIT_LABELS = {"share": "%", "growth": "%", "ratio": "倍（本年/上年）"}
PERCENT_UNITS = ("share", "growth")
CHECKS_ZH = {"label": "核查项", "value": "数值", "threshold": "要求", "passed": "是否达到", "provinces": "省份数"}


class AssessmentSummary(TypedDict):
    """What the assessment flow returns and writes as summary.json."""

    campaign: str
    run_id: str
    dry_run: bool
    provinces_in_scope: int
    roster_watermark: int | None  # the last roster batch read: to read the roster as this run saw it
    revised_records: list[str]  # per province, the year's records recorded late or corrected since the last run
    year: int
    provinces: dict[str, dict[str, Any]]  # per province: total, grade, rank, red line, weakest, indicators
    national_checks: list[dict[str, Any]]
    key_counties: dict[str, Any]  # assessed, lagging, indicators per county
    config: dict[str, Any]
    county_outliers: list[str]  # `county:indicator` far from the county's history or its province


@dataclass
class AssessmentResult:
    year: int
    ranking: pd.DataFrame
    indicators: pd.DataFrame
    counties: pd.DataFrame
    national_checks: list[dict[str, Any]]
    config: dict[str, Any]
    header: dict[str, Any] = field(default_factory=dict)
    county_provinces: pd.DataFrame = field(default_factory=pd.DataFrame)  # key counties per province
    # The pairings at the year's end per province (tasks.pairings.year_end, read by the flow): shown, not scored.
    pairings: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> AssessmentSummary:
        provinces = {}
        for row in self.ranking.itertuples(index=False):
            mine = self.indicators[self.indicators["province_code"] == row.province_code]
            provinces[row.province_code] = {
                "province": row.province, "total": _num(row.total), "grade": row.grade, "rank": int(row.rank),
                "red_line": bool(row.red_line), "returned_share": _num(row.returned_share),
                "weakest": list(row.weakest),
                "indicators": {r.indicator: {"value": _num(r.value), "target": _num(r.target),
                                             "score": _num(r.score), "weight": _num(r.weight)}
                               for r in mine.itertuples(index=False)},
            }
        lagging = self.counties[self.counties["lagging"]] if not self.counties.empty else self.counties
        return {**self.header, "year": self.year, "provinces": provinces, "national_checks": self.national_checks,
                "key_counties": {"assessed": len(self.counties), "lagging": [
                    {"county_code": r.county_code, "county": r.county, "province_code": r.province_code,
                     "growth": _num(r.growth), "province_growth": _num(r.province_growth), "reason": r.reason,
                     **{k: _num(getattr(r, k, None)) for k in COUNTY_INDICATORS}}
                    for r in lagging.itertuples(index=False)],
                    "indicators": {r.county_code: {k: _num(getattr(r, k, None)) for k in COUNTY_INDICATORS}
                                   for r in self.counties.itertuples(index=False)},
                    "provinces": {r.province_code: {"key_counties": int(r.key_counties), "lagging": int(r.lagging),
                                                    "funds": _num(r.funds), "funds_share": _num(r.funds_share)}
                                  for r in self.county_provinces.itertuples(index=False)}},
                "pairings": {r.province_code: {"pairings": int(r.pairings), "with_agreement": int(r.with_agreement),
                                               "completed": int(r.completed), "not_reported": int(r.not_reported),
                                               "completion": _num(r.completion)}
                             for r in self.pairings.itertuples(index=False)},
                "config": self.config}


PAIRING_HEADERS = {"province_code": "省代码", "province": "省份", "pairings": "结对数",
                   "with_agreement": "已签协议(责任书)", "completed": "全部完成年度目标",
                   "not_reported": "四季度未报送", "completion": "平均完成率"}


def pairing_table(pairings: pd.DataFrame) -> pd.DataFrame:
    """The pairings at the year's end per province, as report.xlsx's 帮扶协作 sheet shows them."""
    shown = pairings.assign(province=pairings["province_code"].map(lambda code: province_name(code, missing=code)))
    return shown[list(PAIRING_HEADERS)].rename(columns=PAIRING_HEADERS)


def ranking_table(result: AssessmentResult) -> pd.DataFrame:
    """The ranking as people read it (scores.csv and the 综合排名 sheet): Chinese headers, the total to two
    decimals, the share in per cent, 是/否, the weakest indicators by name."""
    r = result.ranking
    out = pd.DataFrame({
        "rank": r["rank"].astype("Int64"), "province_code": r["province_code"], "province": r["province"],
        "total": r["total"].astype(float).round(2), "grade": r["grade"],
        "red_line": r["red_line"].fillna(False).map(yes_no),
        "returned_share": (100 * r["returned_share"].astype(float)).round(2),
        "weakest": r["weakest"].map("、".join),
    })
    return out.rename(columns=RANKING_ZH)


def indicator_table(result: AssessmentResult) -> pd.DataFrame:
    """The 分项指标 sheet: shares and growth in per cent (60.00, not 0.6), ratios as they are, each row with
    its unit, so that a column of values mixes no units unsaid."""
    units = result.indicators["indicator"].map(lambda key: result.config["indicators"].get(key, {}).get("unit"))
    frame = result.indicators[list(INDICATORS_ZH)].drop(columns="indicator")  # the Chinese name is what is read
    percent = units.isin(PERCENT_UNITS)
    for column in ("value", "target", "floor"):
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        frame[column] = values.where(~percent, values * 100).round(2)
    frame.insert(frame.columns.get_loc("indicator_zh") + 1, "unit", units.map(UNIT_LABELS))
    return frame.rename(columns={**INDICATORS_ZH, "unit": "单位"})


def national_check_table(checks: list[dict[str, Any]]) -> pd.DataFrame:
    """The 全国核查 sheet in words: the check's Chinese name, 达到 / 未达到."""
    frame = pd.DataFrame(checks).reindex(columns=list(CHECKS_ZH))
    frame["label"] = frame["label"].map(lambda text: str(text).split(" / ")[0])
    frame["passed"] = frame["passed"].map(lambda ok: "达到" if ok is True else "未达到" if ok is False else "")
    return frame.rename(columns=CHECKS_ZH)


def _num(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    return round(float(value), 4)


def write_reports(folder: Path, result: AssessmentResult) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"summary": folder / "summary.json", "scores": folder / "scores.csv", "xlsx": folder / "report.xlsx",
             "html": folder / "report.html", "key_counties": folder / "key-counties.xlsx"}
    paths["summary"].write_text(json.dumps(result.summary(), ensure_ascii=False, indent=2), encoding="utf-8")
    ranking = ranking_table(result)
    safe_frame(ranking).to_csv(paths["scores"], index=False, encoding="utf-8-sig")
    counties = key_county_sheets(result.counties, result.county_provinces)
    write_workbook(paths["xlsx"], {
        "综合排名": ranking,
        "分项指标": indicator_table(result),
        "重点帮扶县": counties["重点帮扶县监测评价"],  # as the key-county workbook shows it
        "全国核查": national_check_table(result.national_checks),
        **({"帮扶协作": pairing_table(result.pairings)} if not result.pairings.empty else {}),
    }, number_formats={"综合得分": "0.00", RANKING_ZH["returned_share"]: "0.00", "得分": "0.0", "权重": "0%",
                       PAIRING_HEADERS["completion"]: "0.0%",
                       **dict.fromkeys((INDICATORS_ZH[c] for c in ("value", "target", "floor")), "0.00"),
                       **dict.fromkeys((INDICATORS_ZH[c] for c in ("numerator", "denominator")), "#,##0.##"),
                       **dict.fromkeys((CHECKS_ZH[c] for c in ("value", "threshold")), "#,##0"),
                       **KEY_COUNTY_FORMATS})
    write_workbook(paths["key_counties"], counties, number_formats=KEY_COUNTY_FORMATS)
    paths["html"].write_text(render_html(result), encoding="utf-8")
    return paths


def render_html(result: AssessmentResult) -> str:
    env = Environment(loader=PackageLoader("tasks.assessment"), autoescape=select_autoescape(["html", "j2"]))
    charts = {name: base64.b64encode(png).decode("ascii") for name, png in _charts(result).items()}
    return env.get_template("report.html.j2").render(
        year=result.year, ranking=result.ranking.to_dict("records"), indicators=_attainment(result),
        counties=result.counties[result.counties["lagging"]].to_dict("records") if not result.counties.empty else [],
        checks=result.national_checks, charts=charts, cjk=cjk_font() is not None, percent=_percent,
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"), header=result.header)


def _percent(value: Any) -> str:
    """61.7%, or — when there is no figure."""
    number = _num(value)
    return "—" if number is None else f"{100 * number:.1f}%"


def _attainment(result: AssessmentResult) -> list[dict[str, Any]]:
    """Per indicator: the share of provinces (with a value) that reached the target."""
    frame = result.indicators.dropna(subset=["value"])
    rows = []
    for key, group in frame.groupby("indicator", sort=False):
        reached = (group["score"] >= 100).mean() if len(group) else float("nan")
        rows.append({"indicator": key, "indicator_zh": group["indicator_zh"].iloc[0],
                     "target": group["target"].iloc[0], "reached": reached, "provinces": len(group)})
    return rows


def _charts(result: AssessmentResult) -> dict[str, bytes]:
    ranking = result.ranking.sort_values("rank")
    charts = {"scores": bar_chart(
        [Label(p, c) for p, c in zip(ranking["province"], ranking["province_code"], strict=True)],
        ranking["total"].fillna(0).tolist(), Label(f"{result.year}年考核评估综合得分", "total score by province"),
        reference=90, reference_label=Label("好 ≥ 90", "grade A >= 90"), highlight=ranking["red_line"].tolist())}
    attainment = _attainment(result)
    if attainment:
        charts["attainment"] = bar_chart(
            [Label(a["indicator_zh"], a["indicator"]) for a in attainment], [100 * a["reached"] for a in attainment],
            Label("各指标达标省份占比", "provinces reaching the target, by indicator"), unit="%")
    counties = result.counties.dropna(subset=["growth"]).sort_values("growth").head(30)
    if not counties.empty:
        charts["counties"] = bar_chart(
            [Label(f"{c.province}{c.county}", c.county_code) for c in counties.itertuples()],
            (100 * counties["growth"]).tolist(), Label("重点帮扶县人均纯收入增长率（最低30个）",
                                                       "key counties: income growth, lowest 30"),
            unit="%", highlight=counties["lagging"].tolist())
    return charts


def ranking_rows(result: AssessmentResult) -> list[dict[str, Any]]:
    """The ranking as the Prefect UI shows it (a table artifact)."""
    return ranking_table(result).sort_values(RANKING_ZH["rank"]).to_dict("records")


def summary_markdown(label: str, result: AssessmentResult, folder: str | None) -> str:
    """The run's summary as the Prefect UI shows it (a markdown artifact)."""
    ranking = result.ranking.sort_values("rank")
    lagging = int(result.counties["lagging"].sum()) if len(result.counties) else 0
    lines = [f"# {label}", "", f"- 参评省份 provinces: {len(ranking)}",
             f"- 第一 first: {ranking['province'].iloc[0]} ({ranking['total'].iloc[0]:.1f})" if len(ranking) else "",
             f"- 规模性返贫风险 red line: {'、'.join(ranking.loc[ranking['red_line'], 'province']) or '无 none'}",
             f"- 滞后重点县 lagging key counties: {lagging}",
             *[f"- {c['label']}: {'达到 met' if c['passed'] else '未达到 NOT met'}" for c in result.national_checks],
             *[f"- 上次评估后补报、更正 revised since the last run: {r}"
               for r in result.header.get("revised_records", [])],
             f"- 报告 reports: {folder or '(试运行，未写报告 / dry run)'}"]
    return "\n".join(lines)
