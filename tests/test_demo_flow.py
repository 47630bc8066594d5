import pandas as pd

from flows.demo import demo_flow


def test_demo_flow_seeds_and_reports(prefect_harness, tmp_path):
    result = demo_flow(households=400, defect_rate=0.02)
    overview = pd.read_csv(result["overview"], encoding="utf-8-sig", dtype={"省代码": str})
    assert list(overview.columns[:3]) == ["省代码", "省份", "农户数"]
    national = overview[overview["省代码"] == "00"].iloc[0]
    assert national["农户数"] == 400
    assert national["人数"] == result["seed"]["rows"]["persons"]
    assert len(overview) == 32  # 31 provinces and the national row
