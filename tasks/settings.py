"""The one settings object: every setting comes from the environment (prefix CAMPAIGNS_) or `.env`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_VAR_DIR = Path("var")


class Settings(BaseSettings):
    """Runtime configuration; `.env.example` documents every field."""

    model_config = SettingsConfigDict(
        env_prefix="CAMPAIGNS_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
        env_ignore_empty=True,  # an empty line copied from .env.example means "the default"
    )

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_VAR_DIR / 'campaigns.db'}",
        description="SQLAlchemy URL of the project's database (SQLite file or postgresql+psycopg://…).",
        repr=False,  # it may hold the database password: settings printed or logged must not show it
    )
    output_dir: Path = Field(default=DEFAULT_VAR_DIR / "outputs", description="Where runs write reports.")
    timezone: str = Field(default="Asia/Shanghai", description="Time zone of schedules, periods and stamps.")
    sql_echo: bool = Field(default=False, description="Log every SQL statement (debugging only).")
    db_retry_delays: str = Field(
        default="2,10,30", pattern=r"^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$",
        description="Seconds between retries of a step after a transient database error (a lock, a dropped "
        "connection), comma-separated: one retry per number.")
    sqlite_busy_timeout_seconds: float = Field(
        default=30.0, ge=0, description="How long a SQLite write waits for another writer's lock before the "
        "attempt fails (and is retried with backoff).")
    db_batch_rows: int = Field(
        default=50_000, ge=1_000, description="Rows per batch on bulk database writes."
    )

    # Scale: campaigns work province partition by partition; memory is bounded by the largest partition.
    partition_households: int = Field(
        default=150_000, ge=1, description="Provinces are screened together until a partition holds this "
        "many households; a larger province is a partition of its own."
    )
    part_households: int = Field(
        default=500_000, ge=1, description="The screening cuts a province with more households than this "
        "into parts of about as many (ranges of 户编号), each a partition: memory is bounded by a part."
    )
    count_partition_households: int = Field(
        default=1_000_000, ge=1, description="The same for the assessment and the releases, which hand back "
        "sums, not rows: each partition pays the checks' fixed cost once, so fewer and larger ones are faster."
    )
    workers: int = Field(
        default=0, ge=0, description="Partitions run at once (0: as many as the cores and memory allow)."
    )
    set_aside_parallel_rows: int = Field(
        default=20_000, ge=1, description="From this many rows to write again in the workbooks of rows set aside "
        "(per county and province: those whose rows changed), the workers write them, a share of the provinces "
        "each; below, the flow does."
    )
    dask_address: str = Field(
        default="", description="Dask scheduler (tcp://host:8786): partitions run on that cluster instead."
    )

    # County submissions: files dropped in the inbox are ingested by the sweep, then moved to the archive
    # (loaded) or the rejected folder (refused, with an error report next to them).
    inbox_dir: Path = Field(default=DEFAULT_VAR_DIR / "inbox", description="Folder the ingest sweep reads.")
    archive_dir: Path = Field(
        default=DEFAULT_VAR_DIR / "archive", description="Ingested files, by date, named with their SHA-256."
    )
    rejected_dir: Path = Field(
        default=DEFAULT_VAR_DIR / "rejected", description="Refused files, by date, each with an error report."
    )
    inbox_settle_seconds: int = Field(
        default=30, ge=0, description="Leave inbox files younger than this alone (they may still be copying)."
    )
    housekeeping_seconds: int = Field(
        default=60, ge=5, description="How often `campaigns serve` (or `campaigns housekeeping`) looks for files "
        "in the inbox and pending notifications; it starts an ingest or flush run only when there are some.")
    ingest_max_bytes: int = Field(
        default=200_000_000, ge=1_000, description="Largest file the ingest accepts, in bytes."
    )
    ingest_max_rows: int = Field(
        default=1_000_000, ge=1, description="Rows a submitted file may hold; a larger one is refused.")
    ingest_max_cell_chars: int = Field(
        default=2_000, ge=100, description="Characters a cell of a submitted file may hold; a file with a "
        "longer cell is refused, naming the row and column.")
    ingest_max_unzipped_bytes: int = Field(
        default=1_000_000_000, ge=1_000_000, description="What an XLSX file may unpack to (a small file that "
        "unpacks to gigabytes is a decompression bomb).")

    # Press data releases: a person approves each release in the Prefect UI before it is published.
    release_approval_timeout_seconds: int = Field(
        default=7 * 24 * 3600, ge=1, description="How long a release waits for approval before it expires."
    )
    release_slot_lease_seconds: int = Field(
        default=300, ge=60, le=86_400, description="A release holds its period's slot (one run of a period at a "
        "time) on a lease its process renews; once the process is gone, the period is free again after this.")
    release_min_cell_households: int = Field(
        default=10, ge=1, description="Small-cell suppression: no published figure from fewer households."
    )
    release_protection: float = Field(
        default=0.20, gt=0, le=1,
        description="Complementary suppression: an attacker's interval on a withheld cell must reach this share "
                    "of its value on each side.",
    )
    release_min_change_households: int = Field(
        default=100, ge=1, description="A change on the year is flagged for the approver only in a published "
        "cell from at least this many households (smaller ones swing by chance)."
    )
    release_approvers_file: Path | None = Field(
        default=None, description="The allow-list of release approvers with their approval codes' hashes "
        "(default: the shipped deployments/approvers.toml; `campaigns approvers add`)."
    )
    release_issuer: str = Field(
        default="农业农村部", min_length=1, max_length=60, description="Who signs the press release (the "
        "national administration's duties passed to 农业农村部 in 2023).")
    release_templates_dir: Path | None = Field(
        default=None, description="Folder of the press office's release templates (default: the shipped "
        "tasks/release/templates)."
    )

    def approvers_path(self) -> Path:
        from importlib.resources import files

        return self.release_approvers_file or Path(str(files("deployments") / "approvers.toml"))

    # Notifications: Slack Web API when a bot token is set, else an incoming webhook when its URL is set,
    # else the local outbox (console and a JSON-lines file), so the demo needs no Slack.
    slack_bot_token: SecretStr | None = Field(default=None, description="Slack bot token (xoxb-…).")
    slack_bot_token_block: str | None = Field(
        default=None, description="Name of a Prefect Secret block holding the bot token (instead of the env)."
    )
    slack_api_url: str = Field(default="https://slack.com/api/", description="Slack Web API base URL.")
    slack_webhook_url: SecretStr | None = Field(default=None, description="Slack incoming-webhook URL.")
    slack_default_channel: str = Field(default="#fpjc-coordinators", description="Channel when no route matches.")
    slack_channels_file: Path | None = Field(
        default=None, description="Routing of campaigns and provinces to channels (default: the shipped "
        "deployments/channels.toml)."
    )
    slack_timeout_seconds: int = Field(default=10, ge=1, description="HTTP timeout of one Slack call.")
    slack_max_retries: int = Field(default=3, ge=0, description="Retries for 429, 5xx and connection errors.")
    # DingTalk, WeCom and Feishu robots and e-mail lists are declared as [targets] of the channels file; their
    # secrets are named there (env:… or block:…). The mail server is one for all lists.
    notify_timeout_seconds: int = Field(default=10, ge=1, description="Timeout of one robot or SMTP call.")
    notify_max_retries: int = Field(default=3, ge=0, description="Retries of a robot or SMTP call for 429 / "
                                    "rate limits, 5xx and refused connections.")
    smtp_host: str | None = Field(default=None, description="Mail server for [targets] of kind email.")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Mail server port.")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", description="starttls (port 587), ssl (port 465) or none (a relay on the local network).")
    smtp_user: str | None = Field(default=None, description="Mail server login (none: no login).")
    smtp_password: SecretStr | None = Field(default=None, description="Mail server password.")
    smtp_password_block: str | None = Field(
        default=None, description="Name of a Prefect Secret block holding the mail password (instead of the env).")
    smtp_sender: str = Field(default="防返贫监测 <campaigns@localhost>", description="From address of e-mails.")
    outbox_file: Path | None = Field(
        default=None, description="JSON-lines file of the local outbox (default: OUTPUT_DIR/outbox.jsonl)."
    )
    reports_url: str | None = Field(
        default=None, description="Address where the output folder is served over HTTP (`campaigns serve` serves "
        "it and sets this): messages and the UI link reports, workbooks and Data Docs there, not to server paths."
    )
    prefect_ui_url: str | None = Field(
        default=None, description="Base URL of the Prefect UI for links in messages (default: Prefect's setting)."
    )
    prefect_startup_timeout_seconds: int = Field(
        default=300, ge=20, description="How long a command may wait for the temporary Prefect API it starts "
        "when no PREFECT_API_URL is set. Its first start on a new PREFECT_HOME migrates Prefect's own database "
        "(8-17 s on two idle cores, over a minute on busy ones): Prefect's own limit of 20 s failed first runs.")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)") from exc
        return value

    @property
    def retry_delays(self) -> tuple[float, ...]:
        return tuple(float(d) for d in self.db_retry_delays.split(","))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def outbox_path(self) -> Path:
        return self.outbox_file or self.output_dir / "outbox.jsonl"

    def prefect_environment(self) -> dict[str, str]:
        """Prefect's own settings that follow from ours. They must be in the environment before Prefect is
        imported (it reads its settings once) and reach the worker processes a flow spawns, which inherit it."""
        return {
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(self.prefect_startup_timeout_seconds),
            # An offline network: analytics only log connection errors.
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
        }


def apply_prefect_environment(settings: Settings) -> None:
    """Set Prefect's settings that follow from ours, unless the environment sets them itself (then it knows)."""
    for name, value in settings.prefect_environment().items():
        os.environ.setdefault(name, value)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once; tests call `get_settings.cache_clear()` after changing env. A
    command run beside `campaigns serve` links into the output folder that server serves (REPORTS_URL_FILE)."""
    settings = Settings()
    if settings.reports_url is None:
        served = settings.output_dir / REPORTS_URL_FILE
        if served.is_file():
            settings = settings.model_copy(update={"reports_url": served.read_text("utf-8").strip() or None})
    return settings


# Written by `campaigns serve` into the output folder it serves, removed when it stops.
REPORTS_URL_FILE = ".reports-url"
