import pandas as pd
from prefect.client.orchestration import get_client

from flows.demo import demo_flow


def test_demo_flow_seeds_checks_and_reports(prefect_harness, tmp_path):
    result = demo_flow(households=400, defect_rate=0.02)
    overview = pd.read_csv(result["overview"], encoding="utf-8-sig", dtype={"省代码": str})
    assert list(overview.columns[:3]) == ["省代码", "省份", "农户数"]
    national = overview[overview["省代码"] == "00"].iloc[0]
    assert national["农户数"] == 400
    assert national["人数"] == result["seed"]["rows"]["persons"]
    assert len(overview) == 32  # 31 provinces and the national row

    for table, counts in result["reconciliation"].items():
        assert counts["loaded"] + counts["quarantined"] == counts["read"] == result["seed"]["rows"][table]
    assert sum(c["quarantined"] for c in result["reconciliation"].values()) > 0

    with get_client(sync_client=True) as client:
        artifacts = {a.key: a for a in client.read_artifacts()}
    assert "demo-validate-households-all-households-raw" in artifacts
    assert artifacts["demo-validate-households-all-households-raw"].type == "table"
    assert "data_docs/index.html" in str(artifacts["demo-data-docs"].data)  # Prefect shows links as markdown
    assert (tmp_path / "outputs" / "outbox.jsonl").exists()  # the local outbox got the stage messages


def test_artifacts_carry_no_personal_data(prefect_harness, tmp_path):
    import sqlalchemy as sa

    from tasks.resources import build_engine

    demo_flow(households=300, defect_rate=0.05)
    with build_engine().connect() as conn:
        ids = set(conn.execute(sa.text("SELECT id_number FROM persons WHERE id_number IS NOT NULL")).scalars())
    with get_client(sync_client=True) as client:
        text = " ".join(str(a.data) + str(a.description) for a in client.read_artifacts())
    assert text and not any(i in text for i in ids)


def test_a_failing_flow_notifies_through_its_hook(prefect_harness, tmp_path):
    import json

    import pytest
    from prefect import flow

    from tasks import db
    from tasks.notify.hooks import failure_hook

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
