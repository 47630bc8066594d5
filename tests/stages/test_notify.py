"""Notifications through the real slack_sdk client against a local fake Slack API, and the local outbox."""

import json
import time

import pandas as pd
import sqlalchemy as sa
from support.fake_slack import FakeSlack

from tasks.model import metadata
from tasks.notify import build_message, build_notifier
from tasks.notify.outbox import pending_count
from tasks.settings import Settings
from tasks.storage.bulk import insert_frame


def slack_settings(db_url: str, slack: FakeSlack, **extra) -> Settings:
    options = {"slack_timeout_seconds": 2, "slack_max_retries": 2, **extra}
    return Settings(database_url=db_url, slack_bot_token="xoxb-test-token", slack_api_url=slack.url, **options)


def message(key: str, run: str = "run-1", province: str | None = None, title: str = "集中排查 进展"):
    return build_message(key, title, {"农户数": 1200, "新识别对象": 7}, ["核实 3 条超期线索"],
                         "http://prefect.local/runs/flow-run/x", campaign="screening", province=province,
                         campaign_run_id=run)


def test_block_kit_messages_are_threaded_per_run_and_channel(engine, db_url, slack):
    notifier = build_notifier(slack_settings(db_url, slack), engine)
    notifier.notify(message("a"))
    notifier.notify(message("b"))
    notifier.notify(message("c", run="run-2"))

    first, second, other = slack.messages
    assert first["channel"] == "#fpjc-screening"
    assert first["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "集中排查 进展"}}
    assert {"type": "mrkdwn", "text": "*新识别对象*\n7"} in first["blocks"][1]["fields"]
    assert "thread_ts" not in first
    assert second["thread_ts"] == first["ts"]  # same run: a reply under the run's first message
    assert "thread_ts" not in other  # another run starts its own thread


def test_rerun_sends_nothing_twice(engine, db_url, slack):
    notifier = build_notifier(slack_settings(db_url, slack), engine)
    notifier.notify(message("same-key"))
    notifier.notify(message("same-key"))
    assert len(slack.messages) == 1


def test_rate_limit_and_server_errors_are_retried(engine, db_url, slack):
    notifier = build_notifier(slack_settings(db_url, slack), engine)
    slack.fail_next(1, status=429, retry_after=1, error="ratelimited")
    slack.fail_next(1, status=500)
    outcome = notifier.notify(message("retry"))
    assert outcome.delivered.sent == 1
    assert len(slack.messages) == 1 and slack.requests == 3


def test_outage_keeps_messages_pending_then_flush_delivers_each_once(engine, db_url, slack):
    settings = slack_settings(db_url, slack)
    notifier = build_notifier(settings, engine)
    slack.stop()
    notifier.notify(message("m1"))
    notifier.notify(message("m2"))
    notifier.notify(message("m3", province="52"))
    assert pending_count(engine) == 3
    with engine.connect() as conn:
        errors = conn.execute(sa.text("SELECT last_error FROM outbox WHERE last_error IS NOT NULL")).scalars().all()
    assert errors and "unreachable" in errors[0]

    slack.start()
    report = build_notifier(settings, engine).flush()
    assert report.sent == 3 and pending_count(engine) == 0
    assert [m["text"].splitlines()[0] for m in slack.messages] == ["集中排查 进展"] * 3
    assert slack.messages[1]["thread_ts"] == slack.messages[0]["ts"]
    assert build_notifier(settings, engine).flush().sent == 0  # nothing twice


def accepted_late(slack: FakeSlack, notifier, key: str):
    """A message Slack posts only after the client gave up waiting (3 s against the client's 2 s)."""
    slack.hang_seconds = 3
    outcome = notifier.notify(message(key))
    time.sleep(1.5)  # the fake finishes the request the client abandoned
    slack.hang_seconds = 0
    return outcome


def test_a_message_slack_posted_after_the_client_timed_out_is_found_not_posted_again(engine, db_url, slack):
    settings = slack_settings(db_url, slack)  # two client retries allowed: none may repeat a timed-out post
    notifier = build_notifier(settings, engine)
    notifier.notify(message("first"))
    outcome = accepted_late(slack, notifier, "slow-reply")  # a reply in the run's thread
    assert outcome.delivered.failed == 1 and pending_count(engine) == 1
    assert len(slack.messages) == 2  # Slack has it, the outbox does not know

    report = build_notifier(settings, engine).flush()
    assert report.sent == 1 and pending_count(engine) == 0
    assert len(slack.messages) == 2 and slack.lookups == 1  # looked up, found, not posted again
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT slack_ts FROM outbox ORDER BY id")).scalars().all()
    assert stored == [m["ts"] for m in slack.messages]


def test_a_message_not_found_after_a_timeout_is_posted_again(engine, db_url, slack):
    settings = slack_settings(db_url, slack, slack_max_retries=0)
    notifier = build_notifier(settings, engine)
    slack.hang_seconds = 3
    slack.fail_next(1, status=500)  # after hanging, Slack fails the request: nothing was posted
    notifier.notify(message("lost"))
    time.sleep(1.5)
    slack.hang_seconds = 0
    assert slack.messages == [] and pending_count(engine) == 1
    assert build_notifier(settings, engine).flush().sent == 1
    assert len(slack.messages) == 1 and slack.lookups == 1


def test_without_history_access_an_unconfirmed_message_is_posted_again_and_the_log_says_so(
        engine, db_url, slack, caplog):
    settings = slack_settings(db_url, slack)
    slack.history_readable = False  # a bot installed with chat:write only
    accepted_late(slack, build_notifier(settings, engine), "slow")
    assert build_notifier(settings, engine).flush().sent == 1
    assert len(slack.messages) == 2  # at least once: the documented cost of a bot that cannot read back
    assert any("missing_scope" in r.getMessage() and "may repeat it" in r.getMessage() for r in caplog.records)


def test_bad_token_is_reported_once_and_not_retried(engine, db_url, slack, caplog):
    slack.refuse_token()
    notifier = build_notifier(slack_settings(db_url, slack), engine)
    first = notifier.notify(message("x1"))
    second = notifier.notify(message("x2"))
    assert "invalid_auth" in first.delivered.auth_error
    assert second.delivered is None  # backing off: stored, not hammered
    assert slack.requests == 1
    assert sum("invalid_auth" in r.getMessage() for r in caplog.records) == 1
    assert pending_count(engine) == 2


def test_personal_data_is_masked_whatever_the_caller_passed(engine, db_url, slack):
    persons = pd.DataFrame({"person_no": ["P1"], "household_no": ["H1"], "province_code": ["11"],
                            "id_number": ["11010519491231002X"], "name": ["欧阳娜娜"]})
    with engine.begin() as conn:
        insert_frame(conn, metadata.tables["persons"], persons)
    notifier = build_notifier(slack_settings(db_url, slack), engine)
    figures = {"证件号码": "11010519491231002X", "另一个": "440524188001010014"}
    leaky = build_message("leak", "欧阳娜娜 需要核实", figures, ["联系 欧阳娜娜，电话 138-1234-5678"],
                          campaign="screening")
    notifier.notify(leaky)
    sent = json.dumps(slack.messages[0], ensure_ascii=False)
    assert "11010519491231002X" not in sent and "440524188001010014" not in sent and "欧阳娜娜" not in sent
    assert "110105********002X" in sent and "欧***" in sent
    assert "1234-5678" not in sent and "138****5678" in sent  # a phone number quoted in any text
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT text FROM outbox")).scalar_one()
    assert "欧阳娜娜" not in stored and "11010519491231002X" not in stored


def test_a_staff_name_the_message_gives_as_such_is_not_masked(engine, db_url, slack):
    """An approver who shares a household member's name is named in full as the approver; the same name
    anywhere in a message that does not give it as a staff name is still masked."""
    persons = pd.DataFrame({"person_no": ["P1"], "household_no": ["H1"], "province_code": ["11"],
                            "id_number": ["11010519491231002X"], "name": ["王审核"]})
    with engine.begin() as conn:
        insert_frame(conn, metadata.tables["persons"], persons)
    notifier = build_notifier(slack_settings(db_url, slack), engine)
    notifier.notify(build_message("approved", "已发布", {"审核人": "王审核（新闻办）"}, campaign="release",
                                  staff=("王审核",)))
    notifier.notify(build_message("other", "核实 王审核", {}, campaign="release"))
    first, second = (json.dumps(m, ensure_ascii=False) for m in slack.messages)
    assert "王审核（新闻办）" in first and "王审核" not in second and "王**" in second


def test_local_outbox_is_the_default(engine, db_url, tmp_path):
    settings = Settings(database_url=db_url, output_dir=tmp_path / "out")
    notifier = build_notifier(settings, engine)
    notifier.notify(message("local-1"))
    notifier.notify(message("local-2"))
    lines = [json.loads(line) for line in (tmp_path / "out" / "outbox.jsonl").read_text("utf-8").splitlines()]
    assert [line["channel"] for line in lines] == ["#fpjc-screening"] * 2
    assert lines[1]["thread_ts"] == lines[0]["ts"]
    assert pending_count(engine) == 0


def test_incoming_webhook(engine, db_url, slack):
    settings = Settings(database_url=db_url, slack_webhook_url=slack.webhook_url, slack_timeout_seconds=2)
    build_notifier(settings, engine).notify(message("hook"))
    assert slack.messages[0]["blocks"][0]["type"] == "header"


def test_province_routing(engine, db_url, slack, tmp_path):
    routes = tmp_path / "channels.toml"
    routes.write_text('default = "#all"\n[campaigns]\nscreening = "#scr"\n[provinces]\n"52" = "#gz"\n', "utf-8")
    notifier = build_notifier(slack_settings(db_url, slack, slack_channels_file=routes), engine)
    notifier.notify(message("p52", province="52"))
    notifier.notify(message("p53", province="53"))
    notifier.notify(build_message("other", "x", campaign="assessment"))
    assert [m["channel"] for m in slack.messages] == ["#gz", "#scr", "#all"]


def test_cli_flush_delivers_after_an_outage(engine, db_url, slack, monkeypatch):
    from typer.testing import CliRunner

    from deployments.cli import app
    from tasks.settings import get_settings

    monkeypatch.setenv("CAMPAIGNS_SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("CAMPAIGNS_SLACK_API_URL", slack.url)
    monkeypatch.setenv("CAMPAIGNS_SLACK_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("CAMPAIGNS_SLACK_MAX_RETRIES", "0")
    get_settings.cache_clear()
    slack.stop()
    build_notifier().notify(message("cli-1"))
    runner = CliRunner()
    down = runner.invoke(app, ["outbox", "flush"])
    assert down.exit_code == 2 and "1 message(s) stay pending" in down.output
    slack.start()
    up = runner.invoke(app, ["outbox", "flush"])
    assert up.exit_code == 0 and "sent 1; still pending 0" in up.output
    assert len(slack.messages) == 1
