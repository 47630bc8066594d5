"""The annual assessment flow on seeded data: outputs opened and read, checkpoints, messages, reruns."""

from __future__ import annotations

import base64
import json
import logging
from html.parser import HTMLParser

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from prefect.client.orchestration import get_client
from typer.testing import CliRunner

from deployments.cli import app
from flows.assessment import annual_assessment
from tasks.assessment.params import AssessmentParams
from tasks.outputs.charts import (
    CJK_FAMILIES,
    NO_CJK_WARNING,
    PROBE,
    Label,
    bar_chart,
    chart_text,
    cjk_font,
    draws,
    find_cjk_font,
)

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def seeded(seed_templates):
    return seed_templates.database(800, year=2023, seed=11, defect_rate=0.02)[0]


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        self.text.append(data)


def _count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def test_assessment_scores_reports_and_reruns_idempotently(prefect_harness, seeded, tmp_path):
    summary = annual_assessment(AssessmentParams(year=2023))

    provinces = summary["provinces"]
    assert len(provinces) == 31
    assert sorted(p["rank"] for p in provinces.values()) == list(range(1, 32))
    assert all(0 <= p["total"] <= 100 and p["grade"] in {"好", "较好", "一般", "较差"} for p in provinces.values())
    assert all(len(p["weakest"]) == 2 for p in provinces.values())
    gz = provinces["52"]["indicators"]
    assert set(gz) == {"industry_fund_share", "employment_change", "development_coverage", "safety_net_coverage",
                       "identification_timeliness", "risk_elimination", "income_growth", "relocation_employment",
                       "microcredit_training"}
    assert gz["industry_fund_share"]["target"] == 0.6 and 0 <= gz["industry_fund_share"]["value"] <= 1
    assert summary["key_counties"]["assessed"] == 160
    assert summary["national_checks"][0]["check"] == "national_employment"

    folder = tmp_path / "outputs" / "assessment" / "2023"
    assert json.loads((folder / "summary.json").read_text("utf-8"))["provinces"]["52"]["rank"] == \
        provinces["52"]["rank"]
    scores = pd.read_csv(folder / "scores.csv", encoding="utf-8-sig", dtype={"省代码": str})
    assert len(scores) == 31 and scores["省代码"].is_unique  # as people read it (issue 20, part 2)
    assert list(scores.columns) == ["排名", "省代码", "省份", "综合得分", "等次", "规模性返贫风险",
                                    "返贫户占脱贫户比例(%)", "最弱指标"]
    assert set(scores["规模性返贫风险"]) <= {"是", "否"} and (scores["综合得分"] == scores["综合得分"].round(2)).all()
    book = load_workbook(folder / "report.xlsx", read_only=True)
    assert book.sheetnames == ["综合排名", "分项指标", "重点帮扶县", "全国核查", "帮扶协作"]
    # The pairings at the year's end, through their own checkpoint, beside the scores (issue 37).
    pairings = pd.read_excel(folder / "report.xlsx", sheet_name="帮扶协作", dtype={"省代码": str})
    assert set(pairings["省代码"]) == set(summary["pairings"]) and pairings["平均完成率"].between(0, 1).all()
    assert pairings["结对数"].sum() == sum(p["pairings"] for p in summary["pairings"].values()) > 0
    assert [c.value for c in next(book["综合排名"].iter_rows(max_row=1))][:5] == ["排名", "省代码", "省份", "综合得分",
                                                                           "等次"]
    assert book["分项指标"].max_row == 31 * 9 + 1 and book["重点帮扶县"].max_row == 160 + 1
    # Shares in per cent with their unit beside them (60.00 %, not 0.6), ratios as multiples.
    indicators = pd.read_excel(folder / "report.xlsx", sheet_name="分项指标")
    assert set(indicators["单位"]) == {"%", "倍（本年/上年）"}
    assert "指标代码" not in indicators and "有劳动能力监测户开发式帮扶覆盖率" in set(indicators["指标"])
    shares = indicators[indicators["指标"] == "有劳动能力监测户开发式帮扶覆盖率"]
    assert (shares["目标值"] > 1).all() and (shares["指标值"].dropna().between(0, 100)).all()
    assert (indicators.loc[indicators["单位"] == "倍（本年/上年）", "目标值"] < 5).all()
    total = next(book["综合排名"].iter_rows(min_row=2, max_row=2))[3]
    assert isinstance(total.value, float) and total.number_format == "0.00"
    assert [c.value for c in next(book["重点帮扶县"].iter_rows(max_row=1))][4] == "脱贫户人均纯收入增长率"
    assert next(book["全国核查"].iter_rows(max_row=1))[0].value == "核查项"
    check = [c.value for c in next(book["全国核查"].iter_rows(min_row=2, max_row=2))]
    assert check[0] == "脱贫人口务工就业规模" and check[3] in ("达到", "未达到")  # in words, not TRUE/FALSE
    county = {h.value: c for h, c in zip(next(book["重点帮扶县"].iter_rows(max_row=1)),
                                         next(book["重点帮扶县"].iter_rows(min_row=2, max_row=2)), strict=True)}
    assert county["脱贫户人均纯收入增长率"].number_format == "0.0%" and county["是否滞后"].value in ("是", "否")
    # 重点帮扶县发展成效监测评价, a workbook of its own: every key county, the lagging ones, per province.
    key = load_workbook(folder / "key-counties.xlsx", read_only=True)
    assert key.sheetnames == ["重点帮扶县监测评价", "滞后县", "按省汇总"]
    rows = list(key["重点帮扶县监测评价"].iter_rows(values_only=True))
    header, counties = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert len(counties) == 160
    assert {"脱贫劳动力务工就业率", "全省脱贫劳动力务工就业率", "衔接资金(万元)"} <= set(header)
    assert all(isinstance(c["衔接资金(万元)"], int | float) for c in counties) and sum(
        c["衔接资金(万元)"] for c in counties) > 0
    lagging = summary["key_counties"]["lagging"]
    assert key["滞后县"].max_row - 1 == len(lagging) > 0 and all(c["reason"] for c in lagging)
    formatted = load_workbook(folder / "key-counties.xlsx")["重点帮扶县监测评价"]
    titles = [c.value for c in formatted[1]]
    rates = [dict(zip(titles, row, strict=True)) for row in formatted.iter_rows(min_row=2)]
    cells = next(r for r in rates if r["脱贫劳动力务工就业率"].value is not None)
    assert cells["脱贫劳动力务工就业率"].number_format == "0.0%" and cells["衔接资金(万元)"].number_format == "#,##0.0"
    assert 0 <= cells["脱贫劳动力务工就业率"].value <= 1 and {r["是否滞后"].value for r in rates} == {"是", "否"}
    by_province = list(key["按省汇总"].iter_rows(values_only=True))
    assert len(by_province) - 1 == 10 and sum(r[2] for r in by_province[1:]) == 160  # the 10 western provinces
    assert summary["key_counties"]["provinces"]["52"]["key_counties"] == 20
    page = _Images()
    page.feed((folder / "report.html").read_text("utf-8"))
    assert len(page.images) == 3 and all(src.startswith("data:image/png;base64,") for src in page.images)
    assert all(base64.b64decode(src.split(",", 1)[1]).startswith(PNG) for src in page.images)
    assert "考核评估" in "".join(page.text) and "贵州省" in "".join(page.text)

    with get_client(sync_client=True) as client:
        artifacts = {a.key for a in client.read_artifacts()}
    assert {"assessment-ranking", "assessment-summary", "assessment-quality"} <= artifacts

    engine = seeded
    with engine.connect() as conn:
        channels = conn.execute(sa.text("SELECT channel, COUNT(*) FROM outbox GROUP BY channel")).all()
    assert dict(channels)["#fpjc-leadership"] == 1 and dict(channels)["#fpjc-assessment"] >= 31
    suites = {r[0] for r in engine.connect().execute(sa.text("SELECT DISTINCT suite FROM quality_results"))}
    assert {"assessment_weights", "assessment_funds", "assessment_employment", "assessment_relocation",
            "assessment_credit", "assessment_training", "households_raw", "assessment_outputs",
            "assessment_indicator_outputs"} <= suites
    before = {t: _count(engine, f"SELECT COUNT(*) FROM {t}") for t in ("campaign_runs", "quality_results",
                                                                         "quarantined_rows", "outbox")}

    again = annual_assessment(AssessmentParams(year=2023))
    assert again["provinces"] == provinces
    assert {t: _count(engine, f"SELECT COUNT(*) FROM {t}") for t in before} == before


@pytest.mark.slow
def test_assessment_counted_in_partitions_on_worker_processes_equals_one_partition(prefect_harness, seeded,
                                                                                     monkeypatch):
    from tasks.settings import get_settings

    single = annual_assessment(AssessmentParams(year=2023))
    quarantined = _count(seeded, "SELECT COUNT(*) FROM quarantined_rows")
    assert quarantined > 0
    monkeypatch.setenv("CAMPAIGNS_COUNT_PARTITION_HOUSEHOLDS", "150")
    monkeypatch.setenv("CAMPAIGNS_WORKERS", "2")
    get_settings.cache_clear()
    split = annual_assessment(AssessmentParams(year=2023))
    for part in ("provinces", "key_counties", "national_checks"):
        assert split[part] == single[part], part
    # The rerun, partitioned otherwise, replaced the single partition's records: none twice.
    scopes = _count(seeded, "SELECT COUNT(DISTINCT scope) FROM quality_results WHERE suite = 'households_raw'")
    assert scopes >= 4 and _count(seeded, "SELECT COUNT(*) FROM quality_results WHERE scope = '11..65 (31)'") == 0
    assert _count(seeded, "SELECT COUNT(*) FROM quarantined_rows") == quarantined


def test_a_year_without_programme_data_is_not_scored(prefect_harness, seeded):
    from tasks.runs.check import StageFailed

    # The year's first missing piece stops it: its monitoring thresholds (the threshold is the campaign
    # year's), before its linkage funds.
    with pytest.raises(StageFailed, match=r"threshold\.known|no linkage_funds rows for 2030"):
        annual_assessment(AssessmentParams(year=2030, provinces=["52 贵州省"]))


def test_dry_run_writes_nothing_and_notifies_nobody(prefect_harness, seeded, tmp_path):
    summary = annual_assessment(AssessmentParams(year=2023, provinces=["52 贵州省", "53 云南省"], dry_run=True))
    assert sorted(summary["provinces"]) == ["52", "53"]
    assert not (tmp_path / "outputs" / "assessment").exists()
    assert _count(seeded, "SELECT COUNT(*) FROM outbox") == 0
    assert _count(seeded, "SELECT COUNT(*) FROM campaign_runs WHERE kind = 'assessment'") == 0


def test_cli_refuses_a_configuration_whose_weights_do_not_sum_to_one(tmp_path):
    from tasks.assessment.config import default_path

    bad = tmp_path / "bad.toml"
    bad.write_text(default_path().read_text("utf-8").replace("weight = 0.15", "weight = 0.25", 1), "utf-8")
    result = CliRunner().invoke(app, ["run", "assessment", "--year", "2023", "--config", str(bad)])
    assert result.exit_code == 2
    assert "bad.toml" in result.output and "sum" in result.output and "Traceback" not in result.output


def test_a_stale_font_cache_never_gives_the_last_resort_font(monkeypatch, last_resort_font):
    """Matplotlib's font cache made before the CJK font was installed lists LastResortHE, which claims every
    character and draws boxes: it is refused, and the system's fonts are searched for a real one."""
    from matplotlib import font_manager

    assert find_cjk_font([last_resort_font]) is None and not draws(last_resort_font, "贵州省")
    from matplotlib.ft2font import FT2Font

    # A cache made before the CJK font came: no CJK family, and the last-resort font listed first (whether a
    # given matplotlib lists it depends on its version and on when its cache was built).
    older = [entry for entry in font_manager.fontManager.ttflist if "CJK" not in entry.name
             and entry.name not in CJK_FAMILIES and not entry.fname.startswith("/usr/share/fonts/truetype/wqy")]
    stale = [font_manager.ttfFontProperty(FT2Font(last_resort_font)), *older]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    cjk_font.cache_clear()
    try:
        found = cjk_font()
    finally:
        cjk_font.cache_clear()
    assert found != last_resort_font
    if any(draws(path, PROBE) for path in font_manager.findSystemFonts()):  # CI installs fonts-wqy-microhei
        assert found is not None and draws(found, "各省脱贫人口务工就业规模")
        _, drawn = chart_text(bar_chart([Label("贵州省", "52")], [1.0], Label("务工就业", "employment"),
                                        unit="万人", font_path=found))
        assert drawn


def test_charts_use_a_cjk_font_or_fall_back_to_ascii_labels_with_a_warning(caplog):
    dejavu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    with caplog.at_level(logging.WARNING, logger="tasks.outputs.charts"):
        assert find_cjk_font([dejavu, "/no/such/font.ttf"]) is None
    assert NO_CJK_WARNING in caplog.text
    labels = [Label("贵州省", "52"), Label("云南省", "53")]
    fallback = bar_chart(labels, [80, 60], Label("综合得分", "total score"), font_path=None)
    assert fallback.startswith(PNG)
    found = cjk_font()
    if found is not None:  # CI installs fonts-wqy-microhei; without it the report says it fell back
        assert find_cjk_font([found]) == found  # it has every glyph the charts' labels use
        chinese = bar_chart(labels, [80, 60], Label("综合得分", "total score"), font_path=found)
        assert chinese.startswith(PNG) and chinese != fallback
