"""The release's stages before publication, each step → checkpoint: figures from the checked inputs; checks
(signs and shares, provinces summing to the nation, small cells, then personal data in what was drafted);
the approval checkpoint (every revision and large change answered in the form)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tasks.outputs.charts import chart_text
from tasks.release.approval import Approval, Decision, DraftLinks
from tasks.release.attacker import tabulation
from tasks.release.checks import (
    Suppression,
    large_changes,
    personal_data_check,
    revisions,
    sum_check,
    suppress_small_cells,
)
from tasks.release.disclosure import PROTECTION, Audit, protect
from tasks.release.figures import (
    FIGURE_BY_KEY,
    FIGURES,
    NATIONAL_CODE,
    compare,
    figure_values,
    figures_from_counts,
    province_name,
    register_counts,
)
from tasks.release.outliers import figure_outliers
from tasks.release.period import Period
from tasks.release.publish import latest_published, previous_release_figures, published_this_year, record
from tasks.release.render import CHANGE_PCT, CHANGE_POINTS, DIGITS, Draft, change, show, table_header
from tasks.runs.as_of import describe_changes
from tasks.runs.check import Check, StageFailed
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.storage.changes import changed_since

HEADLINE = ("employed", "area_income", "funds_total", "funds_industry_share", "monitored_households",
            "monitored_persons", "eliminated_share", "microcredit_amount")


@dataclass
class ReleaseDraft:
    period: Period
    figures: pd.DataFrame  # compute_figures: national row and provinces, before suppression
    long: pd.DataFrame  # compare: each figure with last year's and the previous release's
    published_version: int | None
    published_values: dict[str, Any] | None
    warnings: list[str] = field(default_factory=list)  # large changes, the national ones first
    national_warnings: int = 0  # how many of `warnings` are national
    revisions: list[str] = field(default_factory=list)
    suppressed: list[Suppression] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)  # "<code>:<figure>" not published, small or complementary
    # Withheld cells of the year's earlier releases that those releases already gave away between them.
    exposed_before: list[str] = field(default_factory=list)
    outliers: list[str] = field(default_factory=list)  # provinces' changes far from their peers' or history
    draft: Draft | None = None
    last_year_source: str = ""  # where "same period last year" comes from: the published release, or computed
    # The roster rows behind a revision: per province, those recorded late (补报) and corrected (更正) since
    # the published version read the roster (tasks.storage.changes).
    record_changes: list[str] = field(default_factory=list)

    @property
    def published_figures(self) -> dict[str, Any]:
        """What the release record keeps (all cells, suppressed ones too: the record stays in the database)."""
        return figure_values(self.figures)

    @property
    def unchanged_since_published(self) -> bool:
        return self.published_version is not None and not self.revisions

    @property
    def national(self) -> dict[str, Any]:
        row = self.long[self.long["province_code"] == NATIONAL_CODE]
        return {r.figure: {"value": _plain(r.value), "same_period_last_year": _plain(r.same_period_last_year),
                           "change_pct": _plain(r.change_pct), "previous_release": _plain(r.previous_release)}
                for r in row.itertuples(index=False)}

    def headline(self) -> list[tuple[str, str]]:
        national = self.national
        out = []
        for key in HEADLINE:
            figure = FIGURE_BY_KEY[key]
            out.append((figure.name, _display(national[key]["value"], figure.unit)))
        return out

    def headline_beside_last_year(self) -> list[str]:
        """The headline figures as the approver reads them: 脱贫人口务工就业规模 3,298.25万人（上年同期
        3,145.00万人，同比增长4.9%）."""
        out = []
        for key in HEADLINE:
            figure, values = FIGURE_BY_KEY[key], self.national[key]
            out.append(f"{figure.name} {_display(values['value'], figure.unit)}（上年同期 "
                       f"{_display(values['same_period_last_year'], figure.unit)}，"
                       f"{change({**values, 'unit': figure.unit})}）")
        return out

    def headline_rows(self) -> list[dict[str, Any]]:
        rows = []
        for key, values in self.national.items():
            figure = FIGURE_BY_KEY[key]
            rows.append({"指标": figure.name, "本期": _display(values["value"], figure.unit),
                         "上年同期": _display(values["same_period_last_year"], figure.unit),
                         "同比": change({**values, "unit": figure.unit})})
        return rows

    def summary_markdown(self, links: DraftLinks) -> str:
        lines = [f"# {self.period.title}", "", *[f"- {k}: {v}" for k, v in self.headline()], "",
                 f"- 大幅变化 large changes: {len(self.warnings)}", f"- 修订 revisions: {len(self.revisions)}",
                 f"- 小单元格隐去 suppressed cells: {sum(not s.complementary for s in self.suppressed)}",
                 f"- 防推算一并隐去 complementary cells: {sum(s.complementary for s in self.suppressed)}",
                 *[f"- 此前发布已可推算 given away by earlier releases: {c}" for c in self.exposed_before],
                 *[f"- 修订涉及记录 records behind the revision: {c}" for c in self.record_changes],
                 f"- 上年同期 same period last year: {self.last_year_source}",
                 f"- 发布稿 draft: {links.draft}", f"- 分省数据表 the provinces' table: {links.tables}"]
        return "\n".join(lines)


def _plain(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def _display(value: Any, unit: str) -> str:
    return show({"value": value, "unit": unit})


def check_period_ended(ctx: CampaignContext, period: Period) -> None:
    if period.end >= ctx.as_of:  # year-to-date figures of a quarter still running would be wrong, not early
        raise StageFailed(f"{ctx.label}: {period.label} ends on {period.end}: release it after the quarter ends")


def release_counts(tables: dict[str, pd.DataFrame], period: Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the release counts from the registers of some provinces: the period's, and the same period's
    last year (what a partition hands back: flows.counting)."""
    return register_counts(tables, period), register_counts(tables, period.same_period_last_year())


def compute_release(ctx: CampaignContext, period: Period, tables: dict[str, pd.DataFrame],
                    counted: list[tuple[pd.DataFrame, pd.DataFrame]]) -> ReleaseDraft:
    """The reported tables (checked: tasks.runs.inputs.national_inputs), and the registers' counts
    (`release_counts` per partition) → the period's figures, the same period last year's, the previous
    release's."""
    figures = figures_from_counts(tables, pd.concat([now for now, _ in counted]), period)
    # The same period last year as it was published: recomputing it from today's roster would change a figure
    # the public has already read. Recomputed only when that period was never published.
    then = period.same_period_last_year()
    published_then = latest_published(ctx.engine, then)
    if published_then is not None:
        last_year: Any = published_then.figures
        source = f"{then.label} 已发布 v{published_then.version} / as published"
    else:
        last_year = figures_from_counts(tables, pd.concat([c for _, c in counted]), then)
        source = f"{then.label} 未发布，按现有数据计算 / never published: computed from the data held now"
    long = compare(figures, last_year, previous_release_figures(ctx.engine, period))
    published = latest_published(ctx.engine, period)
    changes = []
    if published is not None and published.watermark is not None and ctx.watermark is not None \
            and ctx.watermark > published.watermark:
        changes = describe_changes(changed_since(ctx.engine, published.watermark, period.end))
    return ReleaseDraft(period, figures, long, published.version if published else None,
                        published.figures if published else None, last_year_source=source, record_changes=changes)




FIGURES_CHECK = Check("check figures", "release_figures", key="province_code", announce="problems")
SUMS_CHECK = Check("check sums", "release_sums", key="figure", announce="problems")
CELLS_CHECK = Check("check small cells", "release_cells", key="cell", announce="problems")
DISCLOSURE_CHECK = Check("check disclosure", "release_disclosure", key="cell", announce="problems")
PUBLICATION_CHECK = Check("check publication", "release_publication", key="source", announce="problems")
APPROVAL_CHECK = Check("check approval", "release_approval", key="item", announce="problems")


def check_release(ctx: CampaignContext, release: ReleaseDraft, min_households: int,
                  min_change_households: int, protection: float = PROTECTION) -> ReleaseDraft:
    checkpoint(ctx, FIGURES_CHECK, release.figures)
    checkpoint(ctx, SUMS_CHECK, sum_check(release.figures))
    release.revisions = revisions(release.long, release.published_values)["message"].tolist()
    shown, release.suppressed = suppress_small_cells(release.figures, min_households)
    shown = withhold_complementary(ctx, release, shown, protection)
    flagged = large_changes(release.long, published=_published_mask(release.long, shown),
                            min_households=min_change_households).sort_values("national", ascending=False,
                                                                                 kind="stable")
    release.warnings = flagged["warning"].tolist()
    release.national_warnings = int(flagged["national"].sum())
    release.outliers = figure_outliers(ctx.engine, release.period, release.long,
                                       _published_mask(release.long, shown))["reason"].tolist()
    ctx.suite_parameters["min_cell_households"] = min_households
    checkpoint(ctx, CELLS_CHECK, published_cells(shown, release.figures))
    national = _national_for_text(release, shown)
    release.draft = Draft(release.period, national, province_table(shown),
                          [f"{s.province}:{s.figure}" for s in release.suppressed], min_households,
                          comparison=comparison_table(national),
                          complementary=sum(s.complementary for s in release.suppressed),
                          issuer=ctx.settings.release_issuer)
    return release


def withhold_complementary(ctx: CampaignContext, release: ReleaseDraft, shown: pd.DataFrame,
                           protection: float) -> pd.DataFrame:
    """`shown` with the complementary cells withheld too: those without which a small cell could be worked
    out from this release and the year's published ones (tasks.release.disclosure). The checkpoint then
    proves every withheld cell of the year protected, or stops the release."""
    current = tabulation(release.period.label, release.period.quarter, release.published_figures,
                         [f"{s.province_code}:{s.figure}" for s in release.suppressed], current=True)
    audit = protect([*published_this_year(ctx.engine, release.period), current], protection)
    shown = shown.copy()
    for code, figure in audit.complementary:
        row = shown.index[shown["province_code"] == code]
        shown.loc[row, figure] = None
        households = release.figures.loc[row, FIGURE_BY_KEY[figure].cells].iloc[0]
        release.suppressed.append(Suppression(code, province_name(code), figure, int(households), complementary=True))
    release.withheld = sorted(f"{code}:{figure}" for code, figure in audit.withheld)
    release.exposed_before = [f"{r.release} {r.province} {r.name}" for r in audit.exposed.itertuples()
                              if r.exposed_before]
    checkpoint(ctx, DISCLOSURE_CHECK, disclosure_frame(audit))
    return shown


def disclosure_frame(audit: Audit) -> pd.DataFrame:
    """What the disclosure checkpoint validates: per withheld cell the attacker's bounds (what anyone can
    work out, no withheld value), and `holds`."""
    frame = audit.frame[["cell", "province", "name", "lower", "upper", "protected", "exposed_before"]].copy()
    frame[["lower", "upper"]] = frame[["lower", "upper"]].replace([np.inf, -np.inf], np.nan)
    frame["holds"] = audit.holds
    return frame


def _published_mask(long: pd.DataFrame, shown: pd.DataFrame) -> pd.Series:
    """Per row of `long`: whether its cell is published (not suppressed, not missing)."""
    visible = shown.set_index("province_code")[[f.key for f in FIGURES]].notna().stack()
    visible.index = [f"{code}:{key}" for code, key in visible.index]
    return long["key"].map(visible).fillna(False).astype(bool)


def comparison_table(national: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The national figures with the same period last year and the previous release (for the press office):
    numbers in the figure's unit (shares in per cent), the change in per cent; "—" where there is none."""
    rows = []
    for key, f in national.items():
        scale = 100 if f["unit"] == "%" else 1

        def number(value: Any, scale: int = scale) -> Any:
            return "—" if value is None else round(value * scale, 2)

        share, last_year = f["unit"] == "%", f["same_period_last_year"]
        moved = None if f["value"] is None or last_year is None else \
            round(100 * (f["value"] - last_year), 1) if share else \
            None if f["change_pct"] is None else round(100 * f["change_pct"], 1)
        rows.append({"指标": f["name"], "单位": f["unit"], "本期": number(f["value"]),
                     "上年同期": number(last_year),
                     CHANGE_PCT: "" if share else "—" if moved is None else moved,
                     CHANGE_POINTS: ("—" if moved is None else moved) if share else "",
                     "上期发布": number(f["previous_release"]), "代码": key})
    return pd.DataFrame(rows)


def published_cells(shown: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """One row per household-derived cell that will be published, with the households it comes from."""
    rows = []
    for figure in FIGURES:
        if not figure.household_derived:
            continue
        visible = shown[figure.key].notna()
        rows.append(pd.DataFrame({"cell": shown.loc[visible, "province_code"] + ":" + figure.key,
                                  "households": pd.to_numeric(figures.loc[visible, figure.cells])}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["cell", "households"])


def _national_for_text(release: ReleaseDraft, shown: pd.DataFrame) -> dict[str, dict[str, Any]]:
    national = release.national
    visible = shown[shown["province_code"] == NATIONAL_CODE].iloc[0]
    # Suppressed: there was a value and the small-cell rule withheld it (not simply no data).
    return {key: {**values, "name": FIGURE_BY_KEY[key].name, "unit": FIGURE_BY_KEY[key].unit,
                  "suppressed": visible[key] is None and values["value"] is not None,
                  "value": None if visible[key] is None else values["value"]}
            for key, values in national.items()}


def province_table(shown: pd.DataFrame) -> pd.DataFrame:
    """The published table: 省代码, 省份 and each figure as a number in its unit (shares in per cent, rounded as
    published); a suppressed or missing cell is "—", text that a spreadsheet's SUM skips."""
    out = pd.DataFrame({"省代码": shown["province_code"], "省份": shown["province"]})
    for figure in FIGURES:
        values = pd.to_numeric(shown[figure.key], errors="coerce") * (100 if figure.unit == "%" else 1)
        rounded = values.round(DIGITS.get(figure.unit, 2)).astype(object)
        if DIGITS.get(figure.unit, 2) == 0:
            rounded = values.round().map(lambda v: None if pd.isna(v) else int(v))
        out[table_header(figure)] = rounded.where(values.notna(), "—")
    return out


def check_publication(ctx: CampaignContext, texts: dict[str, Any], charts: dict[str, bytes] | None = None) -> None:
    """No ID or phone number in what was drafted (text, tables and the charts' text), and every chart drawn
    in a font that draws its text (no boxes)."""
    drawn = {name: chart_text(png) for name, png in (charts or {}).items()}
    found = personal_data_check(texts | {name: text or "(无文字 / no text)" for name, (text, _) in drawn.items()})
    found["draws_its_text"] = found["source"].map(lambda source: drawn.get(source, ("", True))[1]).astype(bool)
    checkpoint(ctx, PUBLICATION_CHECK, found)


def gate_approval(ctx: CampaignContext, release: ReleaseDraft, approval: Approval) -> None:
    """The approval checkpoint: every revision acknowledged with a note, every large change explained, and a
    republication noted. Blocked: the draft is recorded as blocked and the stage stops after its message."""
    answered_revisions = approval.acknowledge_revisions and bool(approval.revision_note)
    answered_changes = approval.acknowledge_large_changes and bool(approval.explanation)
    items = [{"item": f"revision: {r}", "answered": answered_revisions} for r in release.revisions]
    items += [{"item": f"large change: {w}", "answered": answered_changes} for w in release.warnings]
    if release.published_version is not None:
        items.append({"item": f"republish after v{release.published_version}",
                      "answered": bool(approval.revision_note)})
    frame = pd.DataFrame(items, columns=["item", "answered"])
    try:
        checkpoint(ctx, APPROVAL_CHECK, frame)
    except StageFailed as exc:
        reason = "; ".join(approval.problems(len(release.revisions), len(release.warnings),
                                             release.published_version is not None)) or str(exc)
        record(ctx.engine, period=release.period, status="blocked", figures=release.published_figures,
               approval=approval, run_id=ctx.run_id, reason=reason)
        raise StageFailed(f"{ctx.label}: not published: {reason}") from exc
    assert approval.decision == Decision.approve
