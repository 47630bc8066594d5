"""Daily digests: what a county's target was told during a day, per campaign, in one message sent at the
digest time (Beijing time) instead of one message per stage. Critical messages never wait (routing)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from tasks.model import OutboxMessage
from tasks.notify.message import SEVERITIES, plain_text
from tasks.notify.outbox import stored_body
from tasks.notify.render import BARE_URL
from tasks.notify.routing import AUDIENCE_TITLES, SLOT_FORMAT, DigestRule

MAX_FIGURES_EACH = 4  # of each message's figures and to-dos; the digest links to the runs for the rest
MAX_ACTIONS_EACH = 4


class ComposedElsewhere(Exception):
    """Another flusher composed (some of) these messages' digest first."""


def compose_due(engine: Engine, rule: DigestRule, now: datetime | None = None, everything: bool = False) -> int:
    """Turn the held messages whose digest is due (`everything`: all held ones, now) into one pending digest
    per target, campaign and slot; return how many were made. Safe to run in several processes at once."""
    made_at = (now or datetime.now(rule.tz)).astimezone(rule.tz)
    due = "9999" if everything else made_at.strftime(SLOT_FORMAT)
    with engine.connect() as conn:
        rows = conn.execute(select(OutboxMessage.__table__).where(
            OutboxMessage.status == "held", OutboxMessage.digest_slot <= due).order_by(OutboxMessage.id)).all()
    groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for row in rows:
        m = row._mapping
        groups[(m["channel"], m["campaign"] or "", m["digest_slot"])].append(m)
    made = 0
    for (channel, campaign, slot), members in groups.items():
        body = digest_body(campaign, min(slot, made_at.strftime(SLOT_FORMAT)), members, rule.tz)
        ids = [m["id"] for m in members]
        try:
            with engine.begin() as conn:
                # Its first message makes the key: a second digest of a slot (sent early, then more came) is
                # another digest; two flushers composing the same one make it once.
                digest_id = conn.execute(OutboxMessage.__table__.insert().values(
                    dedupe_key=f"digest:{ids[0]}:{channel}:{campaign}:{slot}"[:200], channel=channel,
                    text=plain_text(body), body=body, severity=body["severity"], campaign=campaign or None,
                    status="pending", attempts=0, created_at=datetime.now()).returning(OutboxMessage.id)).scalar_one()
                claimed = conn.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids),
                                                                   OutboxMessage.status == "held")
                                       .values(status="digested", digest_id=digest_id)).rowcount
                if claimed != len(ids):  # another flusher took some: let it send them
                    raise ComposedElsewhere  # rolls the digest back
            made += 1
        except (IntegrityError, ComposedElsewhere):
            continue
    return made


def digest_body(campaign: str, until: str, members: list[Any], tz: ZoneInfo) -> dict[str, Any]:
    """One line per message (its time, title, first figures and to-dos): a digest too long for a platform
    then loses whole messages from its end, never half of one."""
    bodies = [stored_body(m) for m in members]
    severity = max((b.get("severity") or "info" for b in bodies), key=SEVERITIES.index)
    warnings = sum(b.get("severity") == "warning" for b in bodies)
    items = []
    for member, body in zip(members, bodies, strict=True):
        figures = "；".join(f"{k}: {v}" for k, v in (body.get("figures") or [])[:MAX_FIGURES_EACH])
        actions = body.get("actions") or []
        # What a county must open (its workbook of rows set aside, a report) is kept beyond the first to-dos.
        kept = actions[:MAX_ACTIONS_EACH] + [a for a in actions[MAX_ACTIONS_EACH:] if BARE_URL.search(a)]
        todo = "；".join(kept)
        when = member["created_at"].astimezone(tz)  # stored in the server's local time
        items.append(f"{when:%m-%d %H:%M} {body['title']}" + (f"（{figures}）" if figures else "")
                     + (f"：{todo}" if todo else "") + (f" {body['link']}" if body.get("link") else ""))
    runs = list(dict.fromkeys(b["run"] for b in bodies if b.get("run")))
    title = f"{AUDIENCE_TITLES.get(campaign, campaign or '通知')} 每日汇总 · 截至 {until}"
    figures = [["消息条数", str(len(bodies))], ["其中警告", str(warnings)]]
    if runs:
        figures.append(["涉及运行", "；".join(runs)])
    hosts = sorted({h for b in bodies for h in b.get("own_hosts") or ()})
    # Each message's own link is on its line: a digest of several runs has no one link to give.
    return {"title": title, "figures": figures, "actions": items, "link": None,
            "run": None, "severity": severity, "actions_title": "当日消息", "own_hosts": hosts}
