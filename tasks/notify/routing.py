"""Where a message goes: the targets of the county's route, else the province's, else the campaign's, else
the default. A target is a Slack channel, or a robot or mailing list declared under [targets] of the
channels file, whose secrets come from the environment or a Prefect Secret block, never from the file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tasks.notify.message import SEVERITIES

KINDS = ("dingtalk", "wecom", "feishu", "email")  # beside Slack, whose channels need no declaration
SECRET_KEYS = ("url", "secret")  # a robot's webhook address carries its token: both are secrets
SECRET_PREFIXES = ("env:", "block:")
LEVELS = ("counties", "provinces", "campaigns")
# Who a message is for, as the digest's title names it.
AUDIENCE_TITLES = {"screening": "集中排查", "assessment": "考核评估", "leadership": "考核评估（领导）",
                   "release": "数据发布", "ingest": "报送文件", "data-quality": "数据质量", "lead-watch": "线索核查",
                   "what-if": "监测范围测算"}
SHANGHAI = ZoneInfo("Asia/Shanghai")
SLOT_FORMAT = "%Y-%m-%d %H:%M"  # in Beijing time: slots compare as text


@dataclass(frozen=True)
class Target:
    name: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)  # url / secret references, `to` of a mailing list


@dataclass(frozen=True)
class DigestRule:
    """Messages routed at these levels wait for one digest a day per target and campaign, sent at `at`
    (Beijing time); those of an `immediate` severity go at once."""

    levels: frozenset[str] = frozenset({"counties"})
    at: time = time(17, 30)
    immediate: frozenset[str] = frozenset({"critical"})
    tz: ZoneInfo = SHANGHAI  # the project's time zone (CAMPAIGNS_TIMEZONE)

    def holds(self, level: str, severity: str) -> bool:
        return level in self.levels and severity not in self.immediate

    def slot(self, now: datetime) -> str:
        """The digest a message stored at `now` joins: the next `at` after it (so at most one a day)."""
        local = now.astimezone(self.tz)
        due = local.replace(hour=self.at.hour, minute=self.at.minute, second=0, microsecond=0)
        if due <= local:
            due += timedelta(days=1)
        return due.strftime(SLOT_FORMAT)


@dataclass(frozen=True)
class Route:
    targets: tuple[str, ...]
    level: str  # counties / provinces / campaigns / default


@dataclass(frozen=True)
class ChannelRouter:
    default: tuple[str, ...]
    campaigns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    provinces: dict[str, tuple[str, ...]] = field(default_factory=dict)
    counties: dict[str, tuple[str, ...]] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    digest: DigestRule = DigestRule()

    @classmethod
    def from_file(cls, path: Path, default: str | None = None, tz: ZoneInfo = SHANGHAI) -> ChannelRouter:
        """Read the routing file; a missing file routes everything to `default`."""
        data: dict = {}
        if path.exists():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"{path}: not valid TOML: {exc}") from exc
        chosen = _targets(default) if default else _targets(data.get("default") or ())
        if not chosen:
            raise ValueError(f"{path}: no `default` channel and none configured")
        targets = {str(name): _target(path, str(name), spec) for name, spec in (data.get("targets") or {}).items()}
        router = cls(chosen, *({str(k): _targets(v) for k, v in data.get(level, {}).items()}
                               for level in ("campaigns", "provinces", "counties")),
                     targets=targets, digest=_digest(path, data.get("digest") or {}, tz))
        for level, routes in (("campaigns", router.campaigns), ("provinces", router.provinces),
                              ("counties", router.counties), ("default", {"": router.default})):
            for key, names in routes.items():
                for name in names:
                    if name not in targets and not is_slack_channel(name):
                        raise ValueError(f"{path}: [{level}] {key} 的目标 {name!r} 既不是 Slack 频道（#名称），"
                                         "也不在 [targets] 中 / is neither a Slack channel nor a declared target")
        return router

    def route(self, campaign: str | None = None, province: str | None = None, county: str | None = None) -> Route:
        if county and county in self.counties:
            return Route(self.counties[county], "counties")
        if province and province in self.provinces:
            return Route(self.provinces[province], "provinces")
        if campaign and campaign in self.campaigns:
            return Route(self.campaigns[campaign], "campaigns")
        return Route(self.default, "default")


def is_slack_channel(name: str) -> bool:
    """A channel by name (#fpjc-…) or by Slack's id (C0123ABCD)."""
    return name.startswith("#") or (name[:1] in "CGD" and name[1:].isalnum() and name[1:].isupper())


def _targets(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


def _target(path: Path, name: str, spec: dict[str, Any]) -> Target:
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{path}: [targets.{name}] kind 应为 {' / '.join(KINDS)} 之一，而不是 {kind!r}")
    for key in SECRET_KEYS:
        value = spec.get(key)
        if value is not None and not str(value).startswith(SECRET_PREFIXES):
            raise ValueError(f"{path}: [targets.{name}] {key} 是密钥，请写成 env:变量名 或 block:Secret块名，"
                             f"不要写在文件里 / secrets come from the environment or a Prefect Secret block")
    if kind == "email" and not spec.get("to"):
        raise ValueError(f"{path}: [targets.{name}] 邮件目标需要收件人 to = [\"…\"]")
    if kind != "email" and not spec.get("url"):
        raise ValueError(f"{path}: [targets.{name}] 机器人需要 url = \"env:…\"（Webhook 地址）")
    return Target(name, kind, {k: v for k, v in spec.items() if k != "kind"})


def _digest(path: Path, spec: dict[str, Any], tz: ZoneInfo) -> DigestRule:
    levels = frozenset(spec.get("levels", ["counties"]))
    if not levels <= set(LEVELS):
        raise ValueError(f"{path}: [digest] levels 只能是 {', '.join(LEVELS)}")
    immediate = frozenset(spec.get("immediate", ["critical"]))
    if not immediate <= set(SEVERITIES):
        raise ValueError(f"{path}: [digest] immediate 只能是 {', '.join(SEVERITIES)}")
    at = spec.get("at", "17:30")
    try:
        at = at if isinstance(at, time) else time.fromisoformat(str(at))  # TOML may give a time itself
    except ValueError as exc:
        raise ValueError(f"{path}: [digest] at 应为 时:分（北京时间），如 \"17:30\"") from exc
    return DigestRule(levels, at, immediate, tz)
