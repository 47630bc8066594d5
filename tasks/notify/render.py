"""Each platform gets a message in its own format: Slack Block Kit, DingTalk and WeCom markdown, a Feishu
interactive card, an e-mail with an HTML and a plain-text part. A message over a platform's size limit
loses whole figures and actions from its end (never half a table row) and says how many, with the link."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from tasks.notify.message import plain_text

SLACK_FIELDS = 10  # Slack's limits: fields per section, characters of a header, a field, a section; blocks
SLACK_HEADER = 150
SLACK_FIELD = 2000
SLACK_SECTION = 3000
SLACK_BLOCKS = 50
# Limits of each platform's request, in UTF-8 bytes, with room left for the envelope: DingTalk and Feishu
# refuse a request body over 20 KB; WeCom a markdown content over 4,096 bytes; mail servers commonly take
# 10 MB, but nobody reads an alert that long.
LIMITS = {"slack": 35_000, "dingtalk": 18_000, "wecom": 4_000, "feishu": 18_000, "email": 200_000}
SEVERITY_LABELS = {"info": "通知", "warning": "警告", "critical": "严重"}
COLOURS = {"info": "#1f6feb", "warning": "#d29922", "critical": "#cf222e"}
FEISHU_TEMPLATES = {"info": "blue", "warning": "orange", "critical": "red"}
WECOM_COLOURS = {"info": "info", "warning": "warning", "critical": "warning"}
LINK_TEXT = "查看运行详情"
BARE_URL = re.compile(r"https?://[^\s<>()（）]+")
MARKDOWN_NEUTRAL = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "`": "'"})


def fitted(body: Mapping[str, Any], render: Callable[[Mapping[str, Any]], Any], size: Callable[[Any], int],
           limit: int) -> Any:
    """`render(body)` if it fits in `limit`; else the largest rendering that keeps the first figures and
    actions whole and says what it left out and where to read it."""
    figures, actions = list(body.get("figures") or []), list(body.get("actions") or [])
    rendered = render(body)
    if size(rendered) <= limit:
        return rendered
    # Drop actions from the end first (the figures are the message), then figures.
    for keep_figures in range(len(figures), -1, -1):
        for keep_actions in range(len(actions) if keep_figures == len(figures) else 0, -1, -1):
            shorter = shortened(body, keep_figures, keep_actions)
            rendered = render(shorter)
            if size(rendered) <= limit:
                return rendered
    return render({**shortened(body, 0, 0), "title": body["title"][:200]})


def shortened(body: Mapping[str, Any], keep_figures: int, keep_actions: int) -> dict[str, Any]:
    figures, actions = list(body.get("figures") or []), list(body.get("actions") or [])
    left_out = []
    if len(figures) > keep_figures:
        left_out.append(f"{len(figures) - keep_figures} 项数字")
    if len(actions) > keep_actions:
        left_out.append(f"{len(actions) - keep_actions} 项待办")
    note = f"消息过长，另有{'、'.join(left_out)}未列出，完整内容见运行详情" if left_out else None
    return {**body, "figures": figures[:keep_figures], "actions": actions[:keep_actions], "note": note}


def linked(text: str, link: Callable[[str, str], str], body: Mapping[str, Any]) -> str:
    """Our own addresses in a text (a report, the rows set aside: hosts in `own_hosts`) as links named 打开: a
    percent-encoded path is unreadable, and not every client makes a bare address clickable. Any other
    address (one a county file carried) stays as it is written, never behind a harmless-looking name."""
    hosts = set(body.get("own_hosts") or ())
    return BARE_URL.sub(lambda m: link("打开", m.group(0)) if urlsplit(m.group(0)).netloc in hosts else m.group(0),
                        text)


def flat(value: object) -> str:
    """A value from the data as plain text inside markdown: one line, and no brackets or angle brackets that
    would make a link, a tag or a heading of it (a column header of a county's file is data too)."""
    return " ".join(str(value).split()).translate(MARKDOWN_NEUTRAL)


def _markdown_link(text: str, url: str) -> str:
    return f"[{text}]({url})"


# --- Slack ---------------------------------------------------------------------------------------------------
def slack(body: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """Fallback text and Block Kit blocks: a header, figures as fields, what needs action, the link."""
    return fitted(body, _slack, _slack_size, LIMITS["slack"])


def _slack_size(rendered: tuple[str, list[dict[str, Any]]]) -> int:
    return len(json.dumps(rendered, ensure_ascii=False)) if len(rendered[1]) <= SLACK_BLOCKS else 10**9


def _slack(body: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text",
                                                                 "text": body["title"][:SLACK_HEADER]}}]
    items = list(body.get("figures") or [])
    for start in range(0, len(items), SLACK_FIELDS):
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": _cut(f"*{_mrkdwn(label)}*\n{_mrkdwn(value)}", SLACK_FIELD)}
            for label, value in items[start:start + SLACK_FIELDS]]})
    if body.get("actions"):
        lines = [f"*{body.get('actions_title') or '需要处理 / Action needed'}*"]
        lines += [_cut(f"• {linked(_mrkdwn(a), _slack_link, body)}", SLACK_SECTION) for a in body["actions"]]
        section: list[str] = []
        for line in lines:  # sections of whole lines, each within Slack's limit
            if section and len("\n".join([*section, line])) > SLACK_SECTION:
                blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(section)}})
                section = []
            section.append(line)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(section)}})
    if body.get("note"):
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": body["note"]}]})
    if body.get("link"):
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"<{body['link']}|Prefect 运行详情 / flow run>"}]})
    return plain_text(body), blocks


def _cut(text: str, limit: int) -> str:
    """One value longer than a block may hold (a pasted paragraph): cut, and say so."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _mrkdwn(text: object) -> str:
    """Slack reads &, < and > in mrkdwn as markup: a figure such as "<10 户" must be escaped."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(text: str, url: str) -> str:
    return f"<{url}|{text}>"


# --- DingTalk and WeCom markdown -------------------------------------------------------------------------------
def dingtalk(body: Mapping[str, Any]) -> dict[str, Any]:
    """A DingTalk robot's markdown message (its markdown has no tables: figures are list items)."""
    return fitted(body, _dingtalk, _json_size, LIMITS["dingtalk"])


def _dingtalk(body: Mapping[str, Any]) -> dict[str, Any]:
    severity = body.get("severity") or "info"
    title = flat(body["title"])
    parts = [f"### {title}"] + ([f"**级别**：{SEVERITY_LABELS[severity]}"] if severity != "info" else [])
    parts += [f"- **{flat(k)}**：{flat(v)}" for k, v in body.get("figures") or []]
    if body.get("actions"):
        parts += [f"**{_actions_title(body)}**", *(f"- {_action(a, body)}" for a in body["actions"])]
    parts += _footer(body, _markdown_link)
    # DingTalk needs an empty line for a line break outside lists.
    return {"msgtype": "markdown", "markdown": {"title": title[:60], "text": "\n\n".join(parts)}}


def wecom(body: Mapping[str, Any]) -> dict[str, Any]:
    """A WeCom group robot's markdown message: the content itself may not pass 4,096 bytes."""
    return fitted(body, _wecom, lambda r: len(r["markdown"]["content"].encode("utf-8")), LIMITS["wecom"])


def _wecom(body: Mapping[str, Any]) -> dict[str, Any]:
    severity = body.get("severity") or "info"
    parts = [f"### {flat(body['title'])}"]
    if severity != "info":
        parts.append(f"级别：<font color=\"{WECOM_COLOURS[severity]}\">{SEVERITY_LABELS[severity]}</font>")
    parts += [f"> **{flat(k)}**：{flat(v)}" for k, v in body.get("figures") or []]
    if body.get("actions"):  # WeCom's markdown has no lists: a dash would show as a dash
        parts += [f"**{_actions_title(body)}**", *(f"· {_action(a, body)}" for a in body["actions"])]
    parts += _footer(body, _markdown_link)
    return {"msgtype": "markdown", "markdown": {"content": "\n".join(parts)}}


def _action(text: str, body: Mapping[str, Any]) -> str:
    return linked(flat(text), _markdown_link, body)


def _actions_title(body: Mapping[str, Any]) -> str:
    return body.get("actions_title") or "需要处理"


def _footer(body: Mapping[str, Any], link: Callable[[str, str], str]) -> list[str]:
    """Without threads, each message names its run and links to it, so a run's messages read as one."""
    footer = [body["note"]] if body.get("note") else []
    if body.get("run"):
        footer.append(f"运行：{flat(body['run'])}")
    if body.get("link"):
        footer.append(link(LINK_TEXT, body["link"]))
    return footer


# --- Feishu ----------------------------------------------------------------------------------------------------
def feishu(body: Mapping[str, Any]) -> dict[str, Any]:
    """A Feishu (Lark) custom robot's interactive card: coloured header, figures in two columns, a button."""
    return fitted(body, _feishu, _json_size, LIMITS["feishu"])


def _feishu(body: Mapping[str, Any]) -> dict[str, Any]:
    severity = body.get("severity") or "info"
    elements: list[dict[str, Any]] = []
    if body.get("figures"):
        elements.append({"tag": "div", "fields": [
            {"is_short": True, "text": {"tag": "lark_md", "content": f"**{flat(k)}**\n{flat(v)}"}}
            for k, v in body["figures"]]})
    if body.get("actions"):
        lines = "\n".join(f"• {_action(a, body)}" for a in body["actions"])  # lark_md has no lists
        elements.append({"tag": "div", "text": {"tag": "lark_md", "content": f"**{_actions_title(body)}**\n{lines}"}})
    notes = _footer({**body, "link": None}, lambda text, url: url)
    if notes:
        elements.append({"tag": "note", "elements": [{"tag": "plain_text", "content": n} for n in notes]})
    if body.get("link"):
        elements.append({"tag": "action", "actions": [{"tag": "button", "type": "primary", "url": body["link"],
                                                       "text": {"tag": "plain_text", "content": LINK_TEXT}}]})
    return {"msg_type": "interactive", "card": {
        "config": {"wide_screen_mode": True},
        "header": {"template": FEISHU_TEMPLATES[severity],
                   "title": {"tag": "plain_text", "content": flat(body["title"])}},
        "elements": elements}}


# --- e-mail ----------------------------------------------------------------------------------------------------
_HTML = Environment(loader=PackageLoader("tasks.notify"), autoescape=True)


def email(body: Mapping[str, Any]) -> tuple[str, str, str]:
    """Subject, plain text and HTML of an e-mail."""
    return fitted(body, _email, lambda r: len(r[1].encode("utf-8")) + len(r[2].encode("utf-8")), LIMITS["email"])


def _email(body: Mapping[str, Any]) -> tuple[str, str, str]:
    severity = body.get("severity") or "info"
    subject = " ".join(f"【{SEVERITY_LABELS[severity]}】{body['title']}".split())  # a header is one line
    plain = plain_text(body) + (f"\n{body['note']}" if body.get("note") else "")
    html = _HTML.get_template("email.html.j2").render(
        title=body["title"], figures=body.get("figures") or [],
        actions=[Markup(linked(str(escape(a)), lambda text, url: f'<a href="{url}">{text}</a>', body))
                 for a in body.get("actions") or []],
        actions_title=_actions_title(body),
        note=body.get("note"), run=body.get("run"), link=body.get("link"), colour=COLOURS[severity])
    return subject, plain, html


def _json_size(payload: Any) -> int:
    return len(json.dumps(payload, ensure_ascii=False).encode("utf-8"))


RENDERERS = {"dingtalk": dingtalk, "wecom": wecom, "feishu": feishu}
