"""Deployments, schedules in Asia/Shanghai, periods derived from scheduled times, parameter forms, the
calendar, and registration through the Prefect API."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from prefect.client.orchestration import get_client
from prefect.states import Cancelled

from deployments.calendar import period_of, upcoming
from deployments.definitions import SPECS, TIMEZONE, runner_deployments
from tasks.assessment.params import AssessmentParams
from tasks.lead_watch.params import LeadWatchParams
from tasks.release.params import ReleaseParams
from tasks.release.period import default_period
from tasks.screening.params import ScreeningParams
from tasks.what_if.params import ThresholdWhatIfParams

SHANGHAI = ZoneInfo(TIMEZONE)


def test_every_deployment_loads_with_its_schedules_in_shanghai_time():
    # The UI lists deployments by name, in Chinese; the CLI keeps the campaigns' keys.
    assert [d.name for d in runner_deployments()] == [s.title for s in SPECS]
    assert all(any("\u4e00" <= c <= "\u9fff" for c in s.title) for s in SPECS)
    deployments = {s.name: d for s, d in zip(SPECS, runner_deployments(), strict=True)}
    assert set(deployments) == {"screening", "assessment", "release", "lead-watch", "relocation",
                                "fund-ledger", "pairings", "threshold-what-if", "ingest-inbox", "outbox-flush"}
    assert not deployments["threshold-what-if"].schedules  # a coordinator launches it from the form
    crons = {d: [(s.schedule.cron, s.schedule.timezone) for s in dep.schedules] for d, dep in deployments.items()}
    assert crons["screening"] == [("0 9 1 4 *", TIMEZONE), ("0 9 2-31 4 1", TIMEZONE), ("0 9 * 5-6 1", TIMEZONE),
                                  ("0 9 1 7 *", TIMEZONE)]
    assert crons["release"] == [("0 9 15 1,4,7,10 *", TIMEZONE)]
    assert crons["assessment"] == [("0 9 20 1 *", TIMEZONE)]
    assert crons["lead-watch"] == [("0 9 * * 1", TIMEZONE)]  # every Monday, all year
    assert crons["relocation"] == [("0 9 10 1,4,7,10 *", TIMEZONE)]  # the 10th after each quarter
    assert crons["fund-ledger"] == [("0 9 12 1,4,7,10 *", TIMEZONE)]  # the 12th: before the release reads it
    assert crons["pairings"] == [("0 10 10 1,4,7,10 *", TIMEZONE)]  # the 10th, after the relocation follow-up
    assert all(tz == TIMEZONE for schedules in crons.values() for _, tz in schedules)
    assert all(d.description and d.tags for d in deployments.values())
    # One run at a time, but for the release: a paused run gives the deployment's slot back and is killed by
    # its lease renewal; it holds its period's slot itself (tests/flows/test_served_release.py).
    assert {n: d.concurrency_limit for n, d in deployments.items()} == {
        n: None if n == "release" else 1 for n in deployments}
    modes = [s.parameters for s in deployments["screening"].schedules]
    assert modes == [{"params": {"mode": m}} for m in ("启动 launch", "每周进展 progress", "每周进展 progress",
                                                    "收尾 close_out")]


@pytest.mark.parametrize(("scheduled", "expected"), [
    (datetime(2024, 1, 15, 9, tzinfo=SHANGHAI), "2023Q4"),  # the year boundary
    (datetime(2024, 4, 15, 9, tzinfo=SHANGHAI), "2024Q1"),
    (datetime(2024, 7, 15, 9, tzinfo=SHANGHAI), "2024Q2"),
    (datetime(2024, 10, 15, 9, tzinfo=SHANGHAI), "2024Q3"),
    (datetime(2024, 4, 1, 0, 30, tzinfo=SHANGHAI), "2024Q1"),  # 31 March 16:30 UTC is already April here
])
def test_release_period_from_the_scheduled_time(scheduled, expected):
    assert default_period(scheduled).label == expected


def test_calendar_periods_follow_the_schedules():
    start = datetime(2023, 12, 31, 12, tzinfo=SHANGHAI)
    runs = upcoming(days=200, start=start)
    first = {(r.deployment, r.schedule): r for r in reversed(runs)}
    assert first[("release", "release-quarterly")].at == datetime(2024, 1, 15, 9, tzinfo=SHANGHAI)
    assert first[("release", "release-quarterly")].period == "2023Q4 全年"
    assert first[("assessment", "assessment-annual")].period == "2023"
    assert first[("screening", "screening-launch")].period == "2024 启动 截至 2024-04-01"
    # 1 April 2024 is a Monday: the launch is that day's only run; the weekly progress starts on 8 April.
    assert first[("screening", "screening-progress-april")].at.date() == date(2024, 4, 8)
    assert first[("screening", "screening-close-out")].period == "2024 收尾 截至 2024-06-30"
    progress = [r for r in runs if r.schedule.startswith("screening-progress")]
    assert len(progress) == 12 and all(r.at.weekday() == 0 and 4 <= r.at.month <= 6 for r in progress)
    screening_days = [r.at.date() for r in runs if r.deployment == "screening"]
    assert len(screening_days) == len(set(screening_days))  # never two screenings on one day
    assert all(r.at.tzinfo is not None and r.at.utcoffset().total_seconds() == 8 * 3600 for r in runs)
    assert not any(r.deployment in ("ingest-inbox", "outbox-flush") for r in runs)
    weekly = [r for r in runs if r.deployment == "lead-watch"]
    assert len(weekly) == 29 and all(r.at.weekday() == 0 and r.at.hour == 9 for r in weekly)
    assert weekly[0].at.date() == date(2024, 1, 1) and weekly[0].period == "截至 2023-12-31 的一周"
    spec = next(s for s in SPECS if s.name == "screening")
    assert period_of(spec, spec.schedules[1], datetime(2024, 5, 6, 9, tzinfo=SHANGHAI)) == \
        "2024 每周进展 截至 2024-05-06"


def test_parameter_forms_carry_titles_descriptions_and_choices():
    for model in (ScreeningParams, AssessmentParams, ReleaseParams, LeadWatchParams, ThresholdWhatIfParams):
        schema = model.model_json_schema()
        for name, prop in schema["properties"].items():
            assert prop.get("title") and (prop.get("description") or name == "rules"), (model.__name__, name)
    screening = ScreeningParams.model_json_schema()
    provinces = screening["$defs"]["ProvinceOption"]["enum"]
    assert len(provinces) == 31 and "52 贵州省" in provinces
    # Modes offered by their Chinese names; a schedule's, the CLI's or an old run's bare value still reads.
    mode = screening["properties"]["mode"]
    assert mode["enum"] == ["启动 launch", "每周进展 progress", "收尾 close_out"] and mode["default"] in mode["enum"]
    assert ScreeningParams(year=2023, mode="收尾 close_out").mode == ScreeningParams(year=2023, mode="close_out").mode
    with pytest.raises(ValueError):
        ScreeningParams(year=2023, mode="收尾")
    # What the UI shows: a year filled in (not blank), dates as date pickers (not a choice of types).
    assert screening["properties"]["year"]["default"] >= 2026
    assert AssessmentParams.model_json_schema()["properties"]["year"]["default"] >= 2025
    for model, field in ((ScreeningParams, "as_of"), (ScreeningParams, "window_start"), (LeadWatchParams, "as_of")):
        prop = model.model_json_schema()["properties"][field]
        assert "anyOf" not in prop and (prop["type"], prop["format"]) == ("string", "date"), (model.__name__, field)
    # Every form's fields, each of one type: no field offers a choice of types ('Property is type None').
    for model in (ScreeningParams, AssessmentParams, ReleaseParams, LeadWatchParams, ThresholdWhatIfParams):
        for field, prop in model.model_json_schema()["properties"].items():
            assert "anyOf" not in prop, (model.__name__, field)
    assert ReleaseParams(as_published=None).as_published is None and ReleaseParams().as_published is None
    assert ScreeningParams(year=2023, as_of=None).as_of == date(2023, 6, 30)  # an empty date is still allowed
    assert isinstance(LeadWatchParams.model_validate({"as_of": None}).as_of, date)  # filled: the day before


def test_deployments_register_with_their_schedules_through_the_api(prefect_harness):
    for deployment in runner_deployments():
        deployment.apply()
    with get_client(sync_client=True) as client:
        registered = {d.name: d for d in client.read_deployments()}
    assert {"防止返贫集中排查", "考核评估", "例行数据发布", "报送文件接收", "通知补发"} <= set(registered)
    screening = registered["防止返贫集中排查"]
    assert sorted((s.schedule.cron, s.schedule.day_or) for s in screening.schedules) == [
        ("0 9 * 5-6 1", True), ("0 9 1 4 *", True), ("0 9 1 7 *", True), ("0 9 2-31 4 1", False)]
    assert all(s.schedule.timezone == TIMEZONE for d in registered.values() for s in d.schedules)
    assert registered["例行数据发布"].parameter_openapi_schema["definitions"]["ReleaseParams"]["properties"]["period"][
        "title"] == "发布期间 / period"


def test_backfill_creates_exactly_the_missing_periods_once(prefect_harness):
    from datetime import datetime as dt

    import sqlalchemy as sa

    from deployments.backfill import backfill
    from tasks.storage import db
    from tasks.storage.engine import build_engine

    engine = build_engine()  # one database: the Prefect API (and its runs) is shared by the session
    db.upgrade(engine)

    for deployment in runner_deployments():
        deployment.apply()
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO releases (period, release_type, version, status, figures, created_at) "
                             "VALUES ('2023Q2', '上半年', 1, 'published', '{}', :now)"), {"now": dt.now()})
    first = backfill(engine, "release", "2023Q1", "2023Q4")
    assert (first.created, first.skipped, first.existing) == (["2023Q1", "2023Q3", "2023Q4"], ["2023Q2"], [])
    second = backfill(engine, "release", "2023Q1", "2023Q4")
    assert (second.created, second.existing) == ([], ["2023Q1", "2023Q3", "2023Q4"])
    with get_client(sync_client=True) as client:
        runs = [r for r in client.read_flow_runs() if r.idempotency_key and r.idempotency_key.startswith(
            "backfill:release:")]
    assert sorted(r.parameters["params"]["period"] for r in runs) == ["2023Q1", "2023Q3", "2023Q4"]
    years = backfill(engine, "assessment", "2022", "2023")
    assert years.created == ["2022", "2023"]
    with pytest.raises(ValueError, match="before"):
        backfill(engine, "release", "2024Q1", "2023Q4")
    with get_client(sync_client=True) as client:  # the session's server is shared: a runner would run them
        for run in client.read_flow_runs(limit=200):
            if run.idempotency_key and run.idempotency_key.startswith("backfill:"):
                client.set_flow_run_state(run.id, Cancelled(), force=True)


def test_prefect_yaml_is_generated_and_deploys_to_a_process_work_pool(prefect_harness):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from prefect.settings import PREFECT_API_URL

    from deployments.definitions import prefect_yaml

    repo = Path(__file__).parents[2]
    assert (repo / "deployments" / "prefect.yaml").read_text("utf-8") == prefect_yaml(), \
        "run `campaigns deployments-yaml`"
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    prefect = [sys.executable, "-m", "prefect", "--no-prompt"]
    for command in (["work-pool", "create", "campaigns", "--type", "process", "--overwrite"],
                    ["deploy", "--all", "--prefect-file", "deployments/prefect.yaml"]):
        done = subprocess.run(prefect + command, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with get_client(sync_client=True) as client:
        deployed = {d.name: d for d in client.read_deployments() if d.work_pool_name == "campaigns"}
    assert set(deployed) == {s.title for s in SPECS}
    assert all(s.schedule.timezone == TIMEZONE for d in deployed.values() for s in d.schedules)


def test_the_forms_year_is_one_with_thresholds_loaded():
    """A one-click run from the UI on a roster of past years (the demo's 2023) must have a threshold: the
    forms' year is at most the latest year whose thresholds are loaded; a schedule still computes its own."""
    forms = {s.name: d for s, d in zip(SPECS, runner_deployments(threshold_year=2023), strict=True)}
    for name, model in (("screening", "ScreeningParams"), ("threshold-what-if", "ThresholdWhatIfParams"),
                        ("assessment", "AssessmentParams")):
        year = forms[name]._parameter_openapi_schema.definitions[model]["properties"]["year"]["default"]
        assert year == 2023, name
    today = {s.name: d for s, d in zip(SPECS, runner_deployments(), strict=True)}
    assert today["screening"]._parameter_openapi_schema.definitions["ScreeningParams"]["properties"]["year"][
        "default"] == ScreeningParams.model_json_schema()["properties"]["year"]["default"]
