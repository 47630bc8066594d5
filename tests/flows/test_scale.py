"""Scale: provinces grouped into partitions, the task runner chosen from settings, and the screening on a
local Dask cluster giving the same results as the default process pool."""

import json

import pandas as pd
import pytest
import sqlalchemy as sa
from prefect import flow, task

from flows.fan_out import prepare_worker
from flows.screening import concentrated_screening
from tasks.partitions.partition import partition_label
from tasks.partitions.plan import plan_partitions
from tasks.partitions.runner import build_task_runner, worker_count
from tasks.reference.provinces import parse_provinces
from tasks.screening.params import ScreeningParams
from tasks.settings import Settings, get_settings
from tasks.storage import db
from tasks.storage.engine import build_engine
from tasks.synthetic.seed import seed_database


def test_small_provinces_share_a_partition_and_a_large_one_is_alone():
    sizes = {"11": 300, "12": 200, "13": 2_500, "14": 400, "15": 700}
    assert plan_partitions(sizes, 1_000) == [["11", "12"], ["13"], ["14"], ["15"]]
    assert plan_partitions(sizes, 10_000) == [["11", "12", "13", "14", "15"]]
    assert plan_partitions(sizes, 1) == [[c] for c in sizes]
    assert plan_partitions({}, 5) == []
    with pytest.raises(ValueError, match="at least one household"):
        plan_partitions(sizes, 0)
    assert partition_label(["52"]) == "52" and partition_label(["11", "12", "13"]) == "11..13 (3)"


def test_a_large_country_is_split_so_that_every_worker_has_a_share():
    sizes = {"11": 150_000, "12": 100_000, "13": 120_000, "14": 90_000, "15": 140_000}
    # The cut nearest the half: 250,000 and 350,000 rather than 370,000 and 230,000.
    assert plan_partitions(sizes, 1_000_000, workers=2) == [["11", "12"], ["13", "14", "15"]]
    assert plan_partitions(sizes, 200_000, workers=2) == [["11"], ["12"], ["13"], ["14"], ["15"]]
    small = {"11": 300, "12": 200}  # not worth a second process
    assert plan_partitions(small, 1_000_000, workers=2) == [["11", "12"]]


def test_the_runner_follows_the_settings():
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    assert worker_count(Settings(workers=3)) == 3
    assert 1 <= worker_count(Settings()) <= 64
    assert isinstance(build_task_runner(Settings(workers=2)), ProcessPoolTaskRunner)
    assert isinstance(build_task_runner(Settings(workers=1)), ThreadPoolTaskRunner)
    assert isinstance(build_task_runner(Settings(dask_address="tcp://127.0.0.1:1")), DaskTaskRunner)


@task
def _worker_state() -> tuple[int, bool]:
    """Where a partition would run: how many objects the process froze, and whether GX's context is made."""
    import gc

    from tasks.quality.gx import _batch_definition

    return gc.get_freeze_count(), _batch_definition.cache_info().currsize > 0


def test_a_worker_is_prepared_before_its_first_partition(prefect_harness):
    """Each worker process makes GX's context and freezes what it holds before any partition: a full
    collection after a partition (release_memory) then walks the partition's leftovers only, not the
    370,000 objects of the modules (0.3 s a partition, 3 s of a 1,000,000-household run)."""
    runner = build_task_runner(Settings(workers=2), prepare=prepare_worker)

    @flow(task_runner=runner)
    def two_workers() -> list[tuple[int, bool]]:
        return [future.result() for future in [_worker_state.submit() for _ in range(2)]]

    assert all(frozen > 100_000 and made for frozen, made in two_workers())
    bare = build_task_runner(Settings(workers=2))

    @flow(task_runner=bare)
    def unprepared() -> tuple[int, bool]:
        return _worker_state.submit().result()

    assert unprepared() == (0, False)


def _results(engine) -> dict[str, pd.DataFrame]:
    with engine.connect() as conn:
        return {
            "findings": pd.read_sql(sa.text(
                "SELECT province_code, list_name, household_no, lead_no, category, details FROM screening_findings "
                "ORDER BY province_code, list_name, household_no, lead_no"), conn),
            "quarantined": pd.read_sql(sa.text(
                "SELECT province_code, source, row_key, reasons FROM quarantined_rows "
                "ORDER BY source, row_key"), conn),
        }


@pytest.mark.slow
def test_screening_on_a_local_dask_cluster_matches_the_default_runner(prefect_harness, tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGNS_WORKERS", "2")  # the default on a 2-core machine: a pool of two processes
    distributed = pytest.importorskip("distributed")
    engine = build_engine()
    db.upgrade(engine)
    seed_database(engine, 1500, parse_provinces("11,52,53"), defect_rate=0.02)
    monkeypatch.setenv("CAMPAIGNS_PARTITION_HOUSEHOLDS", "400")  # three partitions, at least
    get_settings.cache_clear()
    params = ScreeningParams(year=2023, provinces=["11 北京市", "52 贵州省", "53 云南省"], as_of="2023-06-30")

    default = concentrated_screening(params)
    first = _results(engine)
    assert len(first["findings"]) > 0 and len(first["quarantined"]) > 0

    # Worker processes inherit the environment they start with: the database and outputs of this test.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        monkeypatch.setenv("CAMPAIGNS_DASK_ADDRESS", cluster.scheduler_address)
        get_settings.cache_clear()
        with distributed.get_task_stream(client) as stream:
            on_dask = concentrated_screening(params)
        ran_on = {item["worker"] for item in stream.data}
    assert len(stream.data) >= 3, "the partitions ran on the cluster"
    assert len(ran_on) >= 1

    # Same campaign, period and mode: the same run, rerun; the settings differ (the cluster), so its inputs do.
    strip = {"run_id", "inputs_digest"}
    assert {k: v for k, v in on_dask.items() if k not in strip} == {k: v for k, v in default.items() if k not in strip}
    again = _results(engine)
    for table in ("findings", "quarantined"):
        pd.testing.assert_frame_equal(again[table], first[table])
    summary = json.loads((tmp_path / "outputs" / "screening" / "2023" / "progress-2023-06-30" / "summary.json")
                         .read_text("utf-8"))
    assert summary["new_candidates"]["total"] == default["new_candidates"]["total"]


@pytest.mark.slow
def test_a_partition_that_stops_leaves_the_others_screened(prefect_harness, tmp_path, monkeypatch):
    from tasks.runs.check import StageFailed

    engine = build_engine()
    db.upgrade(engine)
    seed_database(engine, 1500, parse_provinces("11,52,53"), defect_rate=0.0)
    with engine.begin() as conn:  # Guizhou's monitoring threshold is missing: a blocking input check fails
        conn.execute(sa.text("DELETE FROM monitoring_thresholds WHERE province_code = '52'"))
    monkeypatch.setenv("CAMPAIGNS_PARTITION_HOUSEHOLDS", "400")
    monkeypatch.setenv("CAMPAIGNS_WORKERS", "2")  # the stop travels back from a worker process
    get_settings.cache_clear()
    params = ScreeningParams(year=2023, provinces=["11 北京市", "52 贵州省", "53 云南省"], as_of="2023-06-30")

    with pytest.raises(StageFailed, match="1 province"):
        concentrated_screening(params)
    with engine.connect() as conn:
        stored = set(conn.execute(sa.text("SELECT DISTINCT province_code FROM screening_findings")).scalars())
        status, error = conn.execute(sa.text("SELECT status, error FROM campaign_runs")).one()
        messages = " ".join(conn.execute(sa.text("SELECT text FROM outbox")).scalars())
    assert stored == {"11", "53"}
    assert status == "failed" and "threshold.known" in error
    assert "入库后复核（农户）" in messages and "52" in messages


def _rules(reasons: str) -> list[str]:
    """The rules a quarantined row failed, from its reasons ("rule: notes")."""
    return [r.split(":")[0].replace("id_number.unique_in_province", "id_number.unique") for r in json.loads(reasons)]


@pytest.mark.slow
def test_provinces_cut_into_parts_give_the_results_of_whole_provinces(prefect_harness, tmp_path, monkeypatch):
    engine = build_engine()
    db.upgrade(engine)
    # Defects include a person registered again under another person's 证件号码, anywhere in the province.
    seed_database(engine, 1500, parse_provinces("11,52,53"), defect_rate=0.05)
    monkeypatch.setenv("CAMPAIGNS_WORKERS", "2")
    get_settings.cache_clear()
    params = ScreeningParams(year=2023, provinces=["11 北京市", "52 贵州省", "53 云南省"], as_of="2023-06-30")
    whole = concentrated_screening(params)
    first = _results(engine)

    monkeypatch.setenv("CAMPAIGNS_PART_HOUSEHOLDS", "200")  # each province of about 500 households in 3 parts
    get_settings.cache_clear()
    in_parts = concentrated_screening(params)
    again = _results(engine)

    with engine.connect() as conn:
        sizes = dict(conn.execute(sa.text("SELECT province_code, count(*) FROM households GROUP BY 1")).all())
        parts = set(conn.execute(sa.text("SELECT DISTINCT province_code, part FROM screening_findings")).all())
        scopes = set(conn.execute(sa.text("SELECT DISTINCT scope FROM quality_results WHERE scope IS NOT NULL"))
                     .scalars())
        across = conn.execute(sa.text("SELECT count(*) FROM quarantined_rows "
                                      "WHERE reasons LIKE '%id_number.unique_in_province%'")).scalar()
    cut = {code: -(-n // 200) for code, n in sizes.items()}
    assert cut["52"] >= 3 and cut["53"] >= 3
    # The whole provinces' findings and checks were replaced by the parts', not kept beside them.
    assert parts == {(code, f"{k}of{n}" if n > 1 else "") for code, n in cut.items() for k in range(1, n + 1)}
    assert scopes == {f"{code} {k}/{n}" if n > 1 else code for code, n in cut.items() for k in range(1, n + 1)}
    assert across > 0, "a duplicate whose other row is in another part was found"
    # The same rows quarantined for the same defects; a duplicate across parts under the rule that finds it.
    for frame in (first, again):
        frame["quarantined"]["reasons"] = frame["quarantined"]["reasons"].map(_rules)
    for table in ("findings", "quarantined"):
        pd.testing.assert_frame_equal(again[table], first[table])
    # The settings differ (the parts' size), so the digest of the run's inputs does; nothing else.
    assert {**in_parts, "inputs_digest": None} == {**whole, "inputs_digest": None}
    workbooks = sorted(p.name for p in (tmp_path / "outputs").rglob("provinces/53-*.xlsx"))
    assert workbooks == [f"53-云南省-{k}of{cut['53']}.xlsx" for k in range(1, cut["53"] + 1)], "one cut's only"
