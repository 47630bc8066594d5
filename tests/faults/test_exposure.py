"""What the system shows of itself: secrets never in settings' text, engine URLs or connection errors; the
local Prefect server reachable on the loopback address only, unless told otherwise."""

from __future__ import annotations

import inspect
import socket

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from deployments.cli import app
from tasks.settings import Settings, get_settings
from tasks.storage.engine import build_engine

TOKEN = "xoxb-CANARY-9d41e7"
PASSWORD = "pw-CANARY-51c3"


def test_secrets_do_not_appear_in_settings_urls_or_connection_errors(monkeypatch):
    settings = Settings(slack_bot_token=TOKEN, slack_webhook_url=f"https://hooks.slack.com/services/{TOKEN}",
                        database_url=f"postgresql+psycopg://campaigns:{PASSWORD}@127.0.0.1:9/campaigns")
    shown = [repr(settings), str(settings)]
    engine = build_engine(settings)
    shown += [repr(engine), repr(engine.url), str(engine.url)]
    with pytest.raises(sa.exc.OperationalError) as failed:  # nothing listens on port 9
        engine.connect()
    shown += [str(failed.value), repr(failed.value)]
    monkeypatch.setenv("CAMPAIGNS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CAMPAIGNS_SLACK_BOT_TOKEN", TOKEN)
    get_settings.cache_clear()
    printed = CliRunner().invoke(app, ["settings"])
    assert printed.exit_code == 0 and "campaigns:***@127.0.0.1" in printed.output
    shown.append(printed.output)
    assert not [text for text in shown if TOKEN in text or PASSWORD in text]
    assert settings.slack_bot_token.get_secret_value() == TOKEN  # held, only not shown


def test_local_server_listens_on_the_loopback_address_only(tmp_path):
    from deployments.cli.ops import serve
    from deployments.serve import start_server, stop, wait_healthy

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the outward interface
        outward = probe.getsockname()[0]
    except OSError:
        outward = None
    finally:
        probe.close()
    if not outward or outward.startswith("127."):
        pytest.skip("this machine has no address besides the loopback")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = start_server("127.0.0.1", port, tmp_path / "server.log")
    try:
        wait_healthy(f"http://127.0.0.1:{port}/api", server)
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        with pytest.raises(OSError):
            socket.create_connection((outward, port), timeout=2).close()
    finally:
        stop(server)
