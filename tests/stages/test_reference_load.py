"""`campaigns reference load`: thresholds and the official county lists, each through its checkpoint, loaded
whole or refused whole, with a run record and an audit event."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support.ingest_files import write_csv
from typer.testing import CliRunner

from deployments.cli import app
from tasks.ingest.reference_files import load_reference
from tasks.model import AuditEvent
from tasks.storage.reads import read_table

runner = CliRunner()


def thresholds(engine) -> dict[tuple[str, int], float]:
    t = read_table(engine, "monitoring_thresholds")
    return {(r.province_code, int(r.year)): float(r.threshold) for r in t.itertuples()}


def test_thresholds_load_by_province_name_or_code_and_a_bad_file_changes_nothing(engine, tmp_path):
    good = write_csv(tmp_path / "监测范围2025.csv", ["省份", "年度", "监测范围(元/人/年)"],
                     [["贵州省", "2025", "7,600"], ["53", "2025", "¥7200元"]])
    report = load_reference(engine, "thresholds", good, output_dir=tmp_path)
    assert (report.status, report.rows) == ("loaded", 2), report.problem
    assert thresholds(engine)[("52", 2025)] == 7600.0 and thresholds(engine)[("53", 2025)] == 7200.0

    before = thresholds(engine)
    bad = write_csv(tmp_path / "监测范围有误.csv", ["省代码", "年度", "监测范围"],
                    [["52", "2025", "0.76"], ["52", "2025", "7700"], ["99", "2025", "7000"]])
    refused = load_reference(engine, "thresholds", bad, output_dir=tmp_path)
    assert refused.status == "rejected"
    for rule in ("threshold.plausible", "threshold.one_per_province_and_year", "province_code.known"):
        assert rule in refused.problem
    assert thresholds(engine) == before
    with engine.connect() as conn:
        events = conn.execute(select(AuditEvent.action, AuditEvent.subject)
                              .where(AuditEvent.action.like("reference.%"))).all()
    assert [(e.action, e.subject) for e in events] == [("reference.loaded", "监测范围2025.csv"),
                                                        ("reference.rejected", "监测范围有误.csv")]


def test_county_lists_replace_the_flags_and_warn_about_what_looks_wrong(engine, tmp_path):
    poor = write_csv(tmp_path / "脱贫县.csv", ["县级行政区划代码", "县名称"],
                     [["520221", "水城县"], ["522327", "册亨县"], ["150121", "土默特左旗"]])  # 520221 retired
    report = load_reference(engine, "counties", poor, output_dir=tmp_path)
    assert report.status == "loaded" and any("counties.national_count" in w for w in report.warnings)
    key = write_csv(tmp_path / "重点县.csv", ["县代码"], [["520204"], ["522327"], ["110101"]])
    report = load_reference(engine, "key-counties", key, output_dir=tmp_path)
    assert report.status == "loaded"
    assert {w.split(":")[0] for w in report.warnings} >= {"key_county.former_poor", "key_county.western"}
    c = read_table(engine, "counties").set_index("code")
    assert sorted(c.index[c["is_former_poor"]]) == ["150121", "520204", "522327"]
    assert sorted(c.index[c["is_key_assistance"]]) == ["110101", "520204", "522327"]

    unknown = write_csv(tmp_path / "错误名单.csv", ["县代码"], [["529999"]])
    refused = load_reference(engine, "key-counties", unknown, output_dir=tmp_path)
    assert refused.status == "rejected" and "county_code.known" in refused.problem
    assert read_table(engine, "counties")["is_key_assistance"].sum() == 3


@pytest.mark.parametrize("kind", ["thresholds"])
def test_the_command_loads_and_says_what_it_did(kind, engine, db_url, tmp_path):
    path = write_csv(tmp_path / "t.csv", ["省代码", "年度", "监测范围"], [["52", "2026", "7800"]])
    result = runner.invoke(app, ["reference", "load", kind, str(path)])
    assert result.exit_code == 0, result.output
    assert "防止返贫监测范围, 1 rows loaded" in result.output and thresholds(engine)[("52", 2026)] == 7800.0
