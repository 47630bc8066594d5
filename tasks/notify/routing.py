"""Which channel a message goes to: the county's, else the province's, else the campaign's, else the default."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ChannelRouter:
    default: str
    campaigns: dict[str, str] = field(default_factory=dict)
    provinces: dict[str, str] = field(default_factory=dict)
    counties: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path, default: str | None = None) -> ChannelRouter:
        """Read the routing file; a missing file routes everything to `default`."""
        data: dict = {}
        if path.exists():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"{path}: not valid TOML: {exc}") from exc
        chosen = default or data.get("default")
        if not chosen:
            raise ValueError(f"{path}: no `default` channel and none configured")
        return cls(chosen, *({str(k): str(v) for k, v in data.get(t, {}).items()}
                             for t in ("campaigns", "provinces", "counties")))

    def route(self, campaign: str | None = None, province: str | None = None, county: str | None = None) -> str:
        if county and county in self.counties:
            return self.counties[county]
        if province and province in self.provinces:
            return self.provinces[province]
        if campaign and campaign in self.campaigns:
            return self.campaigns[campaign]
        return self.default
