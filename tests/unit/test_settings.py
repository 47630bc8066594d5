from pathlib import Path

import pytest
from pydantic import ValidationError

from tasks.settings import Settings, get_settings


def test_defaults_are_embedded(monkeypatch):
    monkeypatch.delenv("CAMPAIGNS_DATABASE_URL")
    monkeypatch.delenv("CAMPAIGNS_OUTPUT_DIR")
    s = Settings()
    assert s.database_url == "sqlite:///var/campaigns.db"
    assert s.output_dir == Path("var/outputs")
    assert s.timezone == "Asia/Shanghai"


def test_environment_prefix_and_dotenv(tmp_path, monkeypatch):
    monkeypatch.delenv("CAMPAIGNS_OUTPUT_DIR")
    (tmp_path / ".env").write_text("CAMPAIGNS_OUTPUT_DIR=/srv/out\nCAMPAIGNS_TIMEZONE=UTC\n", encoding="utf-8")
    monkeypatch.setenv("CAMPAIGNS_TIMEZONE", "Asia/Urumqi")  # the environment wins over .env
    get_settings.cache_clear()
    s = get_settings()
    assert s.output_dir == Path("/srv/out")
    assert s.timezone == "Asia/Urumqi"


def test_unknown_timezone_is_refused(monkeypatch):
    monkeypatch.setenv("CAMPAIGNS_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValidationError, match="Mars/Olympus"):
        Settings()


def test_env_example_documents_every_setting():
    text = (Path(__file__).parents[2] / ".env.example").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"CAMPAIGNS_{name.upper()}=" in text, name


def test_env_example_copied_as_is_gives_the_embedded_defaults(tmp_path, monkeypatch):
    from tasks.notify.notifier import build_transport
    from tasks.notify.transports import LocalOutboxTransport

    monkeypatch.delenv("CAMPAIGNS_DATABASE_URL")
    monkeypatch.delenv("CAMPAIGNS_OUTPUT_DIR")
    (tmp_path / ".env").write_text((Path(__file__).parents[2] / ".env.example").read_text("utf-8"), "utf-8")
    s = Settings()
    assert s.database_url == "sqlite:///var/campaigns.db" and s.slack_bot_token is None
    assert isinstance(build_transport(s), LocalOutboxTransport)
