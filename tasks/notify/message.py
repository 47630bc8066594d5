"""A notification as what it says (header, figures, what needs action, the run's link), rendered for each
platform only when it is sent (tasks.notify.render)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SEVERITIES = ("info", "warning", "critical")  # critical: a run or a stage stopped; never waits for a digest


@dataclass
class Message:
    """One notification. `dedupe_key` makes a rerun of the same stage send nothing twice."""

    dedupe_key: str
    title: str
    figures: list[tuple[str, str]]
    actions: list[str]
    link: str | None = None  # the Prefect run (or the report) where the whole story is
    severity: str = "info"
    campaign: str | None = None  # screening / assessment / release / ingest …: routes to a channel
    province: str | None = None  # a province code routes to that province's channel when configured
    county: str | None = None  # a county code routes to that county's channel when configured
    campaign_run_id: str | None = None  # messages of one run (and channel) are threaded together
    run_label: str | None = None  # the run's name: platforms without threads show it on each message
    channel: str | None = None  # explicit channel; else routed
    staff: tuple[str, ...] = ()  # staff names it gives (an approver): not masked even if a household has the name
    # What decides that a message was sent already (with its dedupe key), when not all it says: a finding
    # said once is the same finding in another period's run, whose title and links differ.
    compared: str | None = None

    @property
    def text(self) -> str:
        """The message as plain lines (what a test or a log reads)."""
        return plain_text(self.body)

    @property
    def body(self) -> dict[str, Any]:
        """What the outbox stores; every renderer reads this."""
        return {"title": self.title, "figures": [list(f) for f in self.figures], "actions": list(self.actions),
                "link": self.link, "run": self.run_label, "severity": self.severity}


def content_of(body: Mapping[str, Any]) -> str:
    """What a message says, without its run and link: a rerun's same finding is the same message."""
    return plain_text({**body, "link": None, "run": None})


def plain_text(body: Mapping[str, Any]) -> str:
    """The message as plain lines: notifications' previews, the e-mail's text part, logs, the outbox."""
    lines = [body["title"], *(f"{k}: {v}" for k, v in body.get("figures") or []),
             *(f"- {a}" for a in body.get("actions") or [])]
    if body.get("run"):
        lines.append(f"运行 / run: {body['run']}")
    if body.get("link"):
        lines.append(body["link"])
    return "\n".join(lines)


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
    severity: str = "info",
    run_label: str | None = None,
    compared: str | None = None,
) -> Message:
    """A message with a header, figures, an action list and a link to the Prefect run."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity {severity!r} is not one of {SEVERITIES}")
    return Message(dedupe_key=dedupe_key, title=title,
                   figures=[(str(k), str(v)) for k, v in (figures or {}).items()], actions=[str(a) for a in actions],
                   link=link, severity=severity, campaign=campaign, province=province, county=county,
                   campaign_run_id=campaign_run_id, run_label=run_label, channel=channel,
                   staff=tuple(name for name in staff if name), compared=compared)
