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


def test_a_command_beside_campaigns_serve_links_into_the_folder_it_serves(tmp_path, monkeypatch):
    from tasks.outputs.links import report_link
    from tasks.settings import REPORTS_URL_FILE

    monkeypatch.setenv("CAMPAIGNS_OUTPUT_DIR", str(tmp_path / "out"))
    get_settings.cache_clear()
    workbook = tmp_path / "out" / "隔离行" / "520102.xlsx"
    assert report_link(workbook, get_settings()) == str(workbook)  # nothing serves the folder: its path
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / REPORTS_URL_FILE).write_text("http://127.0.0.1:4201/\n", encoding="utf-8")
    get_settings.cache_clear()
    assert report_link(workbook, get_settings()) == "http://127.0.0.1:4201/%E9%9A%94%E7%A6%BB%E8%A1%8C/520102.xlsx"
    monkeypatch.setenv("CAMPAIGNS_REPORTS_URL", "https://reports.example.org/")  # a setting wins
    get_settings.cache_clear()
    assert get_settings().reports_url == "https://reports.example.org/"
    get_settings.cache_clear()
