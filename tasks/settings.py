"""The one settings object: every setting comes from the environment (prefix CAMPAIGNS_) or `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_VAR_DIR = Path("var")


class Settings(BaseSettings):
    """Runtime configuration; `.env.example` documents every field."""

    model_config = SettingsConfigDict(
        env_prefix="CAMPAIGNS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_VAR_DIR / 'campaigns.db'}",
        description="SQLAlchemy URL of the project's database (SQLite file or postgresql+psycopg://…).",
    )
    output_dir: Path = Field(default=DEFAULT_VAR_DIR / "outputs", description="Where runs write reports.")
    timezone: str = Field(default="Asia/Shanghai", description="Time zone of schedules, periods and stamps.")
    sql_echo: bool = Field(default=False, description="Log every SQL statement (debugging only).")
    db_batch_rows: int = Field(
        default=50_000, ge=1_000, description="Rows per batch on bulk database writes."
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once; tests call `get_settings.cache_clear()` after changing env."""
    return Settings()
