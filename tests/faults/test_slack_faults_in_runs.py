"""Slack misbehaving during whole campaign runs (the real slack_sdk client against the local fake Slack API):
a 429 storm with Retry-After and 500s, a hanging server, a revoked token. Each run completes; once Slack
answers again every message is delivered, each exactly once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.fake_slack import FakeSlack

from flows.screening import concentrated_screening
from tasks.notify import build_notifier
from tasks.reference.provinces import parse_provinces
from tasks.screening.params import ScreeningParams
from tasks.settings import get_settings
from tasks.storage import db
from tasks.storage.engine import build_engine
from tasks.synthetic.seed import seed_database

TOKEN = "xoxb-test-token"


def pending(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")).scalar()


def stored(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT COUNT(*) FROM outbox")).scalar()


@pytest.mark.slow
def test_runs_complete_through_slack_faults_and_every_message_arrives_once(prefect_harness, monkeypatch):
    slack = FakeSlack(token=TOKEN)
    monkeypatch.setenv("CAMPAIGNS_SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("CAMPAIGNS_SLACK_API_URL", slack.url)
    monkeypatch.setenv("CAMPAIGNS_SLACK_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("CAMPAIGNS_SLACK_MAX_RETRIES", "2")
    get_settings.cache_clear()
    engine = build_engine()
    db.upgrade(engine)
    seed_database(engine, 300, parse_provinces("52"), defect_rate=0.03)

    def run(as_of: str) -> dict:  # a new as-of date: a new run, with messages of its own
        return concentrated_screening(ScreeningParams(year=2023, provinces=["52 贵州省"], as_of=as_of))

    try:
        # A 429 storm (Retry-After 1 s) and server errors: the client's retries carry most messages through.
        for _ in range(4):
            slack.fail_next(1, status=429, retry_after=1, error="ratelimited")
            slack.fail_next(1, status=500)
        assert run("2023-06-10")["leads"]["total"] >= 0
        # A server that hangs past the client's timeout: the run does not wait on it.
        slack.hang_seconds = 3
        run("2023-06-20")
        slack.hang_seconds = 0
        # A revoked token: reported, not hammered; the messages wait.
        slack.refuse_token()
        run("2023-06-30")
        assert pending(engine) > 0

        slack.token = TOKEN  # a valid token again
        build_notifier().flush()
        build_notifier().flush()
        assert pending(engine) == 0
        texts = [m["text"] for m in slack.messages]
        assert len(texts) == stored(engine)  # every stored message delivered, none twice
        assert len({m["ts"] for m in slack.messages}) == len(texts)
        with engine.connect() as conn:
            statuses = conn.execute(sa.text("SELECT status FROM campaign_runs WHERE kind = 'screening'")).scalars()
            assert sorted(statuses) == ["completed"] * 3
    finally:
        slack.stop()
