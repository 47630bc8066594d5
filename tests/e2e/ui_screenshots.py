"""What coordinators and the press office see, photographed: run the demo on empty folders (three
campaigns, with their artifacts and Data Docs), start `campaigns serve` over them, launch a release that waits for
its approver, then drive headless Chromium (Debian's `chromium`) over the DevTools protocol through the
deployments, the run forms, the approval form (the paused run's Resume dialog, and the served approval page
whose code field is a password field), the draft to be approved, a run's artifacts, the
quality table, the period board and the Data Docs served offline. Stops the server with Ctrl-C and checks
it ended. Not a pytest test (it needs Chromium and takes minutes); run it by hand:

    .venv/bin/python tests/e2e/ui_screenshots.py [--out deployments/screenshots] [--port 4321]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]
SCREENS = ((1366, 650), (1920, 950))
# Pages whose tab opens below the fold on a laptop's screen (the run's graph fills the window): photographed
# scrolled to what the tab shows, which the UI draws only once it is seen.
SCROLLED = {"run-artifacts"}
BIN = REPO / ".venv" / "bin"


class Api:
    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, path: str, body: dict | None = None, method: str | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method or ("POST" if data else "GET"),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def deployment(self, name: str) -> str:
        return self.call("/deployments/filter", {"deployments": {"name": {"any_": [name]}}})[0]["id"]

    def latest_run(self, flow: str) -> dict:
        return self.call("/flow_runs/filter", {"flows": {"name": {"any_": [flow]}}, "sort": "START_TIME_DESC",
                                               "limit": 1})[0]

    def artifact(self, key: str, showing: str = "") -> str | None:
        """The latest artifact of `key`, once its content shows `showing`."""
        found = self.call("/artifacts/filter", {"artifacts": {"key": {"any_": [key]}}, "sort": "CREATED_DESC",
                                                "limit": 1})
        return found[0]["id"] if found and showing in json.dumps(found[0]["data"], ensure_ascii=False) else None


class Browser:
    """Headless Chromium driven over its DevTools websocket: navigate, wait for text, click, screenshot."""

    def __init__(self, chromium: str, profile: Path, port: int = 9333) -> None:
        from websockets.sync.client import connect

        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
             "--disable-background-networking", "--disable-component-update", f"--user-data-dir={profile}",
             f"--remote-debugging-port={port}", "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2) as response:
                    page = next(t for t in json.load(response) if t["type"] == "page")
                break
            except (OSError, StopIteration):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        self.socket = connect(page["webSocketDebuggerUrl"], max_size=None)
        self.next_id = 0

    def send(self, method: str, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str):
        return self.send("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def open(self, url: str, width: int, height: int, text: str, seconds: float = 60) -> None:
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        self.send("Page.navigate", url=url)
        self.wait_for(text, seconds)

    def wait_for(self, text: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not self.evaluate(f"!!document.body && document.body.innerText.includes({json.dumps(text)})"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{text!r} did not appear on {self.evaluate('location.href')}")
            time.sleep(0.5)
        time.sleep(1.5)  # fonts and late layout

    def click(self, label: str) -> None:
        """Click the innermost element that reads exactly `label` (a button, a tab)."""
        clicked = self.evaluate(
            "(() => { const e = [...document.querySelectorAll('button, a, [role=tab], li, span')].reverse()"
            f".find(e => e.innerText && e.innerText.trim() === {json.dumps(label)});"
            " if (e) { e.click(); return true; } return false; })()")
        if not clicked:
            raise RuntimeError(f"nothing reads {label!r} on {self.evaluate('location.href')}")

    def scroll(self, pixels: int) -> None:
        """Down by `pixels`, as a mouse wheel at the foot of the page scrolls it (whichever box scrolls; over
        the run's graph a wheel zooms the graph instead)."""
        width, height = self.evaluate("[innerWidth, innerHeight]")
        self.send("Input.dispatchMouseEvent", type="mouseWheel", x=width // 2, y=height - 20, deltaX=0,
                  deltaY=pixels)

    def save(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"]))
        print(f"saved {path}")

    def close(self) -> None:
        self.socket.close()
        self.process.terminate()
        self.process.wait(15)


def wait_until(check, what: str, seconds: float):
    deadline = time.monotonic() + seconds
    while (value := check()) is None or value is False:
        if time.monotonic() > deadline:
            sys.exit(f"timed out waiting for {what}")
        time.sleep(2)
    return value


def paused(api: Api, flow_run_id: str) -> bool:
    state = api.call(f"/flow_runs/{flow_run_id}")["state"]["type"]
    if state in ("FAILED", "CRASHED", "CANCELLED", "COMPLETED"):
        sys.exit(f"the release ended {state} instead of waiting for its approver (see serve.log)")
    return state == "PAUSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "deployments" / "screenshots")
    parser.add_argument("--port", type=int, default=4321)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    work = Path(tempfile.mkdtemp(prefix="campaigns-ui-"))
    ui, api_url = f"http://127.0.0.1:{args.port}", f"http://127.0.0.1:{args.port}/api"
    env = {**os.environ, "CAMPAIGNS_DATABASE_URL": f"sqlite:///{work / 'c.db'}",
           "CAMPAIGNS_OUTPUT_DIR": str(work / "out"), "PREFECT_HOME": str(work / "prefect"),
           "CAMPAIGNS_HOUSEKEEPING_SECONDS": "5", "CAMPAIGNS_REPORTS_URL": f"http://127.0.0.1:{args.port + 1}/"}
    # An approver on a list of this run's own: a release launched from the UI waits for one.
    from tasks.release.approvers import add_approver

    add_approver(work / "approvers.toml", "王审核", "新闻办", "screenshot-only-code")
    env["CAMPAIGNS_RELEASE_APPROVERS_FILE"] = str(work / "approvers.toml")
    # The demo first, as a newcomer runs it (`make demo`, then `make up`): its runs, artifacts and Data Docs
    # are in the Prefect database the server then shows, and its roster's year is the forms' year.
    subprocess.run([str(BIN / "campaigns"), "demo"], cwd=work, env=env, check=True, stdout=subprocess.DEVNULL,
                   timeout=1800)
    log = (work / "serve.log").open("w")
    serve = subprocess.Popen([str(BIN / "campaigns"), "serve", "--port", str(args.port)], cwd=work, env=env,
                             stdout=log, stderr=subprocess.STDOUT)
    api = Api(api_url)
    browser = None
    try:
        wait_until(lambda: serve.poll() is None and "being served" in (work / "serve.log").read_text(),
                   "campaigns serve", 300)
        release = api.deployment("例行数据发布")
        waiting = api.call(f"/deployments/{release}/create_flow_run", {"parameters": {"params": {"period": "2023Q3"}}})
        wait_until(lambda: paused(api, waiting["id"]), "the release to wait for its approver", 600)
        board = wait_until(lambda: api.artifact("period-board", showing="待审核"), "the period board", 120)
        quality = api.artifact("screening-quality")
        screening_run = api.latest_run("q2-concentrated-screening")["id"]
        docs = sorted((work / "out" / "screening").rglob("data_docs/index.html"))[0]
        draft = work / "out" / "releases" / "2023Q3" / "draft" / "release.html"

        args.out.mkdir(parents=True, exist_ok=True)
        browser = Browser(chromium, work / "chromium")
        reports = env["CAMPAIGNS_REPORTS_URL"]
        address = reports + docs.relative_to(work / "out").as_posix()
        # (file, address, text to wait for, then click these and wait for that text), each at the screens
        # staff work on: a laptop's 1366×650 and a desktop's 1920×950 (and the approval at 1440×1000 too).
        pages = [
            ("deployments", f"{ui}/deployments", "防止返贫集中排查", ()),
            ("screening-run-form", f"{ui}/deployments/deployment/{api.deployment('防止返贫集中排查')}/run", "模式",
             ()),
            ("release-run-form", f"{ui}/deployments/deployment/{release}/run", "发布期间", ()),
            ("approval-form", f"{ui}/runs/flow-run/{waiting['id']}", "Resume", (("Resume", "审核人"),)),
            ("approval-page", f"{reports}approve/{waiting['id']}", "审核码", ()),
            ("release-draft", reports + quote(draft.relative_to(work / "out").as_posix()), "分省", ()),
            ("run-artifacts", f"{ui}/runs/flow-run/{screening_run}", "Artifacts",
             (("Artifacts", "screening-quality"),)),
            ("quality-artifact", f"{ui}/artifacts/artifact/{quality}", "未通过", ()),
            ("period-board", f"{ui}/artifacts/artifact/{board}", "各期运行状态", ()),
            ("data-docs", address, "Validation Results", ()),
        ]
        for name, url, text, clicks in pages:
            for width, height in SCREENS + (((1440, 1000),) if name == "approval-form" else ()):
                browser.open(url, width, height, text)
                for label, then in clicks:
                    browser.click(label)
                    if name in SCROLLED:
                        browser.scroll(420)
                    try:
                        browser.wait_for(then)
                    except TimeoutError as missing:  # photographed anyway: the picture shows what is there
                        shown = browser.evaluate("document.body.innerText.slice(0, 400)")
                        print(f"{name} at {width}×{height}: {missing}; the page reads: {shown!r}")
                browser.save(args.out / f"{name}-{width}x{height}.png")
    finally:
        if browser is not None:
            browser.close()
        serve.send_signal(signal.SIGINT)
        serve.wait(60)
    stray = subprocess.run(["pgrep", "-f", f"prefect server start --host 127.0.0.1 --port {args.port}"],
                           capture_output=True, text=True).stdout.split()
    print(f"serve exited with {serve.returncode}; server processes left: {len(stray)}")
    if stray:
        sys.exit("the Prefect server outlived Ctrl-C")


if __name__ == "__main__":
    main()
