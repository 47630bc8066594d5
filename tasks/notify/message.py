"""Notification messages as Block Kit: a header, key figures as fields, what needs action, a link."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_FIELDS = 10  # Slack's limit per section
MAX_HEADER = 150


@dataclass
class Message:
    """One notification. `dedupe_key` makes a rerun of the same stage send nothing twice."""

    dedupe_key: str
    text: str  # fallback text: notifications, screen readers, the local outbox
    blocks: list[dict[str, Any]] = field(default_factory=list)
    campaign: str | None = None  # screening / assessment / release / ingest: routes to a channel
    province: str | None = None  # a province code routes to that province's channel when configured
    county: str | None = None  # a county code routes to that county's channel when configured
    campaign_run_id: str | None = None  # messages of one run (and channel) are threaded together
    channel: str | None = None  # explicit channel; else routed
    content: str | None = None  # what the message says, without its run link: a rerun's same finding is the same
    staff: tuple[str, ...] = ()  # staff names it gives (an approver): not masked even if a household has the name


def build_message(
    dedupe_key: str,
    title: str,
    figures: Mapping[str, object] | None = None,
    actions: Sequence[str] = (),
    link: str | None = None,
    *,
    campaign: str | None = None,
    province: str | None = None,
    campaign_run_id: str | None = None,
    channel: str | None = None,
    county: str | None = None,
    staff: tuple[str, ...] = (),
) -> Message:
    """A message with a header, up to ten figures, an action list and a link to the Prefect run."""
    figures = dict(figures or {})
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title[:MAX_HEADER]}}]
    items = list(figures.items())
    for start in range(0, len(items), MAX_FIELDS):
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{label}*\n{value}"} for label, value in items[start:start + MAX_FIELDS]
        ]})
    if actions:
        blocks.append({"type": "section", "text": {
            "type": "mrkdwn", "text": "*需要处理 / Action needed*\n" + "\n".join(f"• {a}" for a in actions)}})
    if link:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"<{link}|Prefect 运行详情 / flow run>"}]})
    lines = [title] + [f"{k}: {v}" for k, v in figures.items()] + [f"- {a}" for a in actions]
    content = "\n".join(lines)
    if link:
        lines.append(link)
    return Message(dedupe_key=dedupe_key, text="\n".join(lines), blocks=blocks, campaign=campaign,
                   province=province, county=county, campaign_run_id=campaign_run_id, channel=channel,
                   content=content, staff=tuple(name for name in staff if name))
