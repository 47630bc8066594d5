"""The period board: each campaign's periods and where they stand, from the runs, the releases, the
Prefect server (a release paused for approval) and the schedules."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.states import Cancelled, Paused

from deployments.board import ARTIFACT_KEY, board, publish
from tasks.runs.record import finish_run, start_run
from tasks.storage import db
from tasks.storage.engine import build_engine


@flow(name="board-test-release")
def placeholder() -> None: ...


def test_the_board_says_where_each_period_stands(prefect_harness):
    engine = build_engine()
    db.upgrade(engine)
    close_out = start_run(engine, "screening", "2023", "close_out:2023-06-30")
    finish_run(engine, close_out, "completed")
    failed = start_run(engine, "assessment", "2023")
    finish_run(engine, failed, "failed", error="stage 'validate households' stopped\nmore")
    q1 = start_run(engine, "release", "2023Q1")
    finish_run(engine, q1, "completed")
    q2 = start_run(engine, "release", "2023Q2")
    finish_run(engine, q2, "rejected")
    with engine.begin() as conn:
        for period, version in (("2023Q1", 1), ("2023Q1", 2), ("2023Q2", 1)):
            conn.execute(sa.text("INSERT INTO releases (period, release_type, version, status, figures, created_at) "
                                 "VALUES (:p, '上半年', :v, 'published', '{}', :now)"),
                         {"p": period, "v": version, "now": datetime.now()})
    # A release waiting for its approver: running in the database, paused on the server.
    with get_client(sync_client=True) as client:
        paused = client.create_flow_run(placeholder, name="release 2023Q3")
        client.set_flow_run_state(paused.id, Paused(), force=True)
    start_run(engine, "release", "2023Q3", flow_run_id=str(paused.id))

    rows = {(r.campaign, r.period): r for r in board(engine)}
    screening = rows[("screening", "2023")]
    assert (screening.state, screening.detail) == ("已完成", "收尾 截至 2023-06-30")
    assert rows[("assessment", "2023")].state == "失败" and "validate households" in rows[("assessment", "2023")].detail
    assert rows[("release", "2023Q1")].state == "已发布 v2"
    assert (rows[("release", "2023Q2")].state, rows[("release", "2023Q2")].detail) == ("已退回", "已发布的 v1 仍有效")
    assert rows[("release", "2023Q3")].state == "待审核"
    planned = [r for r in rows.values() if r.state == "计划中"]
    assert {r.campaign for r in planned} == {"screening", "assessment", "release", "lead-watch", "relocation",
                                                "fund-ledger", "pairings"}
    # Without the server, a run the database calls running reads 运行中.
    assert {(r.campaign, r.period): r for r in board(engine, live=False)}[("release", "2023Q3")].state == "运行中"
    # The command asks the server too, without --publish (it printed 运行中 for a paused release).
    from typer.testing import CliRunner

    from deployments.cli import app

    printed = CliRunner().invoke(app, ["board"])
    assert printed.exit_code == 0 and "例行数据发布 | 2023Q3 | 待审核" in printed.output, printed.output

    with get_client(sync_client=True) as client:  # the session's server is shared: leave nothing paused
        client.set_flow_run_state(paused.id, Cancelled(), force=True)

    digest = publish(list(rows.values()))
    assert publish(list(rows.values()), digest) == digest  # unchanged: not written again
    with get_client(sync_client=True) as client:
        artifact = client.read_latest_artifacts()
    text = next(a.data for a in artifact if a.key == ARTIFACT_KEY)
    assert "| 例行数据发布 | 2023Q1 | 已发布 v2 |" in text and "待审核" in text
