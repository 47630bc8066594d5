"""DingTalk, WeCom and Feishu robots and e-mail, through the project's transports over real HTTP and SMTP
against local fakes (tests/support/fake_robots.py): routing, rendering within each platform's limits, 加签, retries,
an outage then a flush with nothing lost or sent twice, masking, and the counties' daily digests."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from support.fake_robots import SECRET, TOKEN, FakeMailServer, FakeRobots

from tasks.model import metadata
from tasks.notify import build_message, build_notifier
from tasks.notify.digest import compose_due
from tasks.notify.outbox import held_count, pending_count
from tasks.notify.routing import SHANGHAI
from tasks.settings import Settings
from tasks.storage.bulk import insert_frame

LINK = "http://prefect.local/runs/flow-run/r1"


@pytest.fixture
def robots():
    fake = FakeRobots()
    yield fake
    fake.stop()


@pytest.fixture
def mail():
    fake = FakeMailServer()
    yield fake
    fake.stop()


def routes(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "channels.toml"
    path.write_text('default = "#all"\n' + body + """
[targets.dt]
kind = "dingtalk"
url = "env:TEST_DT_URL"
secret = "env:TEST_DT_SECRET"
[targets.wc]
kind = "wecom"
url = "env:TEST_WC_URL"
[targets.fs]
kind = "feishu"
url = "env:TEST_FS_URL"
secret = "env:TEST_FS_SECRET"
[targets.mail]
kind = "email"
to = ["steward@example.gov.cn", "press@example.gov.cn"]
""", "utf-8")
    return path


@pytest.fixture
def settings_for(db_url, tmp_path, robots, mail, monkeypatch):
    monkeypatch.setenv("TEST_DT_URL", robots.url("dingtalk"))
    monkeypatch.setenv("TEST_DT_SECRET", SECRET)
    monkeypatch.setenv("TEST_WC_URL", robots.url("wecom"))
    monkeypatch.setenv("TEST_FS_URL", robots.url("feishu"))
    monkeypatch.setenv("TEST_FS_SECRET", SECRET)

    def make(route_text: str, **extra) -> Settings:
        options = {"smtp_host": "127.0.0.1", "smtp_port": mail.port, "smtp_security": "none",
                   "notify_timeout_seconds": 2, "notify_max_retries": 2, "output_dir": tmp_path / "out", **extra}
        return Settings(database_url=db_url, slack_channels_file=routes(tmp_path, route_text), **options)

    return make


def message(key: str, campaign: str = "screening", run: str = "run-1", severity: str = "warning", **extra):
    return build_message(key, "集中排查 2023 收尾 · 贵州省", {"农户数": 1200, "新识别对象": 7},
                         ["核实 3 条超期线索"], LINK, campaign=campaign, campaign_run_id=run,
                         run_label="集中排查 2023 收尾 2023-06-30", severity=severity, **extra)


def test_each_platform_gets_its_own_format(engine, settings_for, robots, mail, caplog):
    notifier = build_notifier(settings_for('[campaigns]\nscreening = ["dt", "wc", "fs", "mail", "#scr"]\n'), engine)
    with caplog.at_level(logging.DEBUG):
        outcome = notifier.notify(message("all-kinds"))
    assert outcome.delivered.sent == 5 and pending_count(engine) == 0
    assert robots.refusals == []  # signatures, tokens and sizes as the robots want them
    assert "HTTP Request: POST" in caplog.text and TOKEN not in caplog.text  # httpx logs the URLs, masked

    dingtalk = robots.received["dingtalk"][0]
    assert dingtalk["msgtype"] == "markdown"
    assert dingtalk["markdown"]["title"] == "集中排查 2023 收尾 · 贵州省"
    text = dingtalk["markdown"]["text"]
    assert "### 集中排查 2023 收尾 · 贵州省" in text and "- **新识别对象**：7" in text and "**级别**：警告" in text
    assert "运行：集中排查 2023 收尾 2023-06-30" in text and f"[查看运行详情]({LINK})" in text  # no threads

    content = robots.received["wecom"][0]["markdown"]["content"]
    assert "> **农户数**：1200" in content and '<font color="warning">警告</font>' in content

    card = robots.received["feishu"][0]
    assert card["msg_type"] == "interactive" and card["card"]["header"]["template"] == "orange"
    fields = card["card"]["elements"][0]["fields"]
    assert {"is_short": True, "text": {"tag": "lark_md", "content": "**农户数**\n1200"}} in fields
    assert card["card"]["elements"][-1]["actions"][0]["url"] == LINK

    mail_ = mail.mails[0]
    assert mail_["Subject"] == "【警告】集中排查 2023 收尾 · 贵州省"
    assert mail.envelopes[0][1] == ["steward@example.gov.cn", "press@example.gov.cn"]
    plain = mail_.get_body(("plain",)).get_content()
    html = mail_.get_body(("html",)).get_content()
    assert "新识别对象: 7" in plain and LINK in plain
    assert "<th" in html and ">新识别对象</th><td" in html and f'href="{LINK}"' in html


def test_a_runs_mails_form_one_conversation(engine, settings_for, mail):
    notifier = build_notifier(settings_for('[campaigns]\nscreening = "mail"\n'), engine)
    notifier.notify(message("first"))
    notifier.notify(message("second", severity="info"))
    first, second = mail.mails
    assert second["In-Reply-To"] == first["Message-ID"] and second["References"] == first["Message-ID"]


def test_throttling_and_server_errors_are_retried(engine, settings_for, robots):
    notifier = build_notifier(settings_for('[campaigns]\nscreening = ["dt", "wc"]\n', notify_max_retries=3), engine)
    robots.fail_next(1, 429, retry_after=0)
    robots.fail_next(1, 503)
    outcome = notifier.notify(message("retried"))
    assert outcome.delivered.sent == 2 and outcome.delivered.failed == 0
    assert len(robots.received["dingtalk"]) == 1 and len(robots.received["wecom"]) == 1  # each once
    assert robots.requests == 4


def test_a_throttled_robot_is_left_for_the_next_flush_not_hammered(engine, settings_for, robots):
    notifier = build_notifier(settings_for('[campaigns]\nscreening = ["dt", "wc"]\n', notify_max_retries=3), engine)
    robots.fail_next(1, 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
    outcome = notifier.notify(message("throttled"))
    assert outcome.delivered.failed == 1 and robots.requests == 2  # one try for DingTalk; WeCom went on
    assert len(robots.received["wecom"]) == 1 and pending_count(engine) == 1
    assert build_notifier(notifier.transports.settings, engine).flush().sent == 1
    assert len(robots.received["dingtalk"]) == 1


def test_an_outage_loses_nothing_and_sends_nothing_twice(engine, settings_for, robots, mail):
    notifier = build_notifier(settings_for('[campaigns]\nscreening = ["dt", "mail"]\n'), engine)
    robots.stop()  # DingTalk unreachable
    for key in ("o1", "o2", "o3"):
        notifier.notify(message(key, run="run-outage"))
    # The mail went out; DingTalk's three wait, in order.
    assert len(mail.mails) == 3 and pending_count(engine) == 3
    robots.start()
    build_notifier(notifier_settings := notifier.transports.settings, engine).flush()  # a later flush
    build_notifier(notifier_settings, engine).flush()  # and another, with nothing left
    assert pending_count(engine) == 0 and len(robots.received["dingtalk"]) == 3
    assert len(mail.mails) == 3


def test_mail_server_down_then_back(engine, settings_for, mail):
    notifier = build_notifier(settings_for('[campaigns]\nscreening = "mail"\n', notify_max_retries=0), engine)
    mail.stop()
    outcome = notifier.notify(message("m-down"))
    assert outcome.delivered.failed == 1 and pending_count(engine) == 1
    mail.start()
    mail.answer = "451 4.3.0 try again later"  # a greylisting server: retried at once
    assert build_notifier(notifier.transports.settings.model_copy(update={"notify_max_retries": 1}),
                          engine).flush().sent == 1
    assert len(mail.mails) == 1 and pending_count(engine) == 0


def test_a_wrong_signature_or_missing_secret_is_reported_and_kept(engine, settings_for, robots, monkeypatch, caplog):
    monkeypatch.setenv("TEST_DT_SECRET", "SEC-not-the-robots")
    monkeypatch.delenv("TEST_WC_URL")
    notifier = build_notifier(settings_for('[campaigns]\nscreening = ["dt", "wc", "fs"]\n'), engine)
    with caplog.at_level(logging.DEBUG):
        outcome = notifier.notify(message("refused"))
    assert outcome.delivered.sent == 1 and len(robots.received["feishu"]) == 1  # the others are not held up
    assert robots.refusals == ["sign not match"]
    assert pending_count(engine) == 2
    logged = caplog.text
    assert "310000" in logged and "env:TEST_WC_URL" in logged  # each target's problem, once
    assert SECRET not in logged and TOKEN not in logged and "SEC-not-the-robots" not in logged


def test_secrets_are_named_not_written_in_the_file(tmp_path, db_url):
    path = tmp_path / "channels.toml"
    path.write_text('default = "#all"\n[targets.dt]\nkind = "dingtalk"\n'
                    'url = "https://oapi.dingtalk.com/robot/send?access_token=abc"\n', "utf-8")
    with pytest.raises(ValueError, match="env:变量名 或 block:Secret块名"):
        build_notifier(Settings(database_url=db_url, slack_channels_file=path))
    path.write_text('default = "#all"\n[campaigns]\nscreening = "dingding"\n', "utf-8")
    with pytest.raises(ValueError, match="dingding"):
        build_notifier(Settings(database_url=db_url, slack_channels_file=path))


def test_long_messages_are_shortened_whole_within_each_limit(engine, settings_for, robots, mail):
    notifier = build_notifier(settings_for('[campaigns]\nscreening = ["dt", "wc", "fs", "mail"]\n'), engine)
    figures = {f"指标{i:03d}": f"{i * 1000:,}" for i in range(60)}
    actions = [f"第{i:03d}项：请核实贵州省某县超期线索并在系统中更新核实结论" * 3 for i in range(300)]
    notifier.notify(build_message("long", "很长的消息", figures, actions, LINK, campaign="screening",
                                  campaign_run_id="run-long", run_label="集中排查"))
    assert robots.refusals == [] and pending_count(engine) == 0
    content = robots.received["wecom"][0]["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert "消息过长，另有" in content and "未列出，完整内容见运行详情" in content and LINK in content
    # Whole lines only: every action line that is shown is shown in full.
    shown = [line for line in content.splitlines() if line.startswith("· 第")]
    assert shown and all(line == f"· {actions[int(line[3:6])]}" for line in shown)
    dingtalk = robots.received["dingtalk"][0]["markdown"]["text"]
    assert "指标059" in dingtalk and "消息过长" in dingtalk  # all figures kept, actions cut at a whole line
    assert all(f"指标{i:03d}" in str(robots.received["feishu"][0]) for i in range(60))
    assert len(mail.mails[0].get_body(("plain",)).get_content()) > 20_000  # e-mail takes it all


def test_names_and_numbers_are_masked_on_every_platform(engine, settings_for, robots, mail):
    with engine.begin() as conn:
        insert_frame(conn, metadata.tables["persons"], pd.DataFrame({
            "person_no": ["P1"], "household_no": ["H1"], "province_code": ["52"],
            "id_number": ["52010219800101001X"], "name": ["欧阳娜娜"]}))
    notifier = build_notifier(settings_for('[campaigns]\nscreening = ["dt", "wc", "fs", "mail"]\n'), engine)
    notifier.notify(build_message("leaky", "线索：欧阳娜娜 52010219800101001X 13812345678",
                                  {"联系人": "欧阳娜娜"}, ["回访 13812345678"], LINK, campaign="screening"))
    received = str(robots.received) + "".join(m.as_string() for m in mail.mails)
    assert len(robots.received["dingtalk"]) == len(mail.mails) == 1
    for secret in ("欧阳娜娜", "52010219800101001X", "13812345678"):
        assert secret not in received and secret not in mail.mails[0].get_body(("html",)).get_content()
    assert "138****5678" in str(robots.received["wecom"])


def test_a_county_gets_one_digest_a_day_unless_critical(engine, settings_for, robots):
    route = '[campaigns]\ningest = "#stewards"\n[counties]\n"520102" = "dt"\n[digest]\nat = "17:30"\n'
    notifier = build_notifier(settings_for(route), engine)
    for i in range(3):
        outcome = notifier.notify(message(f"county-{i}", campaign="ingest", county="520102", province="52",
                                          run=f"run-{i}"))
        assert outcome.delivered is None
    assert robots.received["dingtalk"] == [] and held_count(engine) == 3
    notifier.notify(message("stopped", campaign="ingest", county="520102", severity="critical"))
    assert len(robots.received["dingtalk"]) == 1  # critical: at once

    with engine.connect() as conn:
        slot = conn.execute(sa.text("SELECT DISTINCT digest_slot FROM outbox WHERE status = 'held'")).scalar_one()
    due = datetime.strptime(slot, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    assert due.strftime("%H:%M") == "17:30" and due - datetime.now(SHANGHAI) <= timedelta(days=1)
    assert compose_due(engine, notifier.router.digest, now=due - timedelta(minutes=1)) == 0  # not yet
    assert compose_due(engine, notifier.router.digest, now=due) == 1
    assert compose_due(engine, notifier.router.digest, now=due + timedelta(hours=1)) == 0  # once
    notifier.flush()
    digest = robots.received["dingtalk"][1]["markdown"]["text"]
    assert "报送文件 每日汇总 · 截至" in digest and "**消息条数**：3" in digest and "**当日消息**" in digest
    assert digest.count("集中排查 2023 收尾 · 贵州省") == 3 and held_count(engine) == 0
    assert len(robots.received["dingtalk"]) == 2 and pending_count(engine) == 0


def test_a_county_digest_keeps_the_link_to_its_workbook_and_each_run(engine, settings_for, robots):
    """A file's message lists its problems first and its workbook of rows set aside last: the digest keeps
    the workbook's link beyond the first to-dos, and each message's run link on its line."""
    from tasks.ingest.report import FileReport, problem_message

    route = '[counties]\n"520102" = "dt"\n[digest]\nat = "17:30"\n'
    notifier = build_notifier(settings_for(route, reports_url="http://127.0.0.1:4201/"), engine)
    workbook = "http://127.0.0.1:4201/%E9%9A%94%E7%A6%BB%E8%A1%8C/520102.xlsx"
    report = FileReport(file="520102_households.xlsx", kind="households", status="loaded", rows_read=40,
                        loaded=34, quarantined=6, county_code="520102", sha256="ab" * 32, set_aside=workbook,
                        reasons={f"rule.{i}": 1 for i in range(6)})
    for n, link in enumerate(("http://127.0.0.1:4200/runs/flow-run/one", "http://127.0.0.1:4200/runs/flow-run/two")):
        notifier.notify(problem_message(replace(report, sha256=f"{n}" * 64), link))
    notifier.flush(digests_now=True)
    digest = robots.received["dingtalk"][0]["markdown"]["text"]
    assert f"[打开]({workbook})" in digest
    assert "[打开](http://127.0.0.1:4200/runs/flow-run/one)" in digest
    assert "[打开](http://127.0.0.1:4200/runs/flow-run/two)" in digest


def test_a_critical_message_after_held_ones_of_its_run_is_not_kept_waiting(engine, settings_for, tmp_path):
    notifier = build_notifier(settings_for('[counties]\n"520102" = "#county"\n'), engine)  # local outbox, threads
    notifier.notify(message("warned", campaign="ingest", county="520102", run="run-t"))
    outcome = notifier.notify(message("stopped", campaign="ingest", county="520102", run="run-t",
                                      severity="critical"))
    assert outcome.delivered.sent == 1 and outcome.delivered.waiting == 0 and held_count(engine) == 1


def test_held_messages_count_as_work_only_when_their_digest_is_due(engine, settings_for):
    notifier = build_notifier(settings_for('[counties]\n"520102" = "dt"\n'), engine)
    notifier.notify(message("held", campaign="ingest", county="520102"))
    assert pending_count(engine) == 0 and held_count(engine) == 1
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE outbox SET digest_slot = '2000-01-01 17:30'"))
    assert pending_count(engine) == 1  # the housekeeping watcher starts a flush for it


def test_a_robot_gets_no_more_than_it_takes_in_a_minute(engine, settings_for, robots):
    notifier = build_notifier(settings_for('[campaigns]\nscreening = "wc"\n'), engine)
    for i in range(25):
        notifier.notify(message(f"burst-{i}", run="run-burst"))
    assert len(robots.received["wecom"]) == 20 and pending_count(engine) == 5  # not refused: waiting
    assert robots.requests == 20 and robots.refusals == []
    # Another process (the watcher's flush run) counts the same minute: the database says what was sent.
    assert build_notifier(notifier.transports.settings, engine).flush().sent == 0
    with engine.begin() as conn:  # a minute later
        conn.execute(sa.text("UPDATE outbox SET sent_at = :t"), {"t": datetime.now() - timedelta(minutes=2)})
    robots.next_minute()
    assert build_notifier(notifier.transports.settings, engine).flush().sent == 5 and pending_count(engine) == 0
    assert len(robots.received["wecom"]) == 25 and robots.requests == 25  # each once


def test_a_message_a_platform_refuses_is_set_aside_and_the_rest_go_on(engine, settings_for, robots, caplog):
    notifier = build_notifier(settings_for('[campaigns]\nscreening = "wc"\n'), engine)
    robots.fail_next(1, 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"})
    with caplog.at_level(logging.ERROR):
        notifier.notify(message("refused-content"))
    notifier.notify(message("next", severity="info"))
    assert len(robots.received["wecom"]) == 1 and pending_count(engine) == 0
    with engine.connect() as conn:
        failed = conn.execute(sa.text("SELECT last_error FROM outbox WHERE status = 'failed'")).scalars().all()
    assert len(failed) == 1 and "40058" in failed[0] and "marked failed" in caplog.text


def test_a_target_removed_from_the_file_does_not_block_slack(engine, settings_for, tmp_path):
    first = build_notifier(settings_for('[counties]\n"520102" = "dt"\n'), engine)
    first.notify(message("held-for-dt", campaign="ingest", county="520102"))
    # The robot is removed from the file; its held message's digest is due.
    without = tmp_path / "without-robots.toml"
    without.write_text('default = "#all"\n[campaigns]\nscreening = "#scr"\n', "utf-8")
    notifier = build_notifier(first.transports.settings.model_copy(update={"slack_channels_file": without}), engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE outbox SET digest_slot = '2000-01-01 17:30'"))
    notifier.flush()
    notifier.notify(message("to-slack"))
    with engine.connect() as conn:
        states = dict(conn.execute(sa.text("SELECT channel, status FROM outbox WHERE status <> 'digested'")).all())
    assert states == {"dt": "failed", "#scr": "sent"}


def test_a_broken_address_never_fails_the_caller(engine, settings_for, monkeypatch):
    monkeypatch.setenv("TEST_WC_URL", "http://exa mple.invalid/\n")
    notifier = build_notifier(settings_for('[campaigns]\nscreening = "wc"\n'), engine)
    outcome = notifier.notify(message("broken"))
    assert outcome.delivered.failed == 1 and pending_count(engine) == 1


def test_data_cannot_make_links_or_headings_in_markdown(engine, settings_for, robots):
    notifier = build_notifier(settings_for('[campaigns]\nscreening = ["dt", "wc", "fs"]\n'), engine)
    notifier.notify(build_message(
        "inject", "文件 x.csv\n### 紧急通知", {"未读取的列": "[系统升级请点此重新登录](http://phish.example/x)"},
        ["隔离行见 http://phish.example/rows", f"报告见 {LINK}/report"], LINK, campaign="screening"))
    for text in (robots.received["dingtalk"][0]["markdown"]["text"], robots.received["wecom"][0]["markdown"]["content"],
                 json.dumps(robots.received["feishu"][0], ensure_ascii=False)):
        assert "](http://phish" not in text and "\n### 紧急" not in text and "\\n### 紧急" not in text
        assert "http://phish.example/rows" in text and f"[打开]({LINK}/report)" in text  # only our own become links


def test_a_long_digest_fits_slack_blocks(engine, settings_for):
    from tasks.notify import render

    body = {"title": "报送文件 每日汇总", "figures": [["消息条数", "300"]], "severity": "warning",
            "actions": [f"{i:03d} " + "报送文件有问题行，请更正后重新报送" * 8 for i in range(300)], "link": LINK}
    _, blocks = render.slack(body)
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section" and "text" in b)
    assert any("消息过长" in e["text"] for b in blocks if b["type"] == "context" for e in b["elements"])


def test_digests_sent_early_leave_the_rest_of_the_day_its_own(engine, settings_for, robots):
    notifier = build_notifier(settings_for('[counties]\n"520102" = "dt"\n'), engine)
    notifier.notify(message("morning", campaign="ingest", county="520102", run="run-a"))
    notifier.flush(digests_now=True)  # a coordinator sends the day's digests early
    notifier.notify(message("afternoon", campaign="ingest", county="520102", run="run-b"))
    with engine.connect() as conn:
        slot = conn.execute(sa.text("SELECT digest_slot FROM outbox WHERE status = 'held'")).scalar_one()
    due = datetime.strptime(slot, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    assert compose_due(engine, notifier.router.digest, now=due) == 1  # the afternoon's, at its time
    notifier.flush()
    assert len(robots.received["dingtalk"]) == 2 and held_count(engine) == 0
