import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client

from flows.demo import demo_flow
from tasks.storage.engine import build_engine


def test_demo_seeds_screens_and_reports_without_leaking(prefect_harness):
    result = demo_flow(households=400, defect_rate=0.03)
    overview = pd.read_csv(result["overview"], encoding="utf-8-sig", dtype={"省代码": str})
    assert list(overview.columns[:3]) == ["省代码", "省份", "农户数"]
    national = overview[overview["省代码"] == "00"].iloc[0]
    assert national["农户数"] == 400 and national["人数"] == result["seed"]["rows"]["persons"]
    assert len(overview) == 32  # 31 provinces and the national row

    inputs = result["screening"]["inputs"]
    for table, counts in inputs.items():
        assert counts["loaded"] + counts["quarantined"] == counts["read"] == result["seed"]["rows"][table]
    assert sum(c["quarantined"] for c in inputs.values()) > 0
    reports = json.loads(Path(result["screening_reports"], "summary.json").read_text("utf-8"))
    assert len(reports["provinces"]) == 31
    assessment = json.loads(Path(result["assessment_reports"], "summary.json").read_text("utf-8"))
    assert sorted(p["rank"] for p in assessment["provinces"].values()) == list(range(1, 32))
    assert Path(result["assessment_reports"], "report.html").stat().st_size > 10_000
    assert result["release"]["status"] in ("published", "unchanged")

    with get_client(sync_client=True) as client:
        # The latest of each key: other tests of the session ran screenings too.
        artifacts = {a.key: a for a in client.read_latest_artifacts()}
    quality = json.loads(artifacts["screening-quality"].data)
    # The 31 provinces of the demo are one partition: its input checks cover them all at once.
    assert any((r["阶段"], r["范围"], r["检查集"]) == ("运行输入检查（农户）", "11..65 (31)", "households_raw")
               for r in quality)
    assert "data_docs/index.html" in str(artifacts["screening-data-docs"].data)  # links render as markdown
    # Failures first, named in Chinese, with Chinese headers and values.
    first = quality[0]
    assert (first["结果"], first["级别"]) == ("未通过", "严重（阻断）") and first["规则"] != first["规则代码"]
    assert list(quality[0])[:3] == ["结果", "级别", "规则"] and {r["结果"] for r in quality} == {"未通过", "通过"}
    # The rows set aside, for the counties and provinces that correct them, without database access.
    set_aside = sorted(Path(result["screening_reports"], "隔离行").glob("*.xlsx"))
    assert any(p.name.endswith("（全省）.xlsx") for p in set_aside) and any(p.name[:6].isdigit() for p in set_aside)
    assert "screening-provinces" in artifacts and "screening-summary" in artifacts
    # Every table a coordinator or the press office opens in the UI has Chinese headers and 是/否.
    ranking = json.loads(artifacts["assessment-ranking"].data)
    assert list(ranking[0])[:3] == ["排名", "省代码", "省份"] and {r["规模性返贫风险"] for r in ranking} <= {"是", "否"}
    assert list(json.loads(artifacts["release-figures"].data)[0]) == ["指标", "本期", "上年同期", "同比"]

    # Nothing personal in artifacts or messages.
    with build_engine().connect() as conn:
        ids = set(conn.execute(sa.text("SELECT id_number FROM persons WHERE id_number IS NOT NULL")).scalars())
        names = {n for n in conn.execute(sa.text("SELECT name FROM persons WHERE name IS NOT NULL")).scalars()}
        messages = " ".join(conn.execute(sa.text("SELECT text FROM outbox")).scalars())
        to_press = conn.execute(sa.text("SELECT DISTINCT campaign FROM outbox WHERE channel = '#fpjc-press-office'"
                                        )).scalars().all()
    with get_client(sync_client=True) as client:
        artifacts = " ".join(str(a.data) + str(a.description) for a in client.read_artifacts())
    assert "quarantined_rows" not in messages and "隔离行" in messages
    assert to_press == ["release"]  # the press office hears only of releases
    for text in (artifacts, messages):
        assert text and not any(i in text for i in ids)
        assert not any(n in text for n in names)


def test_a_failing_flow_notifies_through_its_hook(prefect_harness, tmp_path):
    from prefect import flow

    from tasks.notify.hooks import failure_hook
    from tasks.storage import db

    db.upgrade()

    @flow(name="doomed", on_failure=[failure_hook("screening")])
    def doomed():
        raise RuntimeError("the roster for 11010519491231002X is unreadable")

    with pytest.raises(RuntimeError):
        doomed()
    lines = [json.loads(x) for x in (tmp_path / "outputs" / "outbox.jsonl").read_text("utf-8").splitlines()]
    failure = [x for x in lines if "doomed" in x["text"]]
    assert failure and "unreadable" in failure[0]["text"] and failure[0]["channel"] == "#fpjc-screening"
    assert "11010519491231002X" not in failure[0]["text"]  # masked even in an error message
    assert failure[0]["body"]["severity"] == "critical" and failure[0]["body"]["run"]  # never waits for a digest
