"""What each platform's readers see, photographed: start fakes of the DingTalk, WeCom and Feishu group robots
and a local mail server (tests/support/fake_robots.py), point `campaigns demo` at them by settings alone (a routing
file naming the robots' secrets as env:NAME, CAMPAIGNS_SMTP_*; Slack stays the local outbox), check each
received messages, then draw one received message per platform as that client would show it (approximately:
each page says how it was rendered) and photograph it with headless Chromium. Exits 1 if a platform got
nothing or a robot refused a request. Not a pytest test (it needs Chromium and runs the demo); run it by hand:

    .venv/bin/python tests/e2e/message_screenshots.py [--out deployments/screenshots] [--households 400] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from html import escape
from pathlib import Path

from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "e2e")]
from support.fake_robots import SECRET, FakeMailServer, FakeRobots  # noqa: E402
from ui_screenshots import Browser  # noqa: E402

ROUTES = {"screening": '["#fpjc-screening", "dt", "wc"]', "data-quality": '["#fpjc-data-stewards", "dt"]',
          "lead-watch": '["#fpjc-leads", "fs"]', "assessment": '["#fpjc-assessment", "fs"]',
          "release": '["#fpjc-press-office", "mail"]', "leadership": '["#fpjc-leadership", "mail"]'}
TARGETS = """
[targets.dt]
kind = "dingtalk"
url = "env:DEMO_DT_URL"
secret = "env:DEMO_DT_SECRET"

[targets.wc]
kind = "wecom"
url = "env:DEMO_WC_URL"

[targets.fs]
kind = "feishu"
url = "env:DEMO_FS_URL"
secret = "env:DEMO_FS_SECRET"

[targets.mail]
kind = "email"
to = ["press@example.gov.cn"]
"""
ROBOT = "防返贫监测通知"  # the name a group gives its custom robot
CSS = """body { margin: 0; padding: 12px 16px 20px; font: 14px/1.6 "Noto Sans CJK SC", "PingFang SC", sans-serif;
  color: #1f2329; background: BG; } .label { font-size: 12px; color: #8f959e; margin-bottom: 10px; }
.chat { display: flex; gap: 10px; } .avatar { flex: none; width: 36px; height: 36px; border-radius: 50%;
  color: #fff; font-weight: 600; text-align: center; line-height: 36px; background: ACCENT; }
.who { font-size: 12px; color: #8f959e; margin-bottom: 4px; } .tag { border: 1px solid ACCENT; color: ACCENT;
  border-radius: 3px; font-size: 10px; padding: 0 3px; margin: 0 4px; } .main { flex: 1; min-width: 0; }
.bubble { background: #fff; border-radius: 8px; padding: 10px 14px; max-width: 600px; box-shadow: 0 1px 2px #0001; }
.bubble h3 { font-size: 16px; margin: 2px 0 8px; } .bubble p, .bubble ul { margin: 4px 0; }
.bubble ul { padding-left: 20px; }
.bubble blockquote { margin: 2px 0; padding-left: 8px; border-left: 3px solid #dee0e3; color: #4e5969; }
.bubble a { color: #1f6feb; text-decoration: none; }"""


def routing_file(path: Path) -> None:
    """The shipped routing file with the demo's campaigns also routed to the fakes, and the fakes declared."""
    text = (REPO / "deployments" / "channels.toml").read_text(encoding="utf-8")
    for campaign, targets in ROUTES.items():
        text, found = re.subn(rf"^{campaign} = .*$", f"{campaign} = {targets}", text, count=1, flags=re.M)
        assert found, f"deployments/channels.toml routes no {campaign!r} any more"
    path.write_text(text + TARGETS, encoding="utf-8")
    assert tomllib.loads(path.read_text(encoding="utf-8"))["campaigns"]["screening"][1] == "dt"


def processes() -> dict[int, tuple[int, int]]:
    """Each process's parent and group, from /proc."""
    found = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
            found[int(entry)] = (int(fields[1]), int(fields[2]))
    return found


def descendants(root: int) -> set[int]:
    table, found = processes(), {root}
    while grown := {pid for pid, (parent, _) in table.items() if parent in found} - found:
        found |= grown
    return found


def leftovers(started: set[int], group: int | None, seconds: float = 15) -> list[int]:
    """Of the processes we started (Chromium's, and the demo's own session), those still there after
    `seconds` (helpers take a moment to follow their parent); they are ended."""
    deadline = time.monotonic() + seconds
    while True:
        table = processes()
        left = sorted(pid for pid, (_, pgid) in table.items() if pid in started or pgid == group)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    print(f"processes left: {len(left)}")
    return left


def score(figures: int, actions: int) -> tuple:
    """A message with both figures and actions shows most of a renderer; beyond a dozen items, only length."""
    return (figures > 0 and actions > 0, min(figures + actions, 12))


def pick(items: list, figures, actions):
    return max(items, key=lambda item: score(figures(item), actions(item)))


def spans(text: str, pattern: str, html_of) -> str:
    """`text` escaped, except what `pattern` matches, which `html_of` turns into markup; newlines break."""
    out, last = [], 0
    for match in re.finditer(pattern, text):
        out += [escape(text[last:match.start()]), html_of(match)]
        last = match.end()
    return "".join([*out, escape(text[last:])]).replace("\n", "<br>")


def lark_md(text: str) -> str:
    # Feishu's lark_md in a div: bold, links and newlines; it has no lists ("- " stays as typed).
    return spans(text, r"\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)\s]+)\)", lambda m: f"<b>{escape(m[1])}</b>" if m[1]
                 else f'<a href="{escape(m[3])}">{escape(m[2])}</a>')


def mrkdwn(text: str) -> str:
    # Slack's mrkdwn: *bold* and <url|text>.
    return spans(text, r"\*([^*\n]+)\*|<([^|>]+)\|([^>]+)>", lambda m: f"<b>{escape(m[1])}</b>" if m[1]
                 else f'<a href="{escape(m[2])}">{escape(m[3])}</a>')


def page(label: str, body: str, background: str = "#f2f3f5", accent: str = "#3296fa") -> str:
    css = CSS.replace("BG", background).replace("ACCENT", accent)
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>{css}</style></head><body>'
            f'<div class="label">{escape(label)}</div>{body}</body></html>')


def chat(avatar: str, bubble: str, extra: str = "", tag: str = "机器人", where: str = "") -> str:
    return (f'<div class="chat"><div class="avatar">{avatar}</div><div class="main"><div class="who">{ROBOT}'
            f'<span class="tag">{tag}</span>{time.strftime("%H:%M")}{where}</div>{bubble}{extra}</div></div>')


def dingtalk_page(payload: dict) -> str:
    # DingTalk's markdown is close to CommonMark without raw HTML; the title shows in the chat list only.
    md = payload["markdown"]
    return page("钉钉群机器人消息预览（按钉钉 markdown 渲染）", chat("钉", f'<div class="bubble">'
                f'{MarkdownIt("commonmark").render(md["text"])}</div>',
                f'<div class="label" style="margin-top:6px">会话列表/通知显示的标题：{escape(md["title"])}</div>'))


def wecom_page(payload: dict) -> str:
    # WeCom's robot markdown is line by line: headings, bold, links, quotes and three font colours, but no
    # lists ("- " stays as typed). Colours ride through markdown-it as private-use characters.
    colours = {"info": "#2ba245", "warning": "#ff7d00", "comment": "#8f959e"}
    content = re.sub(r'<font color="(\w+)">', lambda m: f"\ue000{m[1]}\ue001", payload["markdown"]["content"])
    content = content.replace("</font>", "\ue002")
    md = MarkdownIt("commonmark").disable("list")
    lines = "".join(md.render(line) for line in content.split("\n") if line.strip())
    lines = re.sub("\ue000(\\w+)\ue001", lambda m: f'<span style="color:{colours.get(m[1], "inherit")}">', lines)
    return page("企业微信群机器人消息预览（按企业微信 markdown 渲染：无列表，三种字体颜色）",
                chat("企", f'<div class="bubble">{lines.replace(chr(0xE002), "</span>")}</div>'),
                background="#ebedf0", accent="#2b7ce9")


def feishu_page(payload: dict) -> str:
    card = payload["card"]
    colour = {"blue": "#3370ff", "orange": "#ff8800", "red": "#f54a45"}.get(card["header"]["template"], "#3370ff")
    parts = []
    for element in card["elements"]:
        if element["tag"] == "div" and element.get("fields"):
            parts.append('<div style="display:grid;grid-template-columns:1fr 1fr;gap:6px 16px;margin:6px 0">'
                         + "".join(f'<div style="grid-column:{"auto" if f.get("is_short") else "1 / -1"}">'
                                   f'{lark_md(f["text"]["content"])}</div>' for f in element["fields"]) + "</div>")
        elif element["tag"] == "div":
            parts.append(f'<div style="margin:8px 0">{lark_md(element["text"]["content"])}</div>')
        elif element["tag"] == "note":
            parts.append('<div style="font-size:12px;color:#8f959e;margin:8px 0">'
                         + "　".join(escape(e["content"]) for e in element["elements"]) + "</div>")
        elif element["tag"] == "action":
            parts.append("".join(f'<a href="{escape(b.get("url", ""))}" style="display:inline-block;'
                                 f'margin:6px 8px 2px 0;padding:4px 14px;border-radius:6px;background:#3370ff;'
                                 f'color:#fff">'
                                 f'{escape(b["text"]["content"])}</a>' for b in element["actions"]))
        else:
            parts.append(f'<div style="color:#f54a45">（预览不认识的元素 {escape(element["tag"])}）</div>')
    bubble = (f'<div class="bubble" style="padding:0;overflow:hidden;border:1px solid #dee0e3">'
              f'<div style="background:{colour};color:#fff;font-weight:600;font-size:16px;padding:10px 14px">'
              f'{escape(card["header"]["title"]["content"])}</div><div style="padding:4px 14px 10px">'
              f'{"".join(parts)}</div></div>')
    return page("飞书群机器人消息预览（按飞书消息卡片渲染，lark_md）", chat("飞", bubble), accent="#3370ff")


def email_page(mail) -> str:
    # The HTML part as received, under the header lines a mail client shows.
    html = mail.get_body(("html",)).get_content()
    header = "".join(f'<div><span style="color:#8f959e;display:inline-block;width:64px">{name}</span>'
                     f'{escape(str(mail[key]))}</div>' for key, name in
                     (("From", "发件人"), ("To", "收件人"), ("Subject", "主题"), ("Date", "时间")))
    top = (f'<div style="font-size:12px;color:#8f959e;margin-bottom:8px">邮件预览（收到的 HTML 正文）</div>'
           f'<div style="font-size:13px;border-bottom:1px solid #dee0e3;padding-bottom:8px;margin-bottom:12px">'
           f'{header}</div>')
    return re.sub(r"<body[^>]*>", lambda m: m[0] + top, html, count=1)


def slack_page(record: dict) -> str:
    # Block Kit, approximately: header, sections (fields two by two, or text), context lines.
    parts = []
    for block in record["blocks"]:
        if block["type"] == "header":
            parts.append(f'<div style="font-size:18px;font-weight:700;margin:2px 0 6px">'
                         f'{escape(block["text"]["text"])}</div>')
        elif block["type"] == "section" and block.get("fields"):
            parts.append('<div style="display:grid;grid-template-columns:1fr 1fr;gap:6px 16px;margin:6px 0">'
                         + "".join(f"<div>{mrkdwn(f['text'])}</div>" for f in block["fields"]) + "</div>")
        elif block["type"] == "section":
            parts.append(f'<div style="margin:6px 0">{mrkdwn(block["text"]["text"])}</div>')
        elif block["type"] == "context":
            parts.append('<div style="font-size:12px;color:#616061;margin:4px 0">'
                         + " ".join(mrkdwn(e["text"]) for e in block["elements"]) + "</div>")
    return page("Slack 消息预览（本地 outbox，按 Block Kit 近似渲染）",
                chat("S", f'<div style="max-width:640px">{"".join(parts)}</div>', tag="APP",
                     where=f"　{escape(record['channel'])}"), background="#fff", accent="#4a154b")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "deployments" / "screenshots")
    parser.add_argument("--households", type=int, default=400)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (pages, demo log, outbox)")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    work = Path(tempfile.mkdtemp(prefix="campaigns-messages-"))
    robots, mail = FakeRobots(), FakeMailServer()
    demo = browser = None
    try:
        routing_file(work / "channels.toml")
        # Only settings: nothing inherited may point the demo elsewhere (a Slack token, a Prefect server).
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGNS_", "PREFECT_"))}
        env.update({"CAMPAIGNS_DATABASE_URL": f"sqlite:///{work / 'campaigns.db'}",
                    "CAMPAIGNS_OUTPUT_DIR": str(work / "out"), "PREFECT_HOME": str(work / "prefect"),
                    "CAMPAIGNS_SLACK_CHANNELS_FILE": str(work / "channels.toml"),
                    "DEMO_DT_URL": robots.url("dingtalk"), "DEMO_DT_SECRET": SECRET,
                    "DEMO_WC_URL": robots.url("wecom"), "DEMO_FS_URL": robots.url("feishu"),
                    "DEMO_FS_SECRET": SECRET, "CAMPAIGNS_SMTP_HOST": "127.0.0.1",
                    "CAMPAIGNS_SMTP_PORT": str(mail.port), "CAMPAIGNS_SMTP_SECURITY": "none",
                    # As `campaigns serve` sets them: messages then link to the run and the reports (nobody
                    # is served there; without them messages carry no button and give server paths).
                    "CAMPAIGNS_PREFECT_UI_URL": "http://127.0.0.1:4200",
                    "CAMPAIGNS_REPORTS_URL": "http://127.0.0.1:4201/"})
        started = time.monotonic()
        with (work / "demo.log").open("w") as log:
            # Its own session: the temporary Prefect server it starts can be found (and ended) by group.
            demo = subprocess.Popen([str(BIN / "campaigns"), "demo", "--households", str(args.households)],
                                    cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            demo.wait(1800)
        print(f"campaigns demo exited with {demo.returncode} after {time.monotonic() - started:.0f} s")
        if demo.returncode:
            sys.exit("the demo failed:\n" + "\n".join((work / "demo.log").read_text().splitlines()[-30:]))

        outbox = [json.loads(line) for line in (work / "out" / "outbox.jsonl").read_text().splitlines()]
        received = {**robots.received, "email": mail.mails, "slack (outbox)": outbox}
        titles = {"dingtalk": lambda p: p["markdown"]["title"], "wecom": lambda p: p["markdown"]["content"]
                  .split("\n")[0].lstrip("# "), "feishu": lambda p: p["card"]["header"]["title"]["content"],
                  "email": lambda m: str(m["Subject"]), "slack (outbox)": lambda r: r["blocks"][0]["text"]["text"]}
        for kind, items in received.items():
            print(f"{kind:15} {len(items):3} messages" + (f", the first: {titles[kind](items[0])}" if items else ""))
        with sqlite3.connect(work / "campaigns.db") as db:  # past a robot's allowance, or held for a digest
            waiting = db.execute("SELECT channel, status, COUNT(*) FROM outbox WHERE status IN "
                                 "('pending', 'held', 'failed') GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
        for channel, status, count in waiting:
            print(f"outbox: {count} {status} for {channel}")
        if robots.refusals:
            print(f"the robots refused {len(robots.refusals)} requests: {robots.refusals}")
        missing = [kind for kind, items in received.items() if not items]
        if missing or robots.refusals:
            sys.exit(f"no messages for {', '.join(missing)}" if missing else "a robot refused requests")

        # One message each, preferring one with figures and actions (see `score`).
        pages = {
            "dingtalk": dingtalk_page(pick(
                robots.received["dingtalk"], lambda p: p["markdown"]["text"].count("\n- **"),
                lambda p: len(re.findall(r"^- (?!\*\*)", p["markdown"]["text"], re.M)))),
            "wecom": wecom_page(pick(
                robots.received["wecom"], lambda p: p["markdown"]["content"].count("\n> "),
                lambda p: p["markdown"]["content"].count("\n- "))),
            "feishu": feishu_page(pick(
                robots.received["feishu"], lambda p: sum(len(e.get("fields", [])) for e in p["card"]["elements"]),
                lambda p: sum(e["tag"] == "div" and "text" in e for e in p["card"]["elements"]))),
            "email": email_page(pick(mail.mails, lambda m: m.get_body(("html",)).get_content().count("<tr>"),
                                     lambda m: m.get_body(("html",)).get_content().count("<li>"))),
            "slack": slack_page(pick(outbox, lambda r: sum(len(b.get("fields", [])) for b in r["blocks"]),
                                     lambda r: sum(b["type"] == "section" and "text" in b for b in r["blocks"]))),
        }
        args.out.mkdir(parents=True, exist_ok=True)
        browser = Browser(chromium, work / "chromium", port=9334)
        for kind, html in pages.items():
            (work / f"{kind}.html").write_text(html, encoding="utf-8")
            browser.open((work / f"{kind}.html").as_uri(), 760, 200, "预览")
            # The screenshot covers the viewport: make it as tall as the page.
            height = browser.evaluate("document.documentElement.scrollHeight")
            browser.send("Emulation.setDeviceMetricsOverride", width=760, height=height, deviceScaleFactor=1,
                         mobile=False)
            time.sleep(0.3)
            browser.save(args.out / f"message-{kind}.png")
    finally:
        chromium_pids = set()
        if browser is not None:
            chromium_pids = descendants(browser.process.pid)
            browser.close()
        robots.stop()
        mail.stop()
        if demo is not None and demo.poll() is None:
            os.killpg(demo.pid, signal.SIGTERM)
            demo.wait(30)
        left = leftovers(chromium_pids, demo.pid if demo is not None else None)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")
    if left:
        sys.exit(f"processes outlived their parents (ended now): {left}")


if __name__ == "__main__":
    main()
