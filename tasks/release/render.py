"""The release draft: text in Chinese from the press office's Jinja2 templates (Markdown and self-contained
HTML), the province table as CSV (UTF-8 with BOM, for Excel) and XLSX, and charts as PNG. Every text cell
that reaches a spreadsheet is neutralised against formula injection."""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined
from markdown_it import MarkdownIt

from tasks.outputs.charts import Label, bar_chart
from tasks.outputs.spreadsheets import safe_frame, write_workbook
from tasks.release.figures import FIGURES, Figure
from tasks.release.period import Period


@dataclass
class Draft:
    period: Period
    national: dict[str, dict[str, Any]]  # figure -> value, last_year, change_pct, name, unit, suppressed
    table: pd.DataFrame  # one row per province, Chinese headers, suppressed cells as "—"
    suppressed: list[str]
    min_households: int
    comparison: pd.DataFrame | None = None  # national figures against last year and the previous release
    complementary: int = 0  # of `suppressed`, those withheld so that the small ones cannot be worked out
    issuer: str = "农业农村部"  # the release_issuer setting


DIGITS = {"人": 0, "户": 0, "元": 0, "万元": 2, "%": 1}  # as figures are published, per unit


def table_header(figure: Figure) -> str:
    return f"{_short(figure.name)}({figure.unit})"


# How each column of the published tables is shown: digits in text, Excel's number format in workbooks.
def table_formats() -> dict[str, tuple[int, str]]:
    formats = {table_header(f): (d := DIGITS.get(f.unit, 2), "#,##0" if d == 0 else "#,##0." + "0" * d)
               for f in FIGURES}
    return formats | {"本期": (2, "#,##0.00"), "上年同期": (2, "#,##0.00"), "上期发布": (2, "#,##0.00"),
                      CHANGE_PCT: (1, "0.0"), CHANGE_POINTS: (1, "0.0")}


# The comparison's change on the year: relative for counts and amounts, in percentage points for shares.
CHANGE_PCT, CHANGE_POINTS = "同比增减(%)", "同比增减(百分点)"
# The comparison's values, one row per figure in its own unit: formatted by that unit.
BY_UNIT = {"本期", "上年同期", "上期发布"}


def unit_formats() -> dict[str, str]:
    """Excel's number format per unit, as figures are published (DIGITS)."""
    return {unit: "#,##0" if digits == 0 else "#,##0." + "0" * digits for unit, digits in DIGITS.items()}


def _short(name: str) -> str:
    return {"脱贫人口务工就业规模": "务工就业"}.get(name, name)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def show(figure: dict[str, Any]) -> str:
    """A figure as a release says it: 3,298.25万人, 1,561.00亿元, 61.7%; small numbers as they are (152户)."""
    value, unit = figure.get("value"), figure.get("unit", "")
    if _missing(value):
        return "—（不予公布）" if figure.get("suppressed") else "—（暂无数据）"
    if unit == "%":
        return f"{100 * value:.1f}%"
    if unit == "元":  # per person: 15,111元, never 1.51万元
        return f"{value:,.0f}元"
    if unit == "万元":
        return f"{value / 10_000:,.2f}亿元" if value >= 10_000 else f"{value:,.2f}万元"
    return f"{value / 10_000:,.2f}万{unit}" if value >= 10_000 else f"{value:,.0f}{unit}"


def change(figure: dict[str, Any]) -> str:
    """The figure's change on the same period last year as published: 同比增长3.1%; a share's in percentage
    points (62.1% against 27.6% is 上升34.5个百分点, not 增长125.2%)."""
    if figure.get("unit") == "%":
        return points(figure.get("value"), figure.get("same_period_last_year"))
    return _rate(figure.get("change_pct"), "同比")


def points(value: Any, last_year: Any) -> str:
    if _missing(value) or _missing(last_year):
        return "上年同期无可比数据"
    moved = 100 * (value - last_year)
    if abs(moved) < 0.05:
        return "与上年同期持平"
    return f"同比{'上升' if moved > 0 else '下降'}{abs(moved):.1f}个百分点"


def growth(figure: dict[str, Any]) -> str:
    """A growth rate that is itself the figure (area_income_growth): 名义增长8.4%."""
    return _rate(figure.get("value"), "名义")


def _rate(rate: Any, kind: str) -> str:
    if _missing(rate):
        return "上年同期无可比数据"
    if abs(rate) < 0.0005:
        return "与上年同期持平"
    return f"{kind}{'增长' if rate > 0 else '下降'}{abs(100 * rate):.1f}%"


def environment(templates_dir: Path | None) -> Environment:
    loaders = [FileSystemLoader(str(templates_dir))] if templates_dir else []
    env = Environment(loader=ChoiceLoader([*loaders, PackageLoader("tasks.release")]), undefined=StrictUndefined,
                      autoescape=False)  # Markdown; the HTML page escapes what it takes from outside
    env.filters.update(show=show, change=change, growth=growth)
    return env


DATE_FORMAT = "%Y年%m月%d日"
DATED = ("release.md", "release.html")  # the files whose signature line carries the date


def redate(text: str, issuer: str, published_on: str) -> str:
    """The release's signature line (`农业农村部 2026年10月15日`) dated `published_on`: a release is dated the
    day it is published, which is the day its approver approved it, not the day its draft was made."""
    return re.sub(rf"^{re.escape(issuer)} \d{{4}}年\d{{2}}月\d{{2}}日$", f"{issuer} {published_on}", text,
                  count=1, flags=re.MULTILINE)


def render_draft(draft: Draft, folder: Path, templates_dir: Path | None, published_on: str) -> list[Path]:
    """Write the release's files into `folder` (its files replaced); returns them. Publication copies these
    very files, what the approver saw, and dates the signature the day it publishes them (`redate`)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file():
            old.unlink()
    env = environment(templates_dir)
    context = {"period": draft.period, "f": draft.national, "issuer": draft.issuer, "published_on": published_on,
               "suppressed": draft.suppressed, "min_households": draft.min_households,
               "complementary": draft.complementary,
               "table_markdown": _markdown_table(draft.table)}
    text = env.get_template("release.md.j2").render(**context)
    charts = _charts(draft)
    html_env = Environment(loader=env.loader, autoescape=True)
    html = html_env.get_template("release.html.j2").render(
        period=draft.period, charts={k: base64.b64encode(v).decode("ascii") for k, v in charts.items()},
        body_html=_markup(MarkdownIt("commonmark", {"html": False}).enable("table").render(text)))
    paths = [folder / "release.md", folder / "release.html", folder / "tables.csv", folder / "tables.xlsx"]
    paths[0].write_text(text, encoding="utf-8")
    paths[1].write_text(html, encoding="utf-8")
    safe = safe_frame(draft.table)
    safe.to_csv(paths[2], index=False, encoding="utf-8-sig")
    comparison = safe_frame(draft.comparison) if draft.comparison is not None else None
    excel = {header: number_format for header, (_, number_format) in table_formats().items()}
    write_workbook(paths[3], {"分省数据": safe} | ({"全国数据对比": comparison} if comparison is not None else {}),
                   number_formats=excel, formats_by={h: ("单位", unit_formats()) for h in BY_UNIT})
    if comparison is not None:
        paths.append(folder / "comparison.csv")
        comparison.to_csv(paths[-1], index=False, encoding="utf-8-sig")
    for name, png in charts.items():
        paths.append(folder / f"chart_{name}.png")
        paths[-1].write_bytes(png)
    return paths


def _markup(html: str):
    from markupsafe import Markup

    return Markup(html)  # markdown-it with raw HTML off: what it returns is safe to embed


def _markdown_table(table: pd.DataFrame) -> str:
    """The table as the release text shows it: numbers with thousands separators and the published digits."""
    digits = {header: d for header, (d, _) in table_formats().items()}

    def cell(header: str, value: Any) -> str:
        if header in digits and isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:,.{digits[header]}f}"
        return str(value)

    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "---|" * len(table.columns)
    rows = ["| " + " | ".join(cell(h, v) for h, v in zip(table.columns, row, strict=True)) + " |"
            for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _charts(draft: Draft) -> dict[str, bytes]:
    if "务工就业(人)" not in draft.table.columns:
        return {}
    rows = draft.table[draft.table["省份"] != "全国"]
    values = pd.to_numeric(rows["务工就业(人)"], errors="coerce").fillna(0) / 10_000
    order = values.sort_values(ascending=False).index
    return {"employment": bar_chart(
        [Label(p, c) for p, c in zip(rows.loc[order, "省份"], rows.loc[order, "省代码"], strict=True)],
        values[order].tolist(), Label(f"{draft.period.year}年{draft.period.release_type}各省脱贫人口务工就业规模",
                                      f"employment of the poverty-alleviated, {draft.period.label}"), unit="万人")}
