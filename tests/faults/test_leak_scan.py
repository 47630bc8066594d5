"""The whole demo (seed with defects, screening, assessment, release), then a lead watch, with Slack, the
DingTalk, WeCom and Feishu robots and the mail server down for the whole run, then back: the runs complete,
every message waits (a county's for its digest) and is then delivered once. Afterwards a scan of every file
written, every log line, every Prefect artifact and log, the outbox, the audit trail and what the fake Slack,
the fake robots and the mail server received finds no valid ID number, no full name and no phone number of
the roster (persons, and the people leads are about), not the Slack token nor the robots' token and signing
secret set for the run, and, on PostgreSQL, not the database password."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import ahocorasick
import pandas as pd
import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from support.fake_robots import SECRET as ROBOT_SECRET
from support.fake_robots import TOKEN as ROBOT_TOKEN
from support.fake_robots import FakeMailServer, FakeRobots
from support.fake_slack import FakeSlack
from support.ingest_files import LEAD_HEADER_ZH, lead_rows, valid_id, write_csv

from flows.lead_watch import lead_watch
from flows.screening import concentrated_screening
from tasks.ingest.load import ingest_file
from tasks.lead_watch.params import LeadWatchParams
from tasks.notify import build_notifier
from tasks.notify.digest import compose_due
from tasks.notify.routing import SHANGHAI
from tasks.privacy import is_valid_id_number
from tasks.screening.params import ScreeningParams
from tasks.settings import get_settings
from tasks.storage.engine import build_engine

TOKEN = "xoxb-CANARY-3f9a1c7e5b2d"
# Slack channels as shipped, and beside them every other kind of target.
ROUTES = """default = "#fpjc-coordinators"
[campaigns]
screening = ["#fpjc-screening", "fs"]
assessment = ["#fpjc-assessment", "fs"]
leadership = ["#fpjc-leadership", "wc"]
release = ["#fpjc-press-office", "mail"]
ingest = ["#fpjc-data-stewards", "dt"]
data-quality = ["#fpjc-data-stewards", "mail"]
lead-watch = ["#fpjc-leads", "wc"]
[targets.dt]
kind = "dingtalk"
url = "env:LEAK_DT_URL"
secret = "env:LEAK_DT_SECRET"
[targets.wc]
kind = "wecom"
url = "env:LEAK_WC_URL"
[targets.fs]
kind = "feishu"
url = "env:LEAK_FS_URL"
secret = "env:LEAK_FS_SECRET"
[targets.mail]
kind = "email"
to = ["press@example.gov.cn"]
"""
PASSWORD = "pw-CANARY-7e21b9"
SKIP_SUFFIXES = (".db", ".db-wal", ".db-shm")  # the database itself holds the data, as it must


def file_texts(root: Path) -> dict[str, str]:
    """Every file under `root` as text (XLSX cells included), keyed by path."""
    from openpyxl import load_workbook

    texts = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(SKIP_SUFFIXES)):
        if path.suffix == ".xlsx":
            book = load_workbook(path, read_only=True)
            texts[str(path)] = "\n".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True)
                                         for c in row if c is not None)
            book.close()
        else:
            texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    return texts


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request, monkeypatch) -> Iterator[str]:
    """The run's database: the test's SQLite file, or a PostgreSQL database owned by a role whose password is
    a canary (the scan looks for it too)."""
    if request.param == "sqlite":
        yield request.param
        return
    server = request.getfixturevalue("pg_server")
    name, role = f"leak_{uuid.uuid4().hex[:10]}", f"canary_{uuid.uuid4().hex[:6]}"
    url = sa.make_url(server.create_database(name))
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'"))
        conn.execute(sa.text(f"ALTER DATABASE {name} OWNER TO {role}"))
        conn.execute(sa.text(f"ALTER SCHEMA public OWNER TO {role}"))
    monkeypatch.setenv("CAMPAIGNS_DATABASE_URL",
                       url.set(username=role, password=PASSWORD).render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield request.param
    server.drop_database(name)
    with sa.create_engine(url.set(database="postgres"), poolclass=sa.pool.NullPool,
                          isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(sa.text(f"DROP ROLE {role}"))


@pytest.mark.slow
def test_demo_with_slack_down_completes_delivers_once_after_recovery_and_leaks_nothing(
        prefect_harness, database, tmp_path, tmp_path_factory, monkeypatch, caplog):
    from flows.demo import demo_flow

    caplog.set_level(logging.DEBUG)
    assert (PASSWORD in get_settings().database_url) == (database == "postgres")
    slack, robots, mail = FakeSlack(token=TOKEN), FakeRobots(), FakeMailServer()
    for fake in (slack, robots, mail):
        fake.stop()  # down for the whole run: connections refused
    routes = tmp_path_factory.mktemp("routes") / "channels.toml"
    routes.write_text(ROUTES, "utf-8")
    for kind, name in (("dingtalk", "DT"), ("wecom", "WC"), ("feishu", "FS")):
        monkeypatch.setenv(f"LEAK_{name}_URL", robots.url(kind))
        monkeypatch.setenv(f"LEAK_{name}_SECRET", ROBOT_SECRET)
    for key, value in {"SLACK_CHANNELS_FILE": str(routes), "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mail.port),
                       "SMTP_SECURITY": "none", "NOTIFY_TIMEOUT_SECONDS": "2", "NOTIFY_MAX_RETRIES": "1"}.items():
        monkeypatch.setenv(f"CAMPAIGNS_{key}", value)
    monkeypatch.setenv("CAMPAIGNS_SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("CAMPAIGNS_SLACK_API_URL", slack.url)
    monkeypatch.setenv("CAMPAIGNS_SLACK_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("CAMPAIGNS_SLACK_MAX_RETRIES", "1")
    get_settings.cache_clear()
    try:
        result = demo_flow(households=400, defect_rate=0.03)
        assert result["release"]["status"] in ("published", "unchanged")
        engine = build_engine()
        # Leads about people not in the roster, sent in by a county, then a progress screening: its list of
        # unmatched leads is the one list that carries names, so the scan has names to catch if unmasked.
        county = pd.read_sql(sa.text("SELECT county_code FROM households LIMIT 1"), engine)["county_code"][0]
        rows = lead_rows(county, 3, start=970)
        for i, row in enumerate(rows):
            row[3], row[4] = valid_id(county, birth="19610101", seq=970 + i), ["欧阳漏名", "司马未录", "诸葛外来"][i]
        sent = tmp_path_factory.mktemp("county") / "leads.csv"  # the county's file is input, not output
        routes.write_text(ROUTES + f'[counties]\n"{county}" = "dt"\n', "utf-8")  # its messages wait for a digest
        get_settings.cache_clear()
        report = ingest_file(engine, write_csv(sent, LEAD_HEADER_ZH, rows),
                             output_dir=tmp_path / "outputs", today=date(2023, 6, 1))
        assert report.status == "loaded" and report.loaded == 3
        progress = concentrated_screening(ScreeningParams(year=2023, as_of=date(2023, 6, 30)))
        assert progress["leads"]["unmatched"] >= 3
        assert lead_watch(LeadWatchParams(as_of=date(2023, 6, 30)))["overdue"] >= 3  # those leads, still pending
        with engine.connect() as conn:
            waiting = conn.execute(sa.text("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")).scalar()
            held = conn.execute(sa.text("SELECT COUNT(*) FROM outbox WHERE status = 'held'")).scalar()
        assert waiting > 5 and held >= 1 and slack.messages == []

        for fake in (slack, robots, mail):
            fake.start()  # back, on the same address
        compose_due(engine, build_notifier().router.digest, now=datetime.now(SHANGHAI) + timedelta(days=1))
        build_notifier().flush()
        assert build_notifier().flush().sent == 0  # nothing left to send
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND status <> 'digested'"
                                        )).scalar() == 0
            sent = dict(conn.execute(sa.text("SELECT CASE WHEN channel LIKE '#%' THEN 'slack' ELSE channel END, "
                                             "COUNT(*) FROM outbox WHERE status = 'sent' GROUP BY 1")).all())
        received = {"slack": len(slack.messages), "dt": len(robots.received["dingtalk"]),
                    "wc": len(robots.received["wecom"]), "fs": len(robots.received["feishu"]), "mail": len(mail.mails)}
        assert received == sent and all(received.values())  # each target got each of its messages, once
        assert len({m["ts"] for m in slack.messages}) == len(slack.messages) and robots.refusals == []

        with engine.connect() as conn:
            # Everyone the roster names: members, and the people problem leads are about.
            ids = set(conn.execute(sa.text("SELECT id_number FROM persons WHERE id_number IS NOT NULL UNION "
                                           "SELECT id_number FROM leads WHERE id_number IS NOT NULL")).scalars())
            names = set(conn.execute(sa.text("SELECT name FROM persons WHERE name IS NOT NULL UNION "
                                             "SELECT name FROM leads WHERE name IS NOT NULL")).scalars())
            phones = set(conn.execute(sa.text("SELECT phone FROM households WHERE phone IS NOT NULL UNION "
                                              "SELECT phone FROM leads WHERE phone IS NOT NULL")).scalars())
            outbox = conn.execute(sa.text("SELECT text, body, last_error FROM outbox")).all()
            audit = conn.execute(sa.text("SELECT actor, subject, parameters, detail FROM audit_events")).all()
        ids = {i for i in ids if is_valid_id_number(i)}  # a defect injected as an invalid number is not one
        with get_client(sync_client=True) as client:
            artifacts = [str(a.data) + str(a.description) for a in client.read_artifacts()]
            prefect_logs = [log.message for log in client.read_logs()]
        places = {
            **file_texts(tmp_path),
            "log records": caplog.text,
            "Prefect artifacts": "\n".join(artifacts),
            "Prefect logs": "\n".join(prefect_logs),
            "outbox": "\n".join(f"{t}\n{b}\n{e}" for t, b, e in outbox),
            "fake Slack": json.dumps(slack.messages, ensure_ascii=False),
            "fake robots": json.dumps(robots.received, ensure_ascii=False),
            "mail server": "\n".join(m.as_string() + m.get_body(("html",)).get_content() for m in mail.mails),
            "audit trail": "\n".join(str(tuple(row)) for row in audit),
        }
        assert len(ids) > 1000 and len(names) > 500
        assert any("screening.xlsx" in p for p in places) and any(p.endswith("release.md") for p in places)
        # Place names are published on purpose; a two-character name such as 金平 is also part of 金平苗族瑶族
        # 傣族自治县, so the counties' and provinces' names are taken out of the texts before names are sought.
        with engine.connect() as conn:
            places_named = sorted(conn.execute(sa.text("SELECT name FROM counties UNION SELECT name FROM "
                                                       "provinces")).scalars(), key=len, reverse=True)
        place_names = re.compile("|".join(map(re.escape, places_named)))
        places = {place: place_names.sub("〔地名〕", text) for place, text in places.items()}
        # Every needle sought in every text in one pass (Aho-Corasick): a search per needle and text took
        # most of the test's time, over the bundled fonts and scripts of the Data Docs too.
        needles = {**{i: i for i in ids}, **{n: n for n in names}, **{f: f for f in phones if len(f) >= 11},
                   TOKEN: "<the Slack token>", ROBOT_TOKEN: "<a robot's token or secret>",
                   ROBOT_SECRET: "<a robot's token or secret>", PASSWORD: "<the database password>"}
        seek = ahocorasick.Automaton()
        for needle, shown in needles.items():
            seek.add_word(needle, shown)
        seek.make_automaton()
        leaks = {place: sorted({shown for _, shown in seek.iter(text)})[:5] for place, text in places.items()}
        assert {place: found for place, found in leaks.items() if found} == {}
    finally:
        for fake in (slack, robots, mail):
            fake.stop()
